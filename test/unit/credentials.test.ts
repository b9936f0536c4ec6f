import {
  createCredentialStore,
  credentialEnvNames,
  CredentialsNotForHost,
  hostAdmits,
  MissingCredentials,
} from '../../src/platform/credentials';
import { tempFolder } from '../helpers/temp-files';

const folder = tempFolder('credentials');
afterAll(() => folder.remove());

const secretsFile = (entries: unknown) => folder.write(JSON.stringify(entries));

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('credentialEnvNames', () => {
  test.each([
    ['acme', 'ACME'],
    ['acme-login', 'ACME_LOGIN'],
    ['Acme.Login 2', 'ACME_LOGIN_2'],
    ['café/ads', 'CAF__ADS'],
  ])('%s → CAMPAIGN_SYNC_%s_EMAIL / _PASSWORD / _HOST', (ref, key) => {
    expect(credentialEnvNames(ref)).toEqual({
      email: `CAMPAIGN_SYNC_${key}_EMAIL`,
      password: `CAMPAIGN_SYNC_${key}_PASSWORD`,
      host: `CAMPAIGN_SYNC_${key}_HOST`,
    });
  });
});

describe('hostAdmits', () => {
  test.each([
    // allowed host, API URL, admitted
    ['ads.example.com', 'https://ads.example.com', true],
    ['ads.example.com', 'https://ads.example.com:8443/v2', true], // no port: any port
    ['ads.example.com:443', 'https://ads.example.com', true], // the scheme's port
    ['ads.example.com:443', 'https://ads.example.com:443', true],
    ['ads.example.com:8443', 'https://ads.example.com', false],
    ['ads.example.com:80', 'https://ads.example.com', false],
    ['ads.example.com:80', 'http://ads.example.com', true],
    ['ads.example.com:8443', 'https://ads.example.com:8444', false],
    ['ADS.Example.COM', 'https://ads.example.com', true], // case
    ['ads.example.com', 'https://ADS.EXAMPLE.com', true],
    ['ads.example.com', 'https://ads.example.com.evil.test', false],
    ['ads.example.com', 'https://evil.test/ads.example.com', false],
    ['ads.example.com', 'https://ads.example.com@evil.test', false],
    ['example.com', 'https://ads.example.com', false], // no subdomains
    ['localhost:3001', 'http://localhost:3001', true],
    ['localhost:3001', 'http://localhost:3002', false],
    ['127.0.0.1', 'http://127.0.0.1:3001', true],
    ['127.0.0.1', 'http://127.1:3001', true], // the same address, as the URL parser writes it
    ['127.0.0.1', 'http://127.0.0.2:3001', false],
    ['[::1]', 'http://[::1]:3001', true], // IPv6 loopback
    ['[::1]:3001', 'http://[::1]:3001', true],
    ['[::1]:3001', 'http://[::1]:3002', false],
    ['[0:0:0:0:0:0:0:1]', 'http://[::1]:3001', true],
    ['[::1]', 'http://127.0.0.1:3001', false],
  ])('%s admits %s: %s', (allowed, apiUrl, admitted) => {
    expect(hostAdmits(allowed, new URL(apiUrl))).toBe(admitted);
  });

  test.each([
    '::1',
    'https://ads.example.com',
    'ads.example.com/api',
    'ads.example.com:',
    'ads.example.com:99999',
    'user@ads.example.com',
    ' ads.example.com',
  ])('%s is no host: undefined', (allowed) => {
    expect(hostAdmits(allowed, new URL('https://ads.example.com'))).toBeUndefined();
  });
});

const MOCK_URL = 'http://127.0.0.1:3001';

describe('createCredentialStore', () => {
  test('reads the email and password from the environment, under the normalised reference', () => {
    const store = createCredentialStore({
      CAMPAIGN_SYNC_ACME_LOGIN_EMAIL: 'ops@acme.example',
      CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD: 'env-password',
      CAMPAIGN_SYNC_ACME_LOGIN_HOST: '127.0.0.1:3001',
    });

    expect(store.get('acme-login', MOCK_URL)).toEqual({ email: 'ops@acme.example', password: 'env-password' });
  });

  test('reads the secrets file named by CAMPAIGN_SYNC_SECRETS_FILE', () => {
    const store = createCredentialStore({
      CAMPAIGN_SYNC_SECRETS_FILE: secretsFile({
        'acme-login': { email: 'ops@acme.example', password: 'file-password', host: '127.0.0.1' },
        'globex-login': { email: 'ads@globex.example', password: 'globex-password', host: 'ads.globex.example' },
      }),
    });

    expect(store.get('acme-login', MOCK_URL)).toEqual({ email: 'ops@acme.example', password: 'file-password' });
    expect(store.get('globex-login', 'https://ads.globex.example/v1')).toEqual({
      email: 'ads@globex.example',
      password: 'globex-password',
    });
  });

  test('the environment wins over the secrets file, host included', () => {
    const store = createCredentialStore({
      CAMPAIGN_SYNC_SECRETS_FILE: secretsFile({
        'acme-login': { email: 'old@acme.example', password: 'file-password', host: 'old.example' },
      }),
      CAMPAIGN_SYNC_ACME_LOGIN_EMAIL: 'new@acme.example',
      CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD: 'env-password',
      CAMPAIGN_SYNC_ACME_LOGIN_HOST: '127.0.0.1',
    });

    expect(store.get('acme-login', MOCK_URL)).toEqual({ email: 'new@acme.example', password: 'env-password' });
  });

  test('half a login in the environment does not count: the file entry is used whole', () => {
    const store = createCredentialStore({
      CAMPAIGN_SYNC_SECRETS_FILE: secretsFile({
        'acme-login': { email: 'ops@acme.example', password: 'file-password', host: '127.0.0.1' },
      }),
      CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD: 'env-password',
      CAMPAIGN_SYNC_ACME_LOGIN_HOST: 'elsewhere.example',
    });

    expect(store.get('acme-login', MOCK_URL)).toEqual({ email: 'ops@acme.example', password: 'file-password' });
  });

  test.each([
    ['nothing is configured', () => ({})],
    ['only the password is in the environment', () => ({ CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD: 'env-password' })],
    [
      'the secrets file has other clients only',
      () => ({
        CAMPAIGN_SYNC_SECRETS_FILE: secretsFile({
          'globex-login': { email: 'ads@globex.example', password: 'file-password', host: '127.0.0.1' },
        }),
      }),
    ],
  ])('missing credentials when %s: the message names the three variables and the secrets file, and no password', (_name, env) => {
    const err = thrown(() => createCredentialStore(env()).get('acme-login', MOCK_URL));

    expect(err).toBeInstanceOf(MissingCredentials);
    expect(err.message).toContain('"acme-login"');
    expect(err.message).toContain('CAMPAIGN_SYNC_ACME_LOGIN_EMAIL');
    expect(err.message).toContain('CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD');
    expect(err.message).toContain('CAMPAIGN_SYNC_ACME_LOGIN_HOST');
    expect(err.message).toContain('CAMPAIGN_SYNC_SECRETS_FILE');
    expect(err.message).not.toMatch(/env-password|file-password/);
  });

  const envLogin = (host?: string) => ({
    CAMPAIGN_SYNC_ACME_LOGIN_EMAIL: 'ops@acme.example',
    CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD: 'env-password',
    ...(host === undefined ? {} : { CAMPAIGN_SYNC_ACME_LOGIN_HOST: host }),
  });
  const fileLogin = (host?: string) => ({
    CAMPAIGN_SYNC_SECRETS_FILE: secretsFile({ 'acme-login': { email: 'ops@acme.example', password: 'file-password', host } }),
  });

  test.each([
    ['the environment', envLogin(), 'set CAMPAIGN_SYNC_ACME_LOGIN_HOST to that host'],
    ['the environment, with an empty host', envLogin(''), 'set CAMPAIGN_SYNC_ACME_LOGIN_HOST to that host'],
    ['the secrets file', fileLogin(), 'set "host" in the "acme-login" entry of the file named by CAMPAIGN_SYNC_SECRETS_FILE to that host'],
  ])('credentials from %s without a host are refused, saying what to add', (_source, env, fix) => {
    const err = thrown(() => createCredentialStore(env).get('acme-login', MOCK_URL));

    expect(err).toBeInstanceOf(CredentialsNotForHost);
    expect(err.message).toContain('Credentials "acme-login" do not say which platform host they are for');
    expect(err.message).toContain(fix);
    expect(err.message).not.toMatch(/env-password|file-password|ops@acme/);
  });

  test.each([
    ['the environment', envLogin('ads.acme.example'), 'CAMPAIGN_SYNC_ACME_LOGIN_HOST'],
    ['the secrets file', fileLogin('ads.acme.example'), '"host" in the "acme-login" entry of the file named by CAMPAIGN_SYNC_SECRETS_FILE'],
    ['the environment, with another port', envLogin('127.0.0.1:3002'), 'CAMPAIGN_SYNC_ACME_LOGIN_HOST'],
  ])('credentials from %s for another host than the API URL are refused, naming both hosts and what to fix', (_source, env, setting) => {
    const err = thrown(() => createCredentialStore(env).get('acme-login', MOCK_URL));

    expect(err).toBeInstanceOf(CredentialsNotForHost);
    expect(err.message).toMatch(/^Credentials "acme-login" are for host \S+, not 127\.0\.0\.1:3001 \(the client's API URL\): /);
    expect(err.message).toContain("correct the client's --api-url");
    expect(err.message).toContain(setting);
    expect(err.message).not.toMatch(/env-password|file-password|ops@acme/);
  });

  test('a host that is not a hostname or host:port is refused, saying which setting to correct', () => {
    const err = thrown(() => createCredentialStore(envLogin('http://127.0.0.1:3001')).get('acme-login', MOCK_URL));

    expect(err).toBeInstanceOf(CredentialsNotForHost);
    expect(err.message).toMatch(/^CAMPAIGN_SYNC_ACME_LOGIN_HOST is "http:\/\/127\.0\.0\.1:3001", which is not a hostname, or host:port/);
  });

  test.each([
    ['is not JSON', 'acme-login: {email: ops@acme.example, password: file-password}'],
    ['is JSON with a syntax error', '{"acme-login": {"email": "ops@acme.example", "password": file-password}}'],
    ['is dotenv syntax', 'CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD=file-password\n'],
    ['lacks a password', JSON.stringify({ 'acme-login': { email: 'ops@acme.example', pass: 'file-password', host: '127.0.0.1' } })],
    ['is an array', JSON.stringify([{ email: 'ops@acme.example', password: 'file-password', host: '127.0.0.1' }])],
  ])('a secrets file that %s is a MissingCredentials that names the variable and echoes no secret', (_name, content) => {
    const err = thrown(() => createCredentialStore({ CAMPAIGN_SYNC_SECRETS_FILE: folder.write(content) }).get('acme-login', MOCK_URL));

    expect(err).toBeInstanceOf(MissingCredentials);
    expect(err.message).toContain('CAMPAIGN_SYNC_SECRETS_FILE');
    expect(err.message).not.toContain('file-password');
    expect(err.message.split('\n')).toHaveLength(1);
  });
});
