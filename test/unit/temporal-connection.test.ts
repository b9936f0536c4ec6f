import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Http2Server } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSettings } from '../../src/config';
import {
  apiKeyFileReader,
  connectOpsTemporal,
  connectNativeTemporal,
  resolveTemporalConnection,
  type TemporalConnectionConfig,
} from '../../src/infra/temporal-connection';

const dir = mkdtempSync(join(tmpdir(), 'temporal-connection-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
// Not real key material: the checks look only for the PEM armour.
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE-not-a-real-key\n-----END PRIVATE KEY-----\n';
const ca = file('ca.pem', CERT);
const cert = file('client.pem', CERT);
const key = file('client.key', KEY);
const apiKeyFile = file('api-key', 'key-from-file\n');
const bytes = (text: string) => Uint8Array.from(Buffer.from(text));

/** Resolution with only `env` set: no user temporal.toml is found (HOME points at an empty folder). */
const resolve = (env: Record<string, string>, home: Record<string, string> = { HOME: mkdtempSync(join(tmpdir(), 'home-')) }) =>
  resolveTemporalConnection(loadSettings(env), home);

describe('what the settings resolve to', () => {
  test.each<[string, Record<string, string>, Partial<TemporalConnectionConfig>]>([
    [
      'nothing set: plaintext to the local dev server, namespace default',
      {},
      { address: '127.0.0.1:7233', namespace: 'default', addressConfigured: false, tls: undefined, apiKey: undefined },
    ],
    ['the dev server on TEMPORAL_PORT', { TEMPORAL_PORT: '7300' }, { address: '127.0.0.1:7300', addressConfigured: false }],
    [
      'a cluster and namespace',
      { TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'sync' },
      { address: 'temporal.internal:7233', namespace: 'sync', addressConfigured: true, tls: undefined },
    ],
    ['an API key turns TLS on', { TEMPORAL_API_KEY: 'k' }, { tls: true, apiKey: { value: 'k' } }],
    ['unless TLS is turned off', { TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }, { tls: false, apiKey: { value: 'k' } }],
    ['an API key from a file', { TEMPORAL_API_KEY_FILE: apiKeyFile }, { tls: true, apiKey: { file: apiKeyFile } }],
    ['TLS with the system CAs', { TEMPORAL_TLS: 'true' }, { tls: expect.objectContaining({ clientCertPair: undefined }) as never }],
    [
      'a private CA and a server name',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' },
      { tls: { serverRootCACertificate: bytes(CERT), serverNameOverride: 'temporal.internal', clientCertPair: undefined } },
    ],
    [
      'mTLS: a client certificate and key',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca, TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: key },
      {
        tls: { serverRootCACertificate: bytes(CERT), serverNameOverride: undefined, clientCertPair: { crt: bytes(CERT), key: bytes(KEY) } },
      },
    ],
    [
      'mTLS from _DATA variables',
      { TEMPORAL_TLS_CLIENT_CERT_DATA: CERT, TEMPORAL_TLS_CLIENT_KEY_DATA: KEY },
      { tls: { serverRootCACertificate: undefined, serverNameOverride: undefined, clientCertPair: { crt: bytes(CERT), key: bytes(KEY) } } },
    ],
  ])('%s', (_case, env, expected) => {
    expect(resolve(env)).toMatchObject(expected);
  });

  test('the summary names where things came from, never the key', () => {
    const { summary } = resolve({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_API_KEY: 'the-secret-key',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
    });
    expect(summary).toEqual({
      address: 'temporal.internal:7233',
      addressFrom: 'TEMPORAL_ADDRESS',
      tls: true,
      serverCa: `TEMPORAL_TLS_SERVER_CA_CERT_PATH (${ca})`,
      clientCert: `TEMPORAL_TLS_CLIENT_CERT_PATH (${cert})`,
      clientKey: `TEMPORAL_TLS_CLIENT_KEY_PATH (${key})`,
      apiKey: 'TEMPORAL_API_KEY',
    });
    expect(JSON.stringify(summary)).not.toContain('the-secret-key');
  });
});

describe('profiles in temporal.toml, shared with the temporal CLI', () => {
  const toml = file(
    'temporal.toml',
    [
      '[profile.default]',
      'address = "default.example:7233"',
      '[profile.cloud]',
      'address = "ns.acct.tmprl.cloud:7233"',
      'namespace = "ns.acct"',
      'api_key = "profile-key"',
      '[profile.private]',
      'address = "temporal.internal:7233"',
      '[profile.private.tls]',
      `server_ca_cert_path = "${ca}"`,
      'server_name = "temporal"',
    ].join('\n'),
  );

  test('TEMPORAL_PROFILE picks a profile of TEMPORAL_CONFIG_FILE; an API key there turns TLS on', () => {
    const config = resolve({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' });
    expect(config).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct', tls: true, addressConfigured: true });
    expect(config.summary.apiKey).toBe(`api_key in profile "cloud" of ${toml}`);
  });

  test('the default profile, and TEMPORAL_* settings override what it says', () => {
    expect(resolve({ TEMPORAL_CONFIG_FILE: toml }).address).toBe('default.example:7233');
    expect(resolve({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud', TEMPORAL_NAMESPACE: 'other' }).namespace).toBe('other');
  });

  test("a profile's TLS section", () => {
    const config = resolve({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'private' });
    expect(config.tls).toEqual({ serverRootCACertificate: bytes(CERT), serverNameOverride: 'temporal', clientCertPair: undefined });
    expect(config.summary.serverCa).toBe(`tls.server_ca_cert_path in profile "private" of ${toml} (${ca})`);
  });

  test("the user's temporal.toml, found where the temporal CLI looks ($XDG_CONFIG_HOME/temporalio)", () => {
    const configHome = mkdtempSync(join(tmpdir(), 'xdg-'));
    mkdirSync(join(configHome, 'temporalio'));
    writeFileSync(join(configHome, 'temporalio', 'temporal.toml'), '[profile.default]\naddress = "mine.example:7233"\n');
    expect(resolve({}, { XDG_CONFIG_HOME: configHome }).address).toBe('mine.example:7233');
  });
});

describe('settings that cannot work are one line saying what to change', () => {
  const notPem = file('not-pem', 'super-secret-material');
  test.each<[string, Record<string, string>, string]>([
    [
      'an API key set twice',
      { TEMPORAL_API_KEY: 'k', TEMPORAL_API_KEY_FILE: apiKeyFile },
      'Set TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, not both',
    ],
    [
      'a missing API key file',
      { TEMPORAL_API_KEY_FILE: join(dir, 'nope') },
      `Invalid TEMPORAL_API_KEY_FILE: cannot read ${join(dir, 'nope')} (ENOENT); name a file this process can read`,
    ],
    [
      'an empty API key file',
      { TEMPORAL_API_KEY_FILE: file('empty', '\n') },
      `Invalid TEMPORAL_API_KEY_FILE: ${join(dir, 'empty')} is empty; write the API key into it`,
    ],
    [
      'a client certificate without its key',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: cert },
      'mTLS needs a client certificate and its key: set TEMPORAL_TLS_CLIENT_KEY_PATH too',
    ],
    [
      'TLS off with certificates',
      { TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca },
      'TEMPORAL_TLS=false but TLS certificates or a server name are set: remove one or the other',
    ],
    [
      'a path and data for one file',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca, TEMPORAL_TLS_SERVER_CA_CERT_DATA: CERT },
      'Set TEMPORAL_TLS_SERVER_CA_CERT_PATH or TEMPORAL_TLS_SERVER_CA_CERT_DATA (or tls.server_ca_cert_path or _data in profile "default" of temporal.toml), not both',
    ],
    [
      'a CA file that is not there',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'missing.pem') },
      `Invalid TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read ${join(dir, 'missing.pem')} (ENOENT); name a PEM file this process can read`,
    ],
    [
      'a key file that holds no key',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: notPem },
      `Invalid TEMPORAL_TLS_CLIENT_KEY_PATH: ${notPem} holds no PEM private key (-----BEGIN PRIVATE KEY-----)`,
    ],
    [
      'certificate and key swapped',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: key, TEMPORAL_TLS_CLIENT_KEY_PATH: cert },
      `Invalid TEMPORAL_TLS_CLIENT_CERT_PATH: ${key} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ],
    [
      'a config file that is not there',
      { TEMPORAL_CONFIG_FILE: join(dir, 'none.toml') },
      `Invalid TEMPORAL_CONFIG_FILE: cannot read ${join(dir, 'none.toml')} (ENOENT); name the temporal.toml to use`,
    ],
    [
      'a profile the file lacks',
      { TEMPORAL_CONFIG_FILE: file('one.toml', '[profile.default]\n'), TEMPORAL_PROFILE: 'prod' },
      `Invalid TEMPORAL_PROFILE: ${join(dir, 'one.toml')} has no [profile.prod]; name one of its profiles`,
    ],
    [
      'host verification off, which the TypeScript SDK cannot do',
      { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' },
      "Invalid TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: Temporal's TypeScript SDK always checks the server's name; set TEMPORAL_TLS_SERVER_NAME to the name in its certificate instead",
    ],
  ])('%s', (_case, env, line) => {
    let thrown: unknown;
    try {
      resolve(env);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toBe(line);
    expect((thrown as Error).message).not.toMatch(/super-secret|MIIE|key-from-file/);
  });

  test('a TEMPORAL_TLS that is not a boolean fails in the settings', () => {
    expect(() => loadSettings({ TEMPORAL_TLS: 'yes' })).toThrow('Invalid TEMPORAL_TLS: must be true or false');
  });

  test('a config file that is not TOML names it', () => {
    expect(() => resolve({ TEMPORAL_CONFIG_FILE: file('bad.toml', '[profile.default\n') })).toThrow(/^Invalid TEMPORAL_CONFIG_FILE: /);
  });
});

describe('TEMPORAL_API_KEY_FILE is re-read when it changes', () => {
  test('the reader returns the new key after a rewrite, and keeps the last one while the file is empty or gone', () => {
    const path = file('rotating', 'first-key\n');
    const reader = apiKeyFileReader(path);
    expect(reader.current()).toBe('first-key');
    writeFileSync(path, 'the-second-key\n');
    expect(reader.current()).toBe('the-second-key');
    writeFileSync(path, '');
    expect(reader.current()).toBe('the-second-key');
    writeFileSync(path, 'third-key-now\n');
    expect(reader.current()).toBe('third-key-now');
  });

  /** A plaintext gRPC server that answers every call with an empty message and records the Authorization headers. */
  let server: Http2Server;
  const authorizations: string[] = [];
  let address: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      authorizations.push(String(req.headers.authorization));
      res.writeHead(200, { 'content-type': 'application/grpc' });
      res.addTrailers({ 'grpc-status': '0' });
      res.end(Buffer.alloc(5)); // one empty protobuf message: flag 0, length 0
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    address = `127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  test('a client connection sends the rotated key on its next call', async () => {
    const path = file('client-key', 'client-key-one\n');
    const connection = await connectOpsTemporal(resolve({ TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY_FILE: path, TEMPORAL_TLS: 'false' }));
    await connection.workflowService.getSystemInfo({});
    expect(authorizations.at(-1)).toBe('Bearer client-key-one');
    writeFileSync(path, 'client-key-number-two\n');
    await connection.workflowService.getSystemInfo({});
    expect(authorizations.at(-1)).toBe('Bearer client-key-number-two');
    await connection.close();
  });

  test("a worker's connection is given the rotated key without a restart", async () => {
    const path = file('worker-key', 'worker-key-one\n');
    const connection = await connectNativeTemporal(
      resolve({ TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY_FILE: path, TEMPORAL_TLS: 'false' }),
    );
    await connection.workflowService.getSystemInfo({});
    expect(authorizations.at(-1)).toBe('Bearer worker-key-one');
    writeFileSync(path, 'worker-key-number-two\n');
    // The file is polled every few seconds: call until the new key is sent.
    while (authorizations.at(-1) !== 'Bearer worker-key-number-two') {
      await new Promise((done) => setTimeout(done, 200));
      await connection.workflowService.getSystemInfo({});
    }
    await connection.close();
  }, 30_000);
});
