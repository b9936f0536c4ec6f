// What the CLI and the worker refuse, and how they say it: a worker's bad settings in one line, http to other
// machines, a password for another host than its credentials name, a platform's terminal control characters,
// a Temporal namespace without our search attributes. Shared set-up: test/helpers/cli-stack.ts.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RetryState } from '@temporalio/common';
import { findTemporalCli } from '../../dev-stack/temporal-cli';
import { startThrowawayDevServer } from '../../dev-stack/temporal-dev-server';
import { BUILT } from '../../dev-stack/built';
import { FailureType } from '../../src/contract/failure-types';
import { CONTROL_CHARACTERS, GUARDED, GUARDED_ELSEWHERE, TERMINAL_ATTACK, eventually, useCliStack } from '../helpers/cli-stack';

jest.setTimeout(180_000);

const { stack, hostilePlatform, cli, cliWith, addMockClient, syncFailure } = useCliStack({ hostilePlatform: true });

test('clients add takes https, plain http only on this machine or with --allow-insecure-http, and refuses the rest in one line', async () => {
  const add = (url: string, ...flags: string[]) =>
    cli('clients', 'add', 'remote', '--api-url', url, '--credentials-ref', 'remote-login', ...flags);
  const refusals: [string, string][] = [
    [
      'http://ads.example.com',
      '--api-url http://ads.example.com would send the password unencrypted over plain http to another machine: use https://, or pass --allow-insecure-http if that platform really has no TLS',
    ],
    [
      'file:///etc/passwd',
      '--api-url file:///etc/passwd has scheme file: give an https:// URL (http:// only on this machine), like https://ads.example.com',
    ],
    [
      'javascript:alert(1)',
      '--api-url javascript:alert(1) has scheme javascript: give an https:// URL (http:// only on this machine), like https://ads.example.com',
    ],
    [
      'https://ops:hunter2@ads.example.com',
      '--api-url must not carry a user or password (user:password@): the credentials go in CAMPAIGN_SYNC_<REF>_EMAIL/_PASSWORD or the secrets file',
    ],
    [
      'ads.example.com:443',
      '--api-url ads.example.com:443 has scheme ads.example.com: give an https:// URL (http:// only on this machine), like https://ads.example.com',
    ],
  ];
  for (const [url, message] of refusals)
    expect({ url, ...(await add(url)) }).toEqual({ url, code: 1, stdout: '', stderr: `campaign-sync: ${message}\n` });
  expect((await cli('clients', 'list')).stdout).not.toContain('remote\t');

  for (const url of ['http://[::1]:3001', 'http://127.0.0.2:3001', 'https://ads.example.com'])
    expect(await add(url)).toMatchObject({ code: 0 });
  expect(await add('http://ads.example.com', '--allow-insecure-http')).toMatchObject({ code: 0, stdout: 'client remote saved\n' });
  expect((await cli('clients', 'list')).stdout).toContain('remote\tenabled\t10/60000ms\thttp://ads.example.com\tcredentials: remote-login');
  expect((await cli('clients', 'remove', 'remote')).code).toBe(0);
});

test('shared budgets: set, list, clients joining one, and each mistake refused in one line', async () => {
  const addTo = (budget: string) =>
    cli('clients', 'add', 'app-member', '--api-url', 'https://ads.example.com', '--credentials-ref', 'm-login', '--shared-budget', budget);
  expect(await addTo('app-token')).toEqual({
    code: 1,
    stdout: '',
    stderr:
      'campaign-sync: no shared budget "app-token": add it first with `campaign-sync shared-budgets set app-token --rate-limit N --rate-window-ms MS`\n',
  });
  expect(await cli('shared-budgets', 'set', 'App Token', '--rate-limit', '100', '--rate-window-ms', '60000')).toEqual({
    code: 1,
    stdout: '',
    stderr: 'campaign-sync: shared budget id "App Token" must be lower-case letters, digits, - or _\n',
  });
  expect((await cli('shared-budgets', 'set', 'app-token', '--rate-limit', '0', '--rate-window-ms', '60000')).stderr).toContain(
    "option '--rate-limit <n>' argument '0' is invalid. must be a positive integer",
  );

  expect(await cli('shared-budgets', 'set', 'app-token', '--rate-limit', '100', '--rate-window-ms', '60000')).toMatchObject({
    code: 0,
    stdout: 'shared budget app-token saved\n',
  });
  expect(await addTo('app-token')).toMatchObject({ code: 0 });
  expect((await cli('clients', 'list')).stdout).toContain(
    'app-member\tenabled\t10/60000ms\tshared budget: app-token\thttps://ads.example.com',
  );
  expect((await cli('shared-budgets', 'list')).stdout).toBe('app-token\t100/60000ms\t1 clients\n');
  expect(await cli('shared-budgets', 'remove', 'app-token')).toEqual({
    code: 1,
    stdout: '',
    stderr: 'campaign-sync: shared budget app-token is named by 1 clients: `clients add` them without --shared-budget first\n',
  });

  expect((await cli('clients', 'remove', 'app-member')).code).toBe(0);
  expect(await cli('shared-budgets', 'remove', 'app-token')).toMatchObject({ code: 0, stdout: 'shared budget app-token removed\n' });
  expect(await cli('shared-budgets', 'remove', 'app-token')).toEqual({
    code: 1,
    stdout: '',
    stderr: 'campaign-sync: no shared budget "app-token": see `campaign-sync shared-budgets list`\n',
  });
});

test('a worker with bad configuration exits with a one-line error, no stack trace', async () => {
  const worker = BUILT.worker;
  const run = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, [worker], { env: { ...process.env, ...env }, timeout: 60_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
  // Secret files others can read: the worker refuses them before it uses them.
  const secretsDir = mkdtempSync(join(tmpdir(), 'campaign-sync-worker-secrets-'));
  const openSecretsFile = join(secretsDir, 'platform-credentials.json');
  writeFileSync(openSecretsFile, '{}', { mode: 0o644 });
  const openUrlFile = join(secretsDir, 'database-url');
  writeFileSync(openUrlFile, stack().database.connectionString, { mode: 0o604 });
  const chmodLine = (setting: string, file: string, mode: string) =>
    `worker: Invalid ${setting}: ${file} is readable by other users (mode ${mode}); run \`chmod 600 ${file}\` (or 640 to let its group read it)\n`;
  const cases: [Record<string, string>, string][] = [
    [{ CAMPAIGN_SYNC_SECRETS_FILE: openSecretsFile }, chmodLine('CAMPAIGN_SYNC_SECRETS_FILE', openSecretsFile, '644')],
    [{ DATABASE_URL: '', DATABASE_URL_FILE: openUrlFile }, chmodLine('DATABASE_URL_FILE', openUrlFile, '604')],
    [
      { DATABASE_URL: 'postgres//missing-colon' },
      'worker: Invalid DATABASE_URL: must look like postgres://user:password@host:5432/database\n',
    ],
    [
      { DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/db' },
      'worker: Cannot use PostgreSQL at 127.0.0.1:1/db (ECONNREFUSED): check DATABASE_URL and that the server runs\n',
    ],
    [
      { DATABASE_URL: stack().database.connectionString, TEMPORAL_ADDRESS: '127.0.0.1:1' },
      'worker: Cannot reach Temporal at 127.0.0.1:1: start it with `npm start` or set TEMPORAL_ADDRESS\n',
    ],
    [
      { DATABASE_URL: stack().database.connectionString, CAMPAIGN_SYNC_ENCRYPTION_KEY: 'too-short' },
      'worker: Invalid CAMPAIGN_SYNC_ENCRYPTION_KEY: must be 32 bytes in base64 (openssl rand -base64 32)\n',
    ],
  ];
  for (const [env, message] of cases) {
    expect(await run(env)).toMatchObject({ code: 1, stderr: message });
  }
  rmSync(secretsDir, { recursive: true, force: true });
});

test('a worker refuses to send a password to another host than its credentials name, or when they name none', async () => {
  expect((await addMockClient('elsewhere', 'elsewhere-login', 10, 1000)).code).toBe(0);
  expect((await addMockClient('nohost', 'nohost-login', 10, 1000)).code).toBe(0);
  const mockHost = new URL(stack().mock.url).host;

  const elsewhere = await cli('sync', 'elsewhere', '--wait');
  expect(elsewhere.code).toBe(1);
  expect(elsewhere.stdout).toContain(
    `elsewhere: FAILED: Credentials "elsewhere-login" are for host ${GUARDED_ELSEWHERE}, not ${mockHost} (the client's API URL): ` +
      "correct the client's --api-url with `campaign-sync clients add`, or CAMPAIGN_SYNC_ELSEWHERE_LOGIN_HOST if the platform really moved there",
  );
  expect(await syncFailure('elsewhere')).toMatchObject({
    retryState: RetryState.NON_RETRYABLE_FAILURE,
    type: FailureType.CredentialsNotForHost,
    nonRetryable: true,
  });

  const nohost = await cli('sync', 'nohost', '--wait');
  expect(nohost.code).toBe(1);
  expect(nohost.stdout).toContain(
    'nohost: FAILED: Credentials "nohost-login" do not say which platform host they are for: set CAMPAIGN_SYNC_NOHOST_LOGIN_HOST to that host',
  );
  expect(await syncFailure('nohost')).toMatchObject({
    retryState: RetryState.NON_RETRYABLE_FAILURE,
    type: FailureType.CredentialsNotForHost,
  });

  // The mock saw nothing of the account: no token request, no Basic header, nothing.
  expect(await stack().mock.requests(GUARDED.id)).toEqual([]);
  expect((await stack().mock.stats()).accounts[GUARDED.id]?.requests ?? {}).toEqual({});
  for (const output of [elsewhere, nohost]) expect(`${output.stdout}${output.stderr}`).not.toContain(GUARDED.password);
});

test('what the platform says reaches the terminal without its control characters: sync --wait, runs, status', async () => {
  expect((await cli('clients', 'add', 'hostile', '--api-url', hostilePlatform().url, '--credentials-ref', 'hostile-login')).code).toBe(0);
  const shown = '\\x1B]0;owned\\x07\\x1B[2J\\x1B[31mred\\u202Eevil\\x9B0m';

  const synced = await cli('sync', 'hostile', '--wait');
  expect(synced.code).toBe(1);
  expect(synced.stdout).toContain(`hostile: FAILED: GET /api/campaigns answered 400 (Bad Request: ${shown})`);
  expect(synced.stderr).toContain(`FAILED: GET /api/campaigns answered 400 (Bad Request: ${shown})`); // the progress bar
  const runs = await cli('runs', 'hostile');
  const [line, ...more] = runs.stdout.trim().split('\n');
  expect(more).toEqual([]);
  expect(line).toMatch(/\thostile\tfailed\t/);
  expect(line).toContain(`GET /api/campaigns answered 400 (Bad Request: ${shown})`);
  const status = await cli('status', 'hostile');
  expect(status.stdout).toMatch(/^hostile: failed since /);

  // The platform did send them; the client quotes them escaped already, so history and database hold no raw control character.
  expect((await syncFailure('hostile')).message).toContain(shown);
  expect((await syncFailure('hostile')).message).not.toMatch(CONTROL_CHARACTERS);
  // A row written before that (by an older version) still holds the raw text: the CLI escapes it too.
  await stack().database.pool.query(`UPDATE sync_runs SET error = $1 WHERE client_id = 'hostile'`, [`raw ${TERMINAL_ATTACK}`]);
  const rawRuns = await cli('runs', 'hostile');
  expect(rawRuns.stdout).toContain(`error: raw ${shown}`);
  for (const output of [synced, runs, rawRuns, status]) {
    const printed = `${output.stdout}${output.stderr}`.replace(/[\t\n]/g, ' ');
    expect(printed).not.toMatch(CONTROL_CHARACTERS);
  }
});

test('a Temporal namespace without our search attributes: the refused start says so and what to run, and that command fixes it', async () => {
  const bare = await startThrowawayDevServer({ searchAttributes: false });
  try {
    const onBare = (...args: string[]) => cliWith({ TEMPORAL_ADDRESS: bare.address }, ...args);
    const register =
      'temporal operator search-attribute create --namespace default --name CampaignSyncClientId --name CampaignSyncOutcome --type Keyword';
    expect(await onBare('sync', 'acme')).toMatchObject({
      code: 1,
      stderr:
        'campaign-sync: Temporal refused to start the sync: namespace "default" has no search attributes CampaignSyncClientId, CampaignSyncOutcome; ' +
        `register them once: ${register}\n`,
    });
    expect((await onBare('schedule', 'set', 'acme', '--every', '1h')).stderr).toMatch(
      /^campaign-sync: Temporal refused to create the schedule: namespace "default" has no search attributes CampaignSyncClientId, CampaignSyncOutcome; register them once: /,
    );

    // Another refusal: the server's own words, not the SDK's "Failed to start Workflow".
    expect(await cliWith({ TEMPORAL_TASK_QUEUE: 'q'.repeat(1001) }, 'sync', 'acme')).toMatchObject({
      code: 1,
      stderr: 'campaign-sync: Temporal refused to start the sync: taskQueue length exceeds limit\n',
    });

    // The command it printed, run as printed (one attribute first: then only the other is named).
    const temporal = (...args: string[]) => promisify(execFile)(findTemporalCli()!, [...args, '--address', bare.address]);
    await temporal(
      'operator',
      'search-attribute',
      'create',
      '--namespace',
      'default',
      '--name',
      'CampaignSyncClientId',
      '--type',
      'Keyword',
    );
    const half = await onBare('sync', 'acme');
    const printed = /register them once: (.*)\n$/.exec(half.stderr)?.[1];
    expect(printed).toBe('temporal operator search-attribute create --namespace default --name CampaignSyncOutcome --type Keyword');
    await temporal(...printed!.split(' ').slice(1));
    expect(
      (
        await eventually(async () => {
          const started = await onBare('sync', 'acme');
          return started.code === 0 ? started : undefined;
        })
      ).stdout,
    ).toContain('acme: sync started');
  } finally {
    await bare.stop();
  }
});
