import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { codecServerUiOrigins, loadSettings, type Settings } from '../config';
import { temporalNamespace } from '../infra/temporal-connection';
import { credentialChecker, type CodecCredentials } from './codec-credentials';
import { CORS_ALLOWED_HEADERS, judgeCodecRequest, type CodecPolicy } from './codec-policy';
import { encryptionCodec } from './encryption-codec';

/** Payloads as the codec server protocol sends them: protobuf JSON, bytes in base64. */
interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export interface CodecServerOptions {
  port: number;
  /** Address to listen on; without credentials, only loopback is allowed. */
  host: string;
  /** Web UI origins answered. */
  uiOrigins: readonly string[];
  /** Host header values served; unset: localhost, 127.0.0.1 and [::1] on the bound port. */
  allowedHosts?: readonly string[];
  namespaces: readonly string[];
  credentials: CodecCredentials;
  encodeEnabled: boolean;
  /** PEM texts: serve HTTPS. */
  tls?: { cert: string; key: string };
  maxBodyBytes: number;
  maxPayloads: number;
}

export const isLoopback = (host: string): boolean =>
  host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1' || host === '[::1]';

/** The options the settings describe (TLS files read here, so a bad path fails at start). */
export function codecServerOptions(settings: Settings): CodecServerOptions {
  const { CODEC_SERVER_JWKS_URL: jwksUrl, CODEC_SERVER_JWT_ISSUER: issuer, CODEC_SERVER_JWT_AUDIENCE: audience } = settings;
  const read = (variable: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(
        `Invalid ${variable}: cannot read ${file} (${(err as { code?: string }).code ?? 'unreadable'}); name a PEM file this process can read`,
        { cause: err },
      );
    }
  };
  const { CODEC_SERVER_TLS_CERT_FILE: certFile, CODEC_SERVER_TLS_KEY_FILE: keyFile } = settings;
  return {
    port: settings.CODEC_SERVER_PORT,
    host: settings.CODEC_SERVER_HOST,
    uiOrigins: codecServerUiOrigins(settings),
    allowedHosts: settings.CODEC_SERVER_ALLOWED_HOSTS,
    namespaces: settings.CODEC_SERVER_NAMESPACES ?? [temporalNamespace(settings)],
    credentials: {
      token: settings.CODEC_SERVER_TOKEN,
      jwt: jwksUrl && issuer && audience ? { jwksUrl, issuer, audience } : undefined,
    },
    encodeEnabled: settings.CODEC_SERVER_ENABLE_ENCODE,
    tls:
      certFile && keyFile
        ? { cert: read('CODEC_SERVER_TLS_CERT_FILE', certFile), key: read('CODEC_SERVER_TLS_KEY_FILE', keyFile) }
        : undefined,
    maxBodyBytes: settings.CODEC_SERVER_MAX_BODY_BYTES,
    maxPayloads: settings.CODEC_SERVER_MAX_PAYLOADS,
  };
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

class RequestTooLarge extends Error {}

/** The body, refused past `maxBytes` (by Content-Length up front, else as it arrives). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw new RequestTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new RequestTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const sendJson = (res: ServerResponse, status: number, body: unknown) =>
  void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/**
 * The remote codec endpoint the Temporal Web UI (and `temporal --codec-endpoint`) calls to show
 * encrypted payloads: POST /decode (and /encode when enabled) with {"payloads": [...]}. Who is
 * served is judged by codec-policy.ts; this is the plumbing around it. Binds to loopback unless
 * told otherwise, and then only with credentials: whoever it answers can read the data.
 */
export async function startCodecServer(
  codec: PayloadCodec,
  options: CodecServerOptions,
): Promise<{ url: string; server: Server; credentialsRequired: boolean; close(): Promise<void> }> {
  const credentialsRequired = options.credentials.token !== undefined || options.credentials.jwt !== undefined;
  if (!credentialsRequired && !isLoopback(options.host))
    throw new Error(
      `Invalid CODEC_SERVER_HOST: ${options.host} is reachable from other machines and no credential is set; set CODEC_SERVER_TOKEN or CODEC_SERVER_JWKS_URL, or listen on 127.0.0.1`,
    );
  if (!isLoopback(options.host) && !options.allowedHosts)
    throw new Error(
      `Invalid CODEC_SERVER_ALLOWED_HOSTS: unset, but the server listens on ${options.host}; name the host (and port) the Web UI reaches it by, for example codec.example.com:8888`,
    );
  const checkCredential = credentialChecker(options.credentials);
  // Set once listening: the default allowed Host values name the port, known only then.
  const served: { policy?: CodecPolicy } = {};

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('vary', 'Origin');
    const verdict = judgeCodecRequest(served.policy!, {
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0]!,
      host: header(req, 'host'),
      origin: header(req, 'origin'),
      namespace: header(req, 'x-namespace'),
      credential: req.method === 'OPTIONS' ? 'missing' : await checkCredential(header(req, 'authorization')),
    });
    if (verdict.corsOrigin !== undefined) {
      res.setHeader('access-control-allow-origin', verdict.corsOrigin);
      res.setHeader('access-control-allow-credentials', 'true');
    }
    if (verdict.kind === 'preflight') {
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', CORS_ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', '600');
      return void res.writeHead(204).end();
    }
    if (verdict.kind === 'refuse') {
      if (verdict.status === 401) res.setHeader('www-authenticate', 'Bearer');
      return sendJson(res, verdict.status, { error: verdict.reason });
    }
    let payloads: JsonPayload[];
    try {
      const body = JSON.parse((await readBody(req, options.maxBodyBytes)).toString('utf8')) as { payloads?: unknown };
      if (!Array.isArray(body.payloads)) return sendJson(res, 400, { error: 'expected {"payloads": [...]}' });
      payloads = body.payloads as JsonPayload[];
    } catch (err) {
      if (err instanceof RequestTooLarge)
        return sendJson(res.setHeader('connection', 'close'), 413, { error: `body over ${options.maxBodyBytes} bytes` });
      return sendJson(res, 400, { error: 'body is not JSON' });
    }
    if (payloads.length > options.maxPayloads) return sendJson(res, 413, { error: `more than ${options.maxPayloads} payloads` });
    try {
      const converted =
        verdict.operation === 'decode' ? await codec.decode(payloads.map(fromJson)) : await codec.encode(payloads.map(fromJson));
      sendJson(res, 200, { payloads: converted.map(toJson) });
    } catch (err) {
      // The codec's messages name key ids, never keys or payload contents.
      sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) =>
    void handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  served.policy = {
    allowedHosts: (options.allowedHosts ?? ['localhost', '127.0.0.1', '[::1]'].map((host) => `${host}:${port}`)).map((h) =>
      h.toLowerCase(),
    ),
    allowedOrigins: options.uiOrigins,
    namespaces: options.namespaces,
    credentialsRequired,
    encodeEnabled: options.encodeEnabled,
  };
  const urlHost = isLoopback(options.host) ? 'localhost' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    server,
    credentialsRequired,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `npm run codec-server`: the codec endpoint for a Web UI of your own cluster. */
if (require.main === module) {
  void (async () => {
    const settings = loadSettings();
    const codec = encryptionCodec(settings);
    if (!codec) throw new Error('set CAMPAIGN_SYNC_ENCRYPTION_KEYS (the key ring the workers use) to run the codec server');
    const options = codecServerOptions(settings);
    const { url, credentialsRequired } = await startCodecServer(codec, options);
    const who = credentialsRequired
      ? `callers with ${[options.credentials.token && 'the shared token', options.credentials.jwt && `a JWT from ${options.credentials.jwt.issuer}`].filter(Boolean).join(' or ')}`
      : 'any caller on this machine (no credential set: loopback only)';
    process.stdout.write(
      `codec server on ${url} for the Web UI at ${options.uiOrigins.join(', ')}, namespaces ${options.namespaces.join(', ')}, serving ${who}; /encode ${options.encodeEnabled ? 'on' : 'off'}; start the UI with --ui-codec-endpoint ${url}\n`,
    );
  })().catch((err: unknown) => {
    process.stderr.write(`codec-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
