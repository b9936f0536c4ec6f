/**
 * What a log line may carry: values under secret-bearing keys are replaced at any depth, whatever
 * their case or spelling (`Authorization`, `client_secret`, `apiKey`); errors become their type,
 * message, code, first stack frames and cause (JSON of an Error is `{}`, which hides why a thing
 * failed); and in every string, the password of a URL and the credential of an Authorization
 * header are replaced. Secrets our code handles never go into messages in the first place
 * (activities scrub them from failures); these rules catch what reaches a log call by mistake.
 */

export const REDACTED = '[redacted]';

/** Key spellings folded to this form before comparing: `Access-Token`, `access_token` and `accessToken` alike. */
const fold = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Keys whose whole value is a secret. */
const SECRET_KEYS = new Set(['authorization', 'proxyauthorization', 'cookie', 'setcookie', 'credentials', 'pass', 'pwd', 'jwt']);
/** Endings of keys whose value is a secret: `password`, `dbPassword`, `clientSecret`, `refresh_token`, `x-api-key`. */
const SECRET_KEY_ENDINGS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'privatekey', 'encryptionkey', 'signingkey'];

/** Whether a value logged under `key` is replaced. */
export function isSecretKey(key: string): boolean {
  const folded = fold(key);
  return SECRET_KEYS.has(folded) || SECRET_KEY_ENDINGS.some((ending) => folded.endsWith(ending));
}

/** Secrets inside free text: a URL's password (`postgres://user:pw@host`), an Authorization header's credential. */
const SECRETS_IN_TEXT: [RegExp, string][] = [
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${REDACTED}@`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
];

export function redactText(text: string): string {
  return SECRETS_IN_TEXT.reduce((redacted, [pattern, replacement]) => redacted.replace(pattern, replacement), text);
}

/** How many stack frames an error keeps: where it was thrown, not the whole async chain. */
export const STACK_FRAMES = 5;
/** Nesting kept in a log line; deeper values are cut (a cycle, or a whole request object logged by mistake). */
const MAX_DEPTH = 8;

/** An error as a log line shows it: never `{}`, never more than a few frames. */
export interface SerializedError {
  type: string;
  message: string;
  code?: string | number;
  /** Temporal's failure type (ApplicationFailure.type), when there is one. */
  failureType?: string;
  stack?: string[];
  cause?: unknown;
}

export function serializeError(err: Error, depth = 0, seen = new WeakSet<object>()): SerializedError {
  seen.add(err);
  const { code, type, cause } = err as Error & { code?: unknown; type?: unknown; cause?: unknown };
  const frames = err.stack
    ?.split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, STACK_FRAMES)
    .map((line) => redactText(line.trim()));
  return {
    type: err.name || err.constructor?.name || 'Error',
    message: redactText(String(err.message ?? '')),
    ...((typeof code === 'string' || typeof code === 'number') && { code }),
    ...(typeof type === 'string' && { failureType: type }),
    ...(frames && frames.length > 0 && { stack: frames }),
    ...(cause !== undefined && { cause: redactValue(cause, depth + 1, seen) }),
  };
}

/** `value` with every secret-keyed value replaced, errors serialized and secrets in text redacted, at any depth. */
export function redactValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return serializeError(value, depth, seen);
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (value instanceof Date) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
  const entries = value instanceof Map ? [...value.entries()].map(([k, v]) => [String(k), v] as const) : Object.entries(value);
  return Object.fromEntries(entries.map(([key, item]) => [key, isSecretKey(key) ? REDACTED : redactValue(item, depth + 1, seen)]));
}

/** A log call's merged object, redacted (pino's `formatters.log`). */
export const redactLogObject = (object: Record<string, unknown>): Record<string, unknown> => redactValue(object) as Record<string, unknown>;
