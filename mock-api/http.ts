import type { ServerResponse } from 'node:http';

/** An answer other than 200, thrown by whatever decides it and sent by the server. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly extra: object = {},
  ) {
    super(message);
  }

  /** The body as sent. */
  bodyText(): string {
    return JSON.stringify({ error: this.error, message: this.message, ...this.extra });
  }
}

export const notFound = (message: string) => new HttpError(404, 'Not Found', message);

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

export function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body || '{}');
  } catch {
    throw new HttpError(400, 'Bad Request', 'The body is not JSON');
  }
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
