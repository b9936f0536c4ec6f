import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { findTemporalCli } from '../../dev-stack/temporal-cli';
import { startThrowawayDevServer } from '../../dev-stack/temporal-dev-server';
import { credentialEnvNames } from '../../src/platform/credentials';
import { generatedAccountCredentials } from '../../mock-api/accounts';
import { Stack } from '../../dev-stack/stack';
import { BUILT } from '../../dev-stack/built';
import { PROJECT_ROOT } from '../../src/config';
import { FailureType } from '../../src/contract/failure-types';
import { syncWorkflowId } from '../../src/contract/sync';
import { json, startServer, type TestServer } from '../helpers/http-server';

const LOGIN = generatedAccountCredentials(1);
/** An account whose credentials the worker holds for another host than the client's: the mock must never see them. */
const GUARDED = generatedAccountCredentials(2);
const GUARDED_ELSEWHERE = 'ads.example.com';

/** What a platform may put in its error text to take over a terminal: title, clear screen, colour, bidi override, C1 CSI. */
const TERMINAL_ATTACK = '\x1b]0;owned\x07\x1b[2J\x1b[31mred\u202eevil\x9b0m';
const CONTROL_CHARACTERS = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

jest.setTimeout(180_000);

const CLI = BUILT.cli;
let stack: Stack;
/** A platform that answers every list call with an error whose text holds TERMINAL_ATTACK. */
let hostilePlatform: TestServer;

/** The CLI against the stack; `env` overrides its settings (another Temporal, say). */
async function cliWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const settings = {
    ...process.env,
    DATABASE_URL: stack.database.connectionString,
    TEMPORAL_ADDRESS: stack.devServer.address,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    ...env,
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env: settings });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const cli = (...args: string[]) => cliWith({}, ...args);

/** Worker environment for a credentials ref: its login and, unless undefined, the host it may go to. */
function credentialsEnv(ref: string, login: { email: string; password: string }, host: string | undefined): Record<string, string> {
  const names = credentialEnvNames(ref);
  return { [names.email]: login.email, [names.password]: login.password, ...(host === undefined ? {} : { [names.host]: host }) };
}

beforeAll(async () => {
  hostilePlatform = await startServer((req, res) =>
    req.url === '/auth/token'
      ? json(res, 200, { access_token: 'hostile-token', expires_in: 3600 })
      : json(res, 400, { error: 'Bad Request', message: TERMINAL_ATTACK }),
  );
  stack = await Stack.start({
    generatedAccounts: 2,
    campaignsPerAccount: 12,
    rateLimit: 10,
    rateWindowMs: 1000,
    syncLatencyMs: 50,
    rate503: 0.1,
    hangRate: 0,
  });
  await stack.startWorker({
    ...credentialsEnv('acme-login', LOGIN, new URL(stack.mock.url).host),
    ...credentialsEnv('hostile-login', { email: 'ops@hostile.example', password: 'hostile-password' }, '127.0.0.1'),
    ...credentialsEnv('elsewhere-login', GUARDED, GUARDED_ELSEWHERE),
    ...credentialsEnv('nohost-login', GUARDED, undefined),
  });
});
afterAll(async () => {
  await stack?.stop();
  await hostilePlatform?.close();
});

test('clients add, clients list, sync --wait and status', async () => {
  const added = await cli(
    'clients',
    'add',
    'acme',
    '--api-url',
    stack.mock.url,
    '--credentials-ref',
    'acme-login',
    '--rate-limit',
    '10',
    '--rate-window-ms',
    '1000',
  );
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
  expect(badUrl.stderr).toBe('campaign-sync: --api-url not-a-url is not a URL; give one like https://ads.example.com\n');

  const badId = await cli('clients', 'add', 'Bad Id', '--api-url', 'https://ads.example.com', '--credentials-ref', 'x');
  expect(badId.stderr.trim().split('\n')).toHaveLength(1);
  expect(badId.stderr).toMatch(/must be lower-case letters, digits/);

  const unknown = await cli('sync', 'nobody', '--wait');
  expect(unknown.code).toBe(1);
  expect(unknown.stdout).toContain('nobody: FAILED: Unknown client "nobody": add it with `campaign-sync clients add nobody ...`');

  const noTemporal = await promisify(execFile)(process.execPath, [CLI, 'status', 'acme'], {
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
  }).catch((err: { stderr: string }) => err);
  expect(noTemporal.stderr).toBe(
    'campaign-sync: Cannot reach Temporal at 127.0.0.1:1: start it with `npm start` or set TEMPORAL_ADDRESS\n',
  );

  const badDbUrl = await promisify(execFile)(process.execPath, [CLI, 'clients', 'list'], {
    env: { ...process.env, DATABASE_URL: 'mysql://nope' },
  }).catch((err: { stderr: string }) => err);
  expect(badDbUrl.stderr).toBe('campaign-sync: Invalid DATABASE_URL: must look like postgres://user:password@host:5432/database\n');
});

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
  writeFileSync(openUrlFile, stack.database.connectionString, { mode: 0o604 });
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
      { DATABASE_URL: stack.database.connectionString, TEMPORAL_ADDRESS: '127.0.0.1:1' },
      'worker: Cannot reach Temporal at 127.0.0.1:1: start it with `npm start` or set TEMPORAL_ADDRESS\n',
    ],
    [
      { DATABASE_URL: stack.database.connectionString, CAMPAIGN_SYNC_ENCRYPTION_KEY: 'too-short' },
      'worker: Invalid CAMPAIGN_SYNC_ENCRYPTION_KEY: must be 32 bytes in base64 (openssl rand -base64 32)\n',
    ],
  ];
  for (const [env, message] of cases) {
    expect(await run(env)).toMatchObject({ code: 1, stderr: message });
  }
  rmSync(secretsDir, { recursive: true, force: true });
});

/** `clients add` of a client of the mock platform, with the given credentials reference and rate limit. */
const addMockClient = (clientId: string, credentialsRef: string, rateLimit: number, rateWindowMs: number) =>
  cli(
    'clients',
    'add',
    clientId,
    '--api-url',
    stack.mock.url,
    '--credentials-ref',
    credentialsRef,
    '--rate-limit',
    String(rateLimit),
    '--rate-window-ms',
    String(rateWindowMs),
  );

/** A client allowed one request a minute: its sync lists a page, then waits for rate slots. */
const addSlowClient = (clientId: string) => addMockClient(clientId, 'acme-login', 1, 60_000);

const runLines = async (clientId: string) => (await cli('runs', clientId)).stdout.trim().split('\n');

test('runs; campaigns the platform stopped listing are marked removed; --retry-failed; disable and enable', async () => {
  // acme synced its 12 campaigns in the first test. The platform deletes two of them.
  const gone = (await stack.mock.campaigns(LOGIN.id)).slice(0, 2).map((c) => c.id as string);
  for (const id of gone)
    expect((await fetch(`${stack.mock.url}/__mock/accounts/${LOGIN.id}/campaigns/${id}`, { method: 'DELETE' })).status).toBe(200);

  const synced = await cli('sync', 'acme', '--wait');
  expect(synced.stdout).toContain('acme: pages 1, listed 10, upserted 10, synced 10, failed 0, marked removed 2');
  const { rows } = await stack.database.pool.query<{ campaign_id: string }>(
    `SELECT campaign_id FROM campaigns WHERE client_id = 'acme' AND removed_at IS NOT NULL ORDER BY campaign_id`,
  );
  expect(rows.map((r) => r.campaign_id)).toEqual([...gone].sort());
  expect(await stack.campaignRows('acme')).toHaveLength(12); // marked, never deleted

  const runs = await runLines('acme');
  expect(runs).toHaveLength(2);
  expect(runs[0]).toMatch(/^\S+Z\tacme\tcompleted\t\d+s\tpages 1, listed 10, synced 10, failed 0, rejected 0, removed 2$/);

  // A run that left three campaigns unconfirmed, as if the platform had refused them every time.
  const refused = (await stack.mock.campaigns(LOGIN.id)).slice(0, 3).map((c) => c.id as string);
  await stack.database.pool.query(
    `UPDATE campaigns SET platform_sync_run = NULL WHERE client_id = 'acme' AND campaign_id = any($1::text[])`,
    [refused],
  );
  const callsBefore = (await stack.mock.stats()).accounts[LOGIN.id]!.syncCalls;
  const retried = await cli('sync', 'acme', '--retry-failed', '--wait');
  expect(retried.stdout).toContain('acme: pages 0, listed 0, upserted 0, synced 3, failed 0');
  const callsAfter = (await stack.mock.stats()).accounts[LOGIN.id]!.syncCalls;
  const calledAgain = Object.keys(callsAfter).filter((id) => callsAfter[id] !== callsBefore[id]);
  expect(calledAgain.sort()).toEqual([...refused].sort());
  expect((await runLines('acme'))[0]).toMatch(/\tacme\tcompleted\t.*synced 3, failed 0, rejected 0, removed 0\tretry of run \S+$/);
  expect((await cli('sync', 'acme', '--retry-failed', '--wait')).stdout).toContain('synced 0, failed 0');

  expect(await cli('clients', 'disable', 'acme')).toMatchObject({ code: 0, stdout: 'client acme disabled\n' });
  expect((await cli('clients', 'list')).stdout).toContain('acme\tdisabled\t');
  const refusedSync = await cli('sync', 'acme', '--wait');
  expect(refusedSync.code).toBe(1);
  expect(refusedSync.stdout).toContain('acme: FAILED: Client "acme" is disabled; enable it to sync');
  expect(await cli('clients', 'enable', 'acme')).toMatchObject({ code: 0, stdout: 'client acme enabled\n' });
  expect((await cli('sync', 'acme', '--wait')).code).toBe(0);

  expect(await cli('clients', 'disable', 'nobody')).toMatchObject({
    code: 1,
    stderr: 'campaign-sync: no client "nobody": see `campaign-sync clients list`\n',
  });
  expect(await cli('runs', 'nobody')).toMatchObject({ code: 0, stdout: 'nobody: no runs yet\n' });
  expect((await cli('runs', '--limit', 'x')).stderr).toMatch(
    /^error: option '--limit <n>' argument 'x' is invalid\. must be a positive integer\n$/,
  );
});

test('cancel stops a running sync and records it; remove refuses while a client syncs', async () => {
  await addSlowClient('slow');
  expect((await cli('sync', 'slow')).stdout).toContain('slow: sync started');
  for (let i = 0; i < 40 && !(await runLines('slow'))[0]!.includes('\trunning\t'); i++)
    await new Promise((resolve) => setTimeout(resolve, 250));

  expect(await cli('clients', 'remove', 'slow')).toMatchObject({
    code: 1,
    stderr: 'campaign-sync: client slow is syncing: wait for it, or `campaign-sync cancel slow` first\n',
  });
  // The running sync is on the current workflow version; no run of an older one is left.
  const versions = await cli('versions');
  expect(versions.code).toBe(0);
  expect(versions.stdout.trim().split('\n')).toEqual([
    'v2 (one batch activity per rate window)\t0 running\tnone left',
    expect.stringMatching(/^v3 \(search attributes kept by the sync\)\t[1-9]\d* running\tcurrent$/),
  ]);
  expect(await cli('cancel', 'slow')).toMatchObject({ code: 0, stdout: 'slow: sync cancelled\n' });
  expect((await runLines('slow'))[0]).toMatch(/\tslow\tcancelled\t/);
  expect(await cli('cancel', 'slow')).toMatchObject({
    code: 1,
    stderr: 'campaign-sync: slow has no running sync: see `campaign-sync runs slow`\n',
  });

  expect((await cli('clients', 'remove', 'slow')).stdout).toMatch(/^client slow removed with \d+ campaigns and 1 runs\n$/);
  expect((await cli('clients', 'list')).stdout).not.toContain('slow\t');
  expect(await cli('clients', 'remove', 'slow')).toMatchObject({
    code: 1,
    stderr: 'campaign-sync: no client "slow": see `campaign-sync clients list`\n',
  });
});

test('a sync terminated in Temporal is not left looking alive: `runs` records its end, and so does the next sync', async () => {
  await addSlowClient('doomed');
  const waitUntilRunning = async () => {
    for (let i = 0; i < 40 && !(await runLines('doomed'))[0]?.includes('\trunning\t'); i++) await new Promise((r) => setTimeout(r, 250));
  };
  // Terminated: the workflow gets no chance to record anything.
  expect((await cli('sync', 'doomed')).stdout).toContain('doomed: sync started');
  await waitUntilRunning();
  await stack.temporal.workflow.getHandle(syncWorkflowId('doomed')).terminate('operator pulled the plug');
  expect((await runLines('doomed'))[0]).toMatch(/\tdoomed\tfailed\t\d+s\t.*\terror: its workflow terminated without recording its end$/);

  // Terminated again, this time nobody runs `runs`: the client's next sync records it.
  expect((await cli('sync', 'doomed')).stdout).toContain('doomed: sync started');
  await waitUntilRunning();
  await stack.temporal.workflow.getHandle(syncWorkflowId('doomed')).terminate('again');
  expect((await cli('sync', 'doomed')).stdout).toContain('doomed: sync started');
  await waitUntilRunning();
  const { rows } = await stack.database.pool.query<{ status: string; error: string | null }>(
    `SELECT status, error FROM sync_runs WHERE client_id = 'doomed' ORDER BY started_at`,
  );
  expect(rows).toEqual([
    { status: 'failed', error: 'its workflow terminated without recording its end' },
    { status: 'failed', error: 'its workflow terminated without recording its end' },
    { status: 'running', error: null },
  ]);
  await cli('cancel', 'doomed');
});

test('a sync started by `temporal workflow start` with input out of range fails at once, naming the field; the CLI refuses it before starting', async () => {
  const started = await promisify(execFile)(findTemporalCli()!, [
    'workflow',
    'start',
    '--address',
    stack.devServer.address,
    '--task-queue',
    stack.taskQueue,
    '--type',
    'syncClientWorkflow',
    '--workflow-id',
    'campaign-sync-acme-bad-input',
    '--input',
    '{"clientId": "acme", "batchSize": 0}',
  ]);
  expect(started.stdout).toContain('Running execution');
  const failure = await stack.temporal.workflow
    .getHandle('campaign-sync-acme-bad-input')
    .result()
    .catch((err: unknown) => err);
  expect((failure as { cause?: unknown }).cause).toMatchObject({
    type: FailureType.InvalidSyncInput,
    nonRetryable: true,
    message: 'Invalid sync input: batchSize must be a whole number from 1 to 1000, not 0',
  });
  expect(await cli('sync', 'acme', '--page-size', '5000')).toMatchObject({
    code: 1,
    stderr: 'campaign-sync: acme: pageSize must be a whole number from 1 to 1000, not 5000\n',
  });
});

/** Polls `check` every 250 ms until it returns something, for at most 20 s. */
async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 80; i++) {
    const found = await check();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('gave up waiting');
}

const scheduleLine = (clientId: string) =>
  eventually(async () => (await cli('schedule', 'list')).stdout.split('\n').find((l) => l.startsWith(`${clientId}\t`)));

test('schedule set, list, pause, unpause and remove; bad input gets one line', async () => {
  expect(await cli('schedule', 'set', 'acme', '--every', '1h')).toMatchObject({ code: 0, stdout: 'acme: schedule created (every 1h)\n' });
  expect(await cli('schedule', 'set', 'acme', '--every', '30m', '--jitter', '2m')).toMatchObject({
    code: 0,
    stdout: 'acme: schedule updated (every 30m)\n',
  });
  expect(
    await eventually(async () => {
      const line = await scheduleLine('acme');
      return line.includes('every 30m') ? line : undefined;
    }),
  ).toMatch(/^acme\tevery 30m \(jitter 2m\)\tactive\tnext \S+Z\tlast -$/);

  expect(await cli('schedule', 'pause', 'acme')).toMatchObject({ code: 0, stdout: 'acme: schedule paused\n' });
  await eventually(async () => ((await scheduleLine('acme')).includes('\tpaused\t') ? true : undefined));
  expect(await cli('schedule', 'unpause', 'acme')).toMatchObject({ code: 0, stdout: 'acme: schedule unpaused\n' });
  expect((await cli('schedule', 'set', 'acme', '--cron', '0 * * * *')).stdout).toBe('acme: schedule updated (cron "0 * * * *")\n');

  const bad: [string[], RegExp][] = [
    [['schedule', 'set', 'acme'], /^campaign-sync: give either --every \(like 1h\) or --cron/],
    [
      ['schedule', 'set', 'acme', '--every', '1x'],
      /^campaign-sync: "1x" is not a duration: give a whole number and a unit, like 90s, 30m, 1h or 2d\n$/,
    ],
    [
      ['schedule', 'set', 'acme', '--cron', 'every day at noon'],
      /^campaign-sync: --cron "every day at noon" is not a cron expression Temporal accepts/,
    ],
    [
      ['schedule', 'pause', 'nobody'],
      /^campaign-sync: client nobody has no schedule: set one with `campaign-sync schedule set nobody --every 1h`\n$/,
    ],
  ];
  for (const [args, message] of bad) {
    const result = await cli(...args);
    expect({ args, code: result.code, lines: result.stderr.trim().split('\n').length }).toEqual({ args, code: 1, lines: 1 });
    expect(result.stderr).toMatch(message);
  }

  expect(await cli('schedule', 'remove', 'acme')).toMatchObject({ code: 0, stdout: 'acme: schedule removed\n' });
  expect((await cli('schedule', 'remove', 'acme')).code).toBe(1);
});

test('a scheduled and a manual sync of one client never run at once, whichever starts first', async () => {
  // Its syncs wait for rate slots long enough for a scheduled and a manual one to overlap.
  await addSlowClient('slow2');
  await cli('schedule', 'set', 'slow2', '--every', '1d');
  const syncRuns = async () => {
    const runs: string[] = [];
    for await (const w of stack.temporal.workflow.list({ query: `WorkflowId = 'campaign-sync-slow2'` }))
      runs.push(`${w.runId} ${w.status.name}`);
    return runs;
  };
  const scheduledRuns = async () => {
    const runs: { workflowId: string; status: string }[] = [];
    for await (const w of stack.temporal.workflow.list({ query: `WorkflowType = 'scheduledSyncWorkflow'` }))
      runs.push({ workflowId: w.workflowId, status: w.status.name });
    return runs;
  };

  // Manual first: the scheduled run finds the sync running and starts none.
  expect((await cli('sync', 'slow2')).stdout).toContain('slow2: sync started');
  expect(await cli('schedule', 'trigger', 'slow2')).toMatchObject({ code: 0, stdout: 'slow2: schedule triggered\n' });
  const first = await eventually(async () => (await scheduledRuns()).find((r) => r.status === 'COMPLETED'));
  expect(await stack.temporal.workflow.getHandle(first.workflowId).result()).toEqual({
    ran: false,
    reason: 'a sync of this client was already running',
  });
  expect(await syncRuns()).toEqual([expect.stringMatching(/ RUNNING$/)]);
  expect((await cli('cancel', 'slow2')).code).toBe(0);

  // Scheduled first: the manual sync joins it.
  expect((await cli('schedule', 'trigger', 'slow2')).code).toBe(0);
  await eventually(async () => ((await syncRuns()).some((r) => r.endsWith(' RUNNING')) ? true : undefined));
  expect((await cli('sync', 'slow2')).stdout).toContain('slow2: already syncing, following');
  expect((await syncRuns()).filter((r) => r.endsWith(' RUNNING'))).toHaveLength(1);
  expect((await cli('cancel', 'slow2')).code).toBe(0);

  // Removing the client removes its schedule.
  expect((await cli('clients', 'remove', 'slow2')).code).toBe(0);
  expect((await cli('schedule', 'pause', 'slow2')).code).toBe(1);
});

test("docs/usage.md's `temporal schedule` commands work as shown, and `schedule list` sees what they made", async () => {
  const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'usage.md'), 'utf8');
  const block = /The same with the `temporal` CLI:\n\n```sh\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  const commands = block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.startsWith('temporal schedule '));
  expect(commands.map((c) => c.split(' ')[2])).toEqual(['create', 'list', 'trigger', 'toggle', 'delete']);
  for (const command of commands) {
    // Words, with quoted ones unquoted, as the shell would pass them.
    const args = (command.match(/'[^']*'|"[^"]*"|\S+/g) ?? []).slice(1).map((word) => word.replace(/^(['"])(.*)\1$/, '$2'));
    const ran = await promisify(execFile)(findTemporalCli()!, [...args, '--address', stack.devServer.address]).then(
      () => 0,
      (err: { code: number; stderr: string }) => err.stderr,
    );
    expect({ command, ran }).toEqual({ command, ran: 0 });
    if (args[1] === 'create') expect(await scheduleLine('mixoads')).toMatch(/^mixoads\tevery 1h \(jitter 6m\)\tactive\t/);
  }
});

/** The failure of a client's last sync, as Temporal recorded it: the activity's retry state and the application failure at its root. */
async function syncFailure(
  clientId: string,
): Promise<{ retryState?: RetryState; type?: string; nonRetryable?: boolean; message?: string }> {
  const err = await stack.temporal.workflow
    .getHandle(syncWorkflowId(clientId))
    .result()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  const chain: unknown[] = [];
  for (let cause = err; cause instanceof Error; cause = cause.cause) chain.push(cause);
  const activity = chain.find((c) => c instanceof ActivityFailure);
  const application = chain.find((c) => c instanceof ApplicationFailure);
  return {
    retryState: activity?.retryState,
    type: application?.type ?? undefined,
    nonRetryable: application?.nonRetryable ?? undefined,
    message: application?.message,
  };
}

test('a worker refuses to send a password to another host than its credentials name, or when they name none', async () => {
  expect((await addMockClient('elsewhere', 'elsewhere-login', 10, 1000)).code).toBe(0);
  expect((await addMockClient('nohost', 'nohost-login', 10, 1000)).code).toBe(0);
  const mockHost = new URL(stack.mock.url).host;

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
  expect(await stack.mock.requests(GUARDED.id)).toEqual([]);
  expect((await stack.mock.stats()).accounts[GUARDED.id]?.requests ?? {}).toEqual({});
  for (const output of [elsewhere, nohost]) expect(`${output.stdout}${output.stderr}`).not.toContain(GUARDED.password);
});

test('what the platform says reaches the terminal without its control characters: sync --wait, runs, status', async () => {
  expect((await cli('clients', 'add', 'hostile', '--api-url', hostilePlatform.url, '--credentials-ref', 'hostile-login')).code).toBe(0);
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
  await stack.database.pool.query(`UPDATE sync_runs SET error = $1 WHERE client_id = 'hostile'`, [`raw ${TERMINAL_ATTACK}`]);
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
