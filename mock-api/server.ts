import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin } from './admin';
import { issueToken } from './auth';
import { listCampaigns, syncCampaign } from './campaign-api';
import type { MockConfig } from './config';
import { HttpError, notFound, sendJson, sendJsonText } from './http';
import { PlatformState } from './platform-state';

export interface MockPlatform {
  server: Server;
  config: MockConfig;
  url: string;
  close(): Promise<void>;
}

/** The reference platform's routes, then the admin ones tests use. */
async function route(platform: PlatformState, req: IncomingMessage, res: ServerResponse, body: string) {
  const url = new URL(req.url ?? '/', 'http://mock');
  const path = url.pathname;
  if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok', timestamp: new Date().toISOString() });
  if (req.method === 'POST' && path === '/auth/token') return sendJson(res, 200, issueToken(platform, req));
  if (req.method === 'GET' && path === '/api/campaigns') return listCampaigns(platform, req, res, url);
  const syncMatch = /^\/api\/campaigns\/([^/]+)\/sync$/.exec(path);
  if (req.method === 'POST' && syncMatch) return syncCampaign(platform, req, res, decodeURIComponent(syncMatch[1]!));
  if (path.startsWith('/__mock/')) return handleAdmin(platform, req, res, url, body);
  throw notFound(`No route ${req.method} ${path}`);
}

function sendError(res: ServerResponse, err: unknown) {
  if (err instanceof HttpError) return sendJsonText(res, err.status, err.bodyText(), err.headers);
  sendJson(res, 500, { error: 'Internal Server Error', message: err instanceof Error ? err.message : String(err) });
}

export function createMockPlatform(config: MockConfig) {
  const platform = new PlatformState(config);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      route(platform, req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => sendError(res, err));
    });
  });
  // Like a platform behind a load balancer: idle connections kept a minute. Node's 5 s default
  // raced clients that reuse a connection after a stall of a second (ECONNRESET in a loaded test run).
  server.keepAliveTimeout = 65_000;

  return {
    server,
    config,
    async listen(): Promise<MockPlatform> {
      await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
      const { port } = server.address() as AddressInfo;
      return {
        server,
        config,
        url: `http://${config.host}:${port}`,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections(); // hung requests included
          }),
      };
    },
  };
}
