import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { credentialEnvNames } from '../src/platform/credentials';
import { Stack } from './helpers/stack';

jest.setTimeout(180_000);

const CLI = join(__dirname, '..', 'src', 'cli.js');
let stack: Stack;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    DATABASE_URL: stack.database.connectionString,
    TEMPORAL_ADDRESS: stack.devServer.address,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  stack = await Stack.start({
    MOCK_ACCOUNTS: '1', MOCK_CAMPAIGNS_PER_ACCOUNT: '12', MOCK_RATE_LIMIT: '10', MOCK_RATE_WINDOW_MS: '1000',
    MOCK_SYNC_LATENCY_MS: '50', MOCK_503_RATE: '0.1', MOCK_HANG_RATE: '0',
  });
  const names = credentialEnvNames('acme-login');
  await stack.startWorker({ [names.email]: 'client-001@mock.test', [names.password]: 'password-001' });
});
afterAll(() => stack?.stop());

test('clients add, clients list, sync --wait and status', async () => {
  const added = await cli('clients', 'add', 'acme', '--api-url', stack.mock.url, '--credentials-ref', 'acme-login', '--rate-limit', '10', '--rate-window-ms', '1000');
  expect(added).toMatchObject({ code: 0, stdout: 'client acme saved\n' });
  const listed = await cli('clients', 'list');
  expect(listed.stdout).toContain(`acme\tenabled\t10/1000ms\t${stack.mock.url}\tcredentials: acme-login`);

  const synced = await cli('sync', 'acme', '--wait');
  expect(synced.code).toBe(0);
  expect(synced.stdout).toContain('acme: sync started');
  expect(synced.stdout).toContain('acme: pages 1, listed 12, upserted 12, synced 12, failed 0');

  const status = await cli('status', 'acme');
  expect(status.stdout).toMatch(/^acme: completed since /);
  expect(status.stdout).toContain('synced 12');
});

test('bad input gets a one-line error that says what to fix', async () => {
  const badUrl = await cli('clients', 'add', 'acme2', '--api-url', 'not-a-url', '--credentials-ref', 'x');
  expect(badUrl.code).toBe(1);
  expect(badUrl.stderr).toBe('campaign-sync: --api-url not-a-url is not a URL; give one like http://localhost:3001\n');

  const badId = await cli('clients', 'add', 'Bad Id', '--api-url', 'http://x', '--credentials-ref', 'x');
  expect(badId.stderr.trim().split('\n')).toHaveLength(1);
  expect(badId.stderr).toMatch(/must be lower-case letters, digits/);

  const unknown = await cli('sync', 'nobody', '--wait');
  expect(unknown.code).toBe(1);
  expect(unknown.stdout).toContain('nobody: FAILED: Unknown client "nobody": add it with `campaign-sync clients add nobody ...`');

  const noTemporal = await promisify(execFile)(process.execPath, [CLI, 'status', 'acme'], {
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
  }).catch((err: { stderr: string }) => err);
  expect(noTemporal.stderr).toBe('campaign-sync: Cannot reach Temporal at 127.0.0.1:1: start it with `npm start` or set TEMPORAL_ADDRESS\n');

  const badDbUrl = await promisify(execFile)(process.execPath, [CLI, 'clients', 'list'], {
    env: { ...process.env, DATABASE_URL: 'mysql://nope' },
  }).catch((err: { stderr: string }) => err);
  expect(badDbUrl.stderr).toBe('campaign-sync: Invalid DATABASE_URL: must look like postgres://user:password@host:5432/database\n');
});

test('a worker with bad configuration exits with a one-line error, no stack trace', async () => {
  const worker = join(__dirname, '..', 'src', 'worker.js');
  const run = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, [worker], { env: { ...process.env, ...env }, timeout: 60_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
  const cases: [Record<string, string>, string][] = [
    [{ DATABASE_URL: 'postgres//missing-colon' }, 'worker: Invalid DATABASE_URL: must look like postgres://user:password@host:5432/database\n'],
    [{ DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/db' }, 'worker: Cannot use PostgreSQL at 127.0.0.1:1/db (ECONNREFUSED): check DATABASE_URL and that the server runs\n'],
    [{ DATABASE_URL: stack.database.connectionString, TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'worker: Cannot reach Temporal at 127.0.0.1:1: start it with `npm start` or set TEMPORAL_ADDRESS\n'],
    [{ DATABASE_URL: stack.database.connectionString, CAMPAIGN_SYNC_ENCRYPTION_KEY: 'too-short' }, 'worker: Invalid CAMPAIGN_SYNC_ENCRYPTION_KEY: must be 32 bytes in base64 (openssl rand -base64 32)\n'],
  ];
  for (const [env, message] of cases) {
    expect(await run(env)).toMatchObject({ code: 1, stderr: message });
  }
});
