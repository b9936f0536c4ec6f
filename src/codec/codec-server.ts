import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { codecServerUiOrigin, loadSettings } from '../config';
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

/**
 * The remote codec endpoint the Temporal Web UI (and `temporal --codec-endpoint`) calls to show
 * encrypted payloads: POST /decode and POST /encode with {"payloads": [...]}. It answers only the
 * Web UI's origin, and binds to 127.0.0.1: whoever reaches it can read the data.
 */
export async function startCodecServer(
  codec: PayloadCodec,
  options: { port: number; uiOrigin: string },
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', options.uiOrigin);
    res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
    res.setHeader('access-control-allow-headers', 'content-type, x-namespace');
    res.setHeader('access-control-allow-credentials', 'true');
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const operation = req.method === 'POST' && (req.url === '/decode' || req.url === '/encode') ? req.url.slice(1) : undefined;
    if (!operation) return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const { payloads } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads: JsonPayload[] };
        const converted = operation === 'decode' ? await codec.decode(payloads.map(fromJson)) : await codec.encode(payloads.map(fromJson));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ payloads: converted.map(toJson) }));
      } catch (err) {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `npm run codec-server`: the codec endpoint for a Web UI of your own cluster. */
if (require.main === module) {
  void (async () => {
    const settings = loadSettings();
    const codec = encryptionCodec(settings);
    if (!codec) throw new Error('set CAMPAIGN_SYNC_ENCRYPTION_KEY (the key the workers use) to run the codec server');
    const uiOrigin = codecServerUiOrigin(settings);
    const { url } = await startCodecServer(codec, { port: settings.CODEC_SERVER_PORT, uiOrigin });
    process.stdout.write(`codec server on ${url} for the Web UI at ${uiOrigin}; start the UI with --ui-codec-endpoint ${url}\n`);
  })().catch((err: unknown) => {
    process.stderr.write(`codec-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
