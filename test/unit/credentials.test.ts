import { createCredentialStore, credentialEnvNames, MissingCredentials } from '../../src/platform/credentials';
import { tempFolder } from './helpers/temp-files';

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
  ])('%s → CAMPAIGN_SYNC_%s_EMAIL / _PASSWORD', (ref, key) => {
    expect(credentialEnvNames(ref)).toEqual({ email: `CAMPAIGN_SYNC_${key}_EMAIL`, password: `CAMPAIGN_SYNC_${key}_PASSWORD` });
  });
});

describe('createCredentialStore', () => {
  test('reads the email and password from the environment, under the normalised reference', () => {
    const store = createCredentialStore({
      CAMPAIGN_SYNC_ACME_LOGIN_EMAIL: 'ops@acme.example',
      CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD: 'env-password',
    });

    expect(store.get('acme-login')).toEqual({ email: 'ops@acme.example', password: 'env-password' });
  });

  test('reads the secrets file named by CAMPAIGN_SYNC_SECRETS_FILE', () => {
    const store = createCredentialStore({
      CAMPAIGN_SYNC_SECRETS_FILE: secretsFile({
        'acme-login': { email: 'ops@acme.example', password: 'file-password' },
        'globex-login': { email: 'ads@globex.example', password: 'globex-password' },
      }),
    });

    expect(store.get('acme-login')).toEqual({ email: 'ops@acme.example', password: 'file-password' });
    expect(store.get('globex-login')).toEqual({ email: 'ads@globex.example', password: 'globex-password' });
  });

  test('the environment wins over the secrets file', () => {
    const store = createCredentialStore({
      CAMPAIGN_SYNC_SECRETS_FILE: secretsFile({ 'acme-login': { email: 'old@acme.example', password: 'file-password' } }),
      CAMPAIGN_SYNC_ACME_LOGIN_EMAIL: 'new@acme.example',
      CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD: 'env-password',
    });

    expect(store.get('acme-login')).toEqual({ email: 'new@acme.example', password: 'env-password' });
  });

  test('half a login in the environment does not count: the file entry is used whole', () => {
    const store = createCredentialStore({
      CAMPAIGN_SYNC_SECRETS_FILE: secretsFile({ 'acme-login': { email: 'ops@acme.example', password: 'file-password' } }),
      CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD: 'env-password',
    });

    expect(store.get('acme-login')).toEqual({ email: 'ops@acme.example', password: 'file-password' });
  });

  test.each([
    ['nothing is configured', () => ({})],
    ['only the password is in the environment', () => ({ CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD: 'env-password' })],
    [
      'the secrets file has other clients only',
      () => ({
        CAMPAIGN_SYNC_SECRETS_FILE: secretsFile({ 'globex-login': { email: 'ads@globex.example', password: 'file-password' } }),
      }),
    ],
  ])('missing credentials when %s: the message names both variables and the secrets file, and no password', (_name, env) => {
    const err = thrown(() => createCredentialStore(env()).get('acme-login'));

    expect(err).toBeInstanceOf(MissingCredentials);
    expect(err.message).toContain('"acme-login"');
    expect(err.message).toContain('CAMPAIGN_SYNC_ACME_LOGIN_EMAIL');
    expect(err.message).toContain('CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD');
    expect(err.message).toContain('CAMPAIGN_SYNC_SECRETS_FILE');
    expect(err.message).not.toMatch(/env-password|file-password/);
  });

  test.each([
    ['is not JSON', 'acme-login: {email: ops@acme.example, password: file-password}'],
    ['is JSON with a syntax error', '{"acme-login": {"email": "ops@acme.example", "password": file-password}}'],
    ['is dotenv syntax', 'CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD=file-password\n'],
    ['lacks a password', JSON.stringify({ 'acme-login': { email: 'ops@acme.example', pass: 'file-password' } })],
    ['is an array', JSON.stringify([{ email: 'ops@acme.example', password: 'file-password' }])],
  ])('a secrets file that %s is a MissingCredentials that names the variable and echoes no secret', (_name, content) => {
    const err = thrown(() => createCredentialStore({ CAMPAIGN_SYNC_SECRETS_FILE: folder.write(content) }).get('acme-login'));

    expect(err).toBeInstanceOf(MissingCredentials);
    expect(err.message).toContain('CAMPAIGN_SYNC_SECRETS_FILE');
    expect(err.message).not.toContain('file-password');
    expect(err.message.split('\n')).toHaveLength(1);
  });
});
