import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'pg-connection-string';
import {
  codecServerUiOrigins,
  ConfigError,
  databasePoolOptions,
  dataPaths,
  loadSettings,
  ownerDatabaseUrl,
  platformLimits,
  PROJECT_ROOT,
  SECRET_SETTINGS,
} from '../../src/config';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

test('defaults', () => {
  expect(loadSettings({})).toEqual({
    CAMPAIGN_SYNC_DATA_DIR: join(PROJECT_ROOT, 'data'),
    EMBEDDED_PG_PORT: 54329,
    TEMPORAL_TASK_QUEUE: 'campaign-sync',
    TEMPORAL_PORT: 7233,
    TEMPORAL_UI_PORT: 8233,
    WORKER_MAX_CONCURRENT_ACTIVITIES: 1000,
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: 100,
    WORKER_METRICS_HOST: '127.0.0.1',
    PLATFORM_CONNECT_TIMEOUT_MS: 5_000,
    PLATFORM_HEADERS_TIMEOUT_MS: 15_000,
    PLATFORM_BODY_TIMEOUT_MS: 15_000,
    PLATFORM_MAX_BODY_BYTES: 1024 * 1024,
    PLATFORM_MAX_RETRY_AFTER_MS: 180_000,
    CAMPAIGN_SYNC_ENCRYPTION_KEY_ID: 'campaign-sync-1',
    CAMPAIGN_SYNC_REQUIRE_ENCRYPTION: false,
    CODEC_SERVER_PORT: 8888,
    CODEC_SERVER_HOST: '127.0.0.1',
    CODEC_SERVER_ENABLE_ENCODE: false,
    CODEC_SERVER_MAX_BODY_BYTES: 4 * 1024 * 1024,
    CODEC_SERVER_MAX_PAYLOADS: 1000,
    LOG_LEVEL: 'info',
    DATABASE_MIGRATE_ON_START: false,
    DATABASE_STATEMENT_TIMEOUT_MS: 20_000,
    DATABASE_CONNECT_TIMEOUT_MS: 10_000,
  });
});

test('empty strings mean the default', () => {
  const settings = loadSettings({
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    EMBEDDED_PG_PORT: '',
    TEMPORAL_NAMESPACE: '',
    PLATFORM_HEADERS_TIMEOUT_MS: '',
    LOG_LEVEL: '',
  });

  expect(settings).toEqual(loadSettings({}));
});

test('reads and converts the values given, ignoring unrelated variables', () => {
  const settings = loadSettings({
    DATABASE_URL: 'postgresql://sync:pw@db.internal:5432/campaigns',
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    EMBEDDED_PG_PORT: '5433',
    PLATFORM_HEADERS_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'debug',
    PATH: '/usr/bin',
  });

  expect(settings).toMatchObject({
    DATABASE_URL: 'postgresql://sync:pw@db.internal:5432/campaigns',
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    EMBEDDED_PG_PORT: 5433,
    PLATFORM_HEADERS_TIMEOUT_MS: 2000,
    LOG_LEVEL: 'debug',
  });
  expect(settings).not.toHaveProperty('PATH');
  expect(platformLimits(settings)).toEqual({
    connectMs: 5_000,
    headersMs: 2000,
    bodyMs: 15_000,
    maxBodyBytes: 1024 * 1024,
    maxRetryAfterMs: 180_000,
  });
});

test('data paths sit under CAMPAIGN_SYNC_DATA_DIR', () => {
  expect(dataPaths(loadSettings({ CAMPAIGN_SYNC_DATA_DIR: '/srv/sync' }))).toEqual({
    temporalDb: '/srv/sync/temporal/dev-server.sqlite',
    embeddedPostgres: '/srv/sync/postgres',
  });
});

test('the codec server answers CODEC_SERVER_UI_ORIGIN (a list), else the local Web UI', () => {
  expect(codecServerUiOrigins(loadSettings({ CODEC_SERVER_UI_ORIGIN: 'https://temporal.example.com, https://ui.example.com' }))).toEqual([
    'https://temporal.example.com',
    'https://ui.example.com',
  ]);
  expect(codecServerUiOrigins(loadSettings({ TEMPORAL_UI_PORT: '8300' }))).toEqual(['http://localhost:8300']);
  expect(configError({ CODEC_SERVER_UI_ORIGIN: 'https://a.example.com/path' }).message).toMatch(
    /^Invalid CODEC_SERVER_UI_ORIGIN: must be origins/,
  );
});

test.each([
  ['DATABASE_URL', 'mysql://root@localhost/campaigns'],
  ['DATABASE_URL', 'postgres://sync:top secret@db/campaigns'],
  ['DATABASE_URL', 'db.internal:5432'],
  ['TEMPORAL_ADDRESS', 'temporal.internal'],
  ['TEMPORAL_ADDRESS', 'http://temporal.internal:7233'],
  ['TEMPORAL_ADDRESS', 'temporal.internal:port'],
  ['EMBEDDED_PG_PORT', '70000'],
  ['PLATFORM_HEADERS_TIMEOUT_MS', 'soon'],
  ['PLATFORM_MAX_BODY_BYTES', '2000000'],
  ['PLATFORM_MAX_BODY_BYTES', '1000'],
  ['PLATFORM_MAX_RETRY_AFTER_MS', '86400000'],
  ['LOG_LEVEL', 'verbose'],
  ['CODEC_SERVER_UI_ORIGIN', 'temporal.example.com'],
])('a bad %s (%s) is a one-line ConfigError that names it and does not echo the value', (name, value) => {
  const err = configError({ [name]: value });

  expect(err.message).toMatch(new RegExp(`^Invalid ${name}: \\S`));
  expect(err.message).not.toContain('\n');
  expect(err.message).not.toContain(value);
});

test('the DATABASE_URL message shows the expected form', () => {
  expect(configError({ DATABASE_URL: 'localhost' }).message).toContain('postgres://user:password@host:5432/database');
});

test('the TEMPORAL_ADDRESS message shows the expected form', () => {
  expect(configError({ TEMPORAL_ADDRESS: 'localhost' }).message).toContain('host:port');
});

describe('secrets from files (<NAME>_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'campaign-sync-config-'));
  const key = Buffer.alloc(32, 7).toString('base64');
  const keyFile = join(dir, 'key');
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });

  // DATABASE_PASSWORD is merged into DATABASE_URL (its own test, below).
  test.each(SECRET_SETTINGS.filter((name) => name !== 'DATABASE_PASSWORD'))(
    '%s may come from the file its _FILE variable names, the trailing newline dropped',
    (name) => {
      const samples: Partial<Record<string, string>> = {
        DATABASE_URL: 'postgres://sync:pw@db.internal:5432/campaigns',
        DATABASE_OWNER_URL: 'postgres://owner:pw@db.internal:5432/campaigns',
        CAMPAIGN_SYNC_ENCRYPTION_KEYS: `campaign-sync-1:${key}`,
        CODEC_SERVER_TOKEN: 'a'.repeat(32),
      };
      const value = samples[name] ?? key;
      const file = join(dir, name);
      writeFileSync(file, `${value}\n`, { mode: 0o600 });
      expect(loadSettings({ [`${name}_FILE`]: file })[name]).toBe(value);
    },
  );

  test('DATABASE_PASSWORD_FILE: the password, read from the file, goes into a DATABASE_URL that has none', () => {
    const file = join(dir, 'db-password');
    writeFileSync(file, 'from a file\n', { mode: 0o600 });
    const settings = loadSettings({
      DATABASE_URL: 'postgres://campaign_sync_worker@app-db:5432/campaign_sync',
      DATABASE_PASSWORD_FILE: file,
    });
    expect(settings.DATABASE_URL).toBe('postgres://campaign_sync_worker:from%20a%20file@app-db:5432/campaign_sync');
    expect(settings).not.toHaveProperty('DATABASE_PASSWORD');
  });

  test('a file that cannot be read, or a value set both ways, is one line naming the variable', () => {
    expect(configError({ CAMPAIGN_SYNC_ENCRYPTION_KEY_FILE: join(dir, 'absent') }).message).toBe(
      `Invalid CAMPAIGN_SYNC_ENCRYPTION_KEY_FILE: cannot read ${join(dir, 'absent')} (ENOENT); name a file this process can read`,
    );
    expect(configError({ CAMPAIGN_SYNC_ENCRYPTION_KEY: key, CAMPAIGN_SYNC_ENCRYPTION_KEY_FILE: keyFile }).message).toBe(
      'Set CAMPAIGN_SYNC_ENCRYPTION_KEY or CAMPAIGN_SYNC_ENCRYPTION_KEY_FILE, not both',
    );
  });

  test('a file other users can read is refused with the chmod to run, before its value is used', () => {
    const open = join(dir, 'world-readable-key');
    writeFileSync(open, key, { mode: 0o644 });
    const message = configError({ CAMPAIGN_SYNC_ENCRYPTION_KEY_FILE: open }).message;
    expect(message).toBe(
      `Invalid CAMPAIGN_SYNC_ENCRYPTION_KEY_FILE: ${open} is readable by other users (mode 644); run \`chmod 600 ${open}\` (or 640 to let its group read it)`,
    );
  });

  test("a file's value is checked like the variable's, and the message does not repeat it", () => {
    const bad = join(dir, 'short-key');
    writeFileSync(bad, 'c2hvcnQ=', { mode: 0o600 });
    const message = configError({ CAMPAIGN_SYNC_ENCRYPTION_KEY_FILE: bad }).message;
    expect(message).toMatch(/^Invalid CAMPAIGN_SYNC_ENCRYPTION_KEY: must be 32 bytes/);
    expect(message).not.toContain('c2hvcnQ=');
  });
});

describe('database roles and limits', () => {
  const WORKER_URL = 'postgres://campaign_sync_worker@app-db:5432/campaign_sync?sslmode=verify-full';

  test.each([
    ['plain', 'hunter2'],
    ['URL delimiters', 'p@ss:/w?#d'],
    ['a percent sign and spaces', 'a %41 b'],
    ['quotes and brackets', `it's [x] "y"`],
  ])('DATABASE_PASSWORD (%s) becomes the URL password pg reads back as it was', (_what, password) => {
    const url = loadSettings({ DATABASE_URL: WORKER_URL, DATABASE_PASSWORD: password }).DATABASE_URL!;
    expect(parse(url).password).toBe(password);
    expect(parse(url).user).toBe('campaign_sync_worker');
    expect(new URL(url).search).toBe('?sslmode=verify-full');
  });

  test.each([
    [{ DATABASE_PASSWORD: 'x' }, 'Invalid DATABASE_PASSWORD: set DATABASE_URL too (the password is for its role)'],
    [
      { DATABASE_URL: 'postgres://w:already@db/app', DATABASE_PASSWORD: 'x' },
      'Invalid DATABASE_PASSWORD: DATABASE_URL has a password already; keep one of them',
    ],
    [{ DATABASE_MIGRATE_ON_START: 'yes' }, 'Invalid DATABASE_MIGRATE_ON_START: must be true or false'],
    [{ DATABASE_STATEMENT_TIMEOUT_MS: '10' }, 'Invalid DATABASE_STATEMENT_TIMEOUT_MS: Too small: expected number to be >=1000'],
    [{ DATABASE_OWNER_URL: 'owner@db' }, 'Invalid DATABASE_OWNER_URL: must look like postgres://owner:password@host:5432/database'],
  ])('%j is refused in one line', (env, message) => {
    expect(configError(env).message).toBe(message);
  });

  test('the owner URL is DATABASE_OWNER_URL, else DATABASE_URL; the pool gets its name and the timeouts', () => {
    const owner = 'postgres://campaign_sync:pw@app-db/campaign_sync';
    expect(ownerDatabaseUrl(loadSettings({ DATABASE_URL: WORKER_URL, DATABASE_OWNER_URL: owner }))).toBe(owner);
    expect(ownerDatabaseUrl(loadSettings({ DATABASE_URL: WORKER_URL }))).toBe(WORKER_URL);
    expect(ownerDatabaseUrl(loadSettings({}))).toBeUndefined();
    const settings = loadSettings({
      DATABASE_MIGRATE_ON_START: 'true',
      DATABASE_STATEMENT_TIMEOUT_MS: '5000',
      DATABASE_CONNECT_TIMEOUT_MS: '3000',
    });
    expect(settings.DATABASE_MIGRATE_ON_START).toBe(true);
    expect(databasePoolOptions(settings, 'campaign-sync-cli')).toEqual({
      applicationName: 'campaign-sync-cli',
      statementTimeoutMs: 5000,
      connectTimeoutMs: 3000,
    });
  });
});

describe('history encryption settings', () => {
  const key = Buffer.alloc(32, 1).toString('base64');
  test.each([
    [{ CAMPAIGN_SYNC_ENCRYPTON_KEY: key }, 'Unknown variable CAMPAIGN_SYNC_ENCRYPTON_KEY: did you mean CAMPAIGN_SYNC_ENCRYPTION_KEY?'],
    [{ CODEC_SERVER_PROT: '9000' }, 'Unknown variable CODEC_SERVER_PROT: did you mean CODEC_SERVER_PORT?'],
    [{ CAMPAIGN_SYNC_ENCRYPTION_KEYS_FIEL: '/x' }, 'did you mean CAMPAIGN_SYNC_ENCRYPTION_KEYS_FILE?'],
    [{ CAMPAIGN_SYNC_WHATEVER_ELSE_ENTIRELY: 'x' }, 'no setting has that name'],
    [{ CAMPAIGN_SYNC_REQUIRE_ENCRYPTION: 'true' }, 'Invalid CAMPAIGN_SYNC_REQUIRE_ENCRYPTION: true, but no encryption key is set'],
    [{ CAMPAIGN_SYNC_REQUIRE_ENCRYPTION: 'yes' }, 'Invalid CAMPAIGN_SYNC_REQUIRE_ENCRYPTION: must be true or false'],
    [{ CAMPAIGN_SYNC_ENCRYPTION_KEYS: `a:${key}` }, 'Invalid CAMPAIGN_SYNC_ENCRYPTION_KEY_ID: "campaign-sync-1" names no key'],
    [{ CAMPAIGN_SYNC_ENCRYPTION_KEYS: `a:${key}`, CAMPAIGN_SYNC_ENCRYPTION_KEY: key }, 'Invalid CAMPAIGN_SYNC_ENCRYPTION_KEY: set it or'],
    [{ CAMPAIGN_SYNC_ENCRYPTION_KEYS: 'a:c2hvcnQ=' }, 'Invalid CAMPAIGN_SYNC_ENCRYPTION_KEYS: key "a" must be 32 bytes'],
    [{ CODEC_SERVER_TOKEN: 'short' }, 'Invalid CODEC_SERVER_TOKEN: must be at least 32 characters'],
    [{ CODEC_SERVER_JWKS_URL: 'https://idp.example.com/jwks' }, 'Invalid CODEC_SERVER_JWKS_URL: set it with CODEC_SERVER_JWT_ISSUER'],
    [{ CODEC_SERVER_TLS_KEY_FILE: '/k.pem' }, 'Invalid CODEC_SERVER_TLS_CERT_FILE: set it and CODEC_SERVER_TLS_KEY_FILE together'],
    [{ CODEC_SERVER_ENABLE_ENCODE: '1' }, 'Invalid CODEC_SERVER_ENABLE_ENCODE: must be true or false'],
  ])('%j is refused in one line', (env, message) => {
    const error = configError(env);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain(key);
  });

  test.each([
    [
      {
        CAMPAIGN_SYNC_ENCRYPTION_KEYS: `a:${key},b:${key}`,
        CAMPAIGN_SYNC_ENCRYPTION_KEY_ID: 'b',
        CAMPAIGN_SYNC_REQUIRE_ENCRYPTION: 'true',
      },
    ],
    [{ CAMPAIGN_SYNC_ENCRYPTION_KEY: key, CAMPAIGN_SYNC_REQUIRE_ENCRYPTION: 'true' }],
    [{ CAMPAIGN_SYNC_ACME_LOGIN_PASSWORD: 'p', CAMPAIGN_SYNC_SECRETS_FILE: '/x', CAMPAIGN_SYNC_VERSION: '1' }],
  ])('%j is accepted', (env) => {
    expect(() => loadSettings(env)).not.toThrow();
  });

  test('the key ring may come from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    writeFileSync(join(dir, 'keys'), `a:${key}\nb:${key}\n`, { mode: 0o600 });
    const settings = loadSettings({ CAMPAIGN_SYNC_ENCRYPTION_KEYS_FILE: join(dir, 'keys'), CAMPAIGN_SYNC_ENCRYPTION_KEY_ID: 'a' });
    expect(settings.CAMPAIGN_SYNC_ENCRYPTION_KEYS).toBe(`a:${key}\nb:${key}`);
  });
});
