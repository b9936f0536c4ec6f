import pino from 'pino';

/**
 * Structured logs (pino). Anything under these keys is replaced before it is written, so a
 * credential that reaches a log call by mistake still never reaches the output.
 */
export const REDACTED_KEYS = [
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
];

/** `level` comes from the settings (LOG_LEVEL). */
export function createLogger(level: string, destination?: pino.DestinationStream) {
  return pino({ level, redact: { paths: REDACTED_KEYS, censor: '[redacted]' } }, destination);
}

export type Logger = pino.Logger;
