import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startCodecServer, type CodecServerOptions } from '../../src/codec/codec-server';
import { EncryptionCodec } from '../../src/codec/encryption-codec';

const UI = 'https://temporal.example.com';
const TOKEN = randomBytes(32).toString('hex');
const codec = EncryptionCodec.withKey(randomBytes(32), 'k1');
const SECRET_TEXT = '{"name":"Campaign 1"}';

const base: CodecServerOptions = {
  port: 0,
  host: '127.0.0.1',
  uiOrigins: [UI],
  namespaces: ['campaigns'],
  credentials: { token: TOKEN },
  encodeEnabled: false,
  maxBodyBytes: 64 * 1024,
  maxPayloads: 3,
};

const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');
async function sealedBody(count = 1) {
  const sealed = await codec.encode(
    Array.from({ length: count }, () => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(SECRET_TEXT) })),
  );
  return JSON.stringify({
    payloads: sealed.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, b64(v)])),
      data: b64(p.data),
    })),
  });
}

/** A JWKS endpoint on 127.0.0.1 and a signer of tokens with its key (as an identity provider would be). */
async function identityProvider() {
  const jose = await import('jose');
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256');
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  const server = createServer(
    (_, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sign = async (claims: { iss?: string; aud?: string }, key = privateKey) =>
    new jose.SignJWT({ sub: 'operator@example.com' })
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
      .setIssuer(claims.iss ?? 'https://idp.example.com')
      .setAudience(claims.aud ?? 'campaign-sync-codec')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
  const otherKey = (await jose.generateKeyPair('ES256')).privateKey;
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`, server, sign, otherKey };
}

let idp: Awaited<ReturnType<typeof identityProvider>>;
let server: Awaited<ReturnType<typeof startCodecServer>>;
beforeAll(async () => {
  idp = await identityProvider();
  server = await startCodecServer(codec, {
    ...base,
    credentials: { token: TOKEN, jwt: { jwksUrl: idp.url, issuer: 'https://idp.example.com', audience: 'campaign-sync-codec' } },
  });
});
afterAll(async () => {
  await server?.close();
  await new Promise((resolve) => idp?.server.close(resolve));
});

async function call(
  target: { url: string },
  path: string,
  headers: Record<string, string>,
  body?: string,
  dispatcher?: Agent,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const response = await request(`${target.url}${path}`, {
    method: (headers[':method'] as 'POST' | 'OPTIONS' | undefined) ?? 'POST',
    headers: Object.fromEntries(Object.entries({ 'content-type': 'application/json', ...headers }).filter(([k]) => !k.startsWith(':'))),
    body,
    dispatcher,
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

const fromUi = (authorization?: string) => ({ origin: UI, 'x-namespace': 'campaigns', ...(authorization ? { authorization } : {}) });
const decodedText = (text: string) =>
  (JSON.parse(text) as { payloads: { data: string }[] }).payloads.map((p) => Buffer.from(p.data, 'base64').toString()).join();

test('the Web UI with the shared token gets the payloads decoded, with CORS for its origin', async () => {
  const answer = await call(server, '/decode', fromUi(`Bearer ${TOKEN}`), await sealedBody());
  expect(answer.status).toBe(200);
  expect(answer.headers['access-control-allow-origin']).toBe(UI);
  expect(decodedText(answer.text)).toBe(SECRET_TEXT);
});

test('a JWT from the identity provider for this audience is accepted; others are 403', async () => {
  expect((await call(server, '/decode', fromUi(`Bearer ${await idp.sign({})}`), await sealedBody())).status).toBe(200);
  for (const token of [
    await idp.sign({ aud: 'another-service' }),
    await idp.sign({ iss: 'https://evil.example.net' }),
    await idp.sign({}, idp.otherKey),
  ]) {
    const answer = await call(server, '/decode', fromUi(`Bearer ${token}`), await sealedBody());
    expect([answer.status, answer.text]).toEqual([403, '{"error":"credentials refused"}']);
  }
});

test('no credentials: 401 and no payload; wrong ones: 403 and no payload', async () => {
  const missing = await call(server, '/decode', fromUi(), await sealedBody());
  expect([missing.status, missing.headers['www-authenticate']]).toEqual([401, 'Bearer']);
  const wrong = await call(server, '/decode', fromUi(`Bearer ${TOKEN.slice(1)}x`), await sealedBody());
  expect(wrong.status).toBe(403);
  for (const answer of [missing, wrong]) expect(answer.text).not.toContain('payloads');
});

test('a rebinding Host, a foreign Origin and another namespace are 403', async () => {
  const body = await sealedBody();
  expect((await call(server, '/decode', { ...fromUi(`Bearer ${TOKEN}`), host: 'evil.example.net' }, body)).status).toBe(403);
  const foreign = await call(server, '/decode', { ...fromUi(`Bearer ${TOKEN}`), origin: 'https://evil.example.net' }, body);
  expect([foreign.status, foreign.headers['access-control-allow-origin']]).toEqual([403, undefined]);
  expect((await call(server, '/decode', { ...fromUi(`Bearer ${TOKEN}`), 'x-namespace': 'other' }, body)).status).toBe(403);
});

test('a preflight from the UI allows the Authorization and X-Namespace headers', async () => {
  const answer = await call(server, '/decode', { ':method': 'OPTIONS', origin: UI, 'access-control-request-method': 'POST' });
  expect(answer.status).toBe(204);
  expect(answer.headers['access-control-allow-headers']).toBe('authorization, content-type, x-namespace');
  expect(answer.headers['access-control-allow-origin']).toBe(UI);
});

test('a body over the cap is 413, and so are too many payloads', async () => {
  const big = JSON.stringify({ payloads: [{ data: 'A'.repeat(base.maxBodyBytes) }] });
  expect((await call(server, '/decode', fromUi(`Bearer ${TOKEN}`), big)).status).toBe(413);
  expect((await call(server, '/decode', fromUi(`Bearer ${TOKEN}`), await sealedBody(base.maxPayloads + 1))).status).toBe(413);
  expect((await call(server, '/decode', fromUi(`Bearer ${TOKEN}`), 'not json')).status).toBe(400);
});

test('/encode is 404 unless enabled', async () => {
  const plain = JSON.stringify({ payloads: [{ metadata: { encoding: b64(Buffer.from('json/plain')) }, data: b64(Buffer.from('{}')) }] });
  expect((await call(server, '/encode', fromUi(`Bearer ${TOKEN}`), plain)).status).toBe(404);
  const withEncode = await startCodecServer(codec, { ...base, encodeEnabled: true });
  try {
    const answer = await call(withEncode, '/encode', fromUi(`Bearer ${TOKEN}`), plain);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain(b64(Buffer.from('binary/encrypted')));
  } finally {
    await withEncode.close();
  }
});

test('without any credential it serves loopback only; elsewhere it needs credentials and its host names', async () => {
  await expect(startCodecServer(codec, { ...base, host: '0.0.0.0', credentials: {} })).rejects.toThrow(
    /^Invalid CODEC_SERVER_HOST: 0.0.0.0 is reachable from other machines and no credential is set/,
  );
  await expect(startCodecServer(codec, { ...base, host: '0.0.0.0' })).rejects.toThrow(
    /^Invalid CODEC_SERVER_ALLOWED_HOSTS: unset, but the server listens on 0.0.0.0/,
  );
  const open = await startCodecServer(codec, { ...base, credentials: {} });
  try {
    expect(open.credentialsRequired).toBe(false);
    expect((await call(open, '/decode', fromUi(), await sealedBody())).status).toBe(200);
  } finally {
    await open.close();
  }
});

test('with a certificate and key it serves HTTPS', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'codec-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const tlsServer = await startCodecServer(codec, { ...base, tls: { cert, key: readFileSync(join(dir, 'key.pem'), 'utf8') } });
  const agent = new Agent({ connect: { ca: cert } });
  try {
    expect(tlsServer.url).toMatch(/^https:\/\/localhost:\d+$/);
    const answer = await call(tlsServer, '/decode', fromUi(`Bearer ${TOKEN}`), await sealedBody(), agent);
    expect(decodedText(answer.text)).toBe(SECRET_TEXT);
  } finally {
    await agent.close();
    await tlsServer.close();
  }
});
