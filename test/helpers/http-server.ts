import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** The path and query exactly as they arrived, still percent-encoded. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest) => void;

export interface TestServer {
  /** http://127.0.0.1:<port>, the base URL to hand the client. */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A tiny HTTP server on 127.0.0.1, port 0. Every request is recorded (with its body) before the
 * handler runs. close() also cuts connections a handler left hanging.
 */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      handler(req, res, recorded);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(body);
}

/** Never answers: the request hangs until the client gives up or the server closes. */
export const hang: Handler = () => undefined;

/**
 * Sends the status line, headers and `first`, then one more byte every `everyMs`, at most
 * `drops` times, then ends: a body that arrives slower than a body timeout of less than everyMs.
 */
export function drip(first: string, everyMs: number, drops: number): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(first);
    let sent = 0;
    const timer = setInterval(() => {
      if (++sent > drops || res.destroyed) {
        clearInterval(timer);
        if (!res.destroyed) res.end();
        return;
      }
      res.write(' ');
    }, everyMs);
    res.on('close', () => clearInterval(timer));
  };
}

/** Writes the headers and `partial`, then resets the connection. */
export function resetAfter(partial: string): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '10000' });
    res.write(partial, () => res.socket?.destroy());
  };
}

/** A base URL nothing listens on (a server's port, just closed). */
export async function refusedUrl(): Promise<string> {
  const server = await startServer(hang);
  await server.close();
  return server.url;
}
