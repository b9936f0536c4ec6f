import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findTemporalCli } from '../dev-stack/temporal-cli';
import { credentialEnvNames } from '../src/platform/credentials';
import { generatedAccountCredentials } from '../mock-api/accounts';
import { Stack } from '../dev-stack/stack';
import { BUILT } from '../dev-stack/built';
import { PROJECT_ROOT } from '../src/config';

const LOGIN = generatedAccountCredentials(1);

jest.setTimeout(180_000);

const CLI = BUILT.cli;
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
    generatedAccounts: 1,
    campaignsPerAccount: 12,
    rateLimit: 10,
    rateWindowMs: 1000,
    syncLatencyMs: 50,
    rate503: 0.1,
    hangRate: 0,
  });
  const names = credentialEnvNames('acme-login');
  await stack.startWorker({ [names.email]: LOGIN.email, [names.password]: LOGIN.password });
});
afterAll(() => stack?.stop());

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
  expect(noTemporal.stderr).toBe(
    'campaign-sync: Cannot reach Temporal at 127.0.0.1:1: start it with `npm start` or set TEMPORAL_ADDRESS\n',
  );

  const badDbUrl = await promisify(execFile)(process.execPath, [CLI, 'clients', 'list'], {
    env: { ...process.env, DATABASE_URL: 'mysql://nope' },
  }).catch((err: { stderr: string }) => err);
  expect(badDbUrl.stderr).toBe('campaign-sync: Invalid DATABASE_URL: must look like postgres://user:password@host:5432/database\n');
});

test('a worker with bad configuration exits with a one-line error, no stack trace', async () => {
  const worker = BUILT.worker;
  const run = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, [worker], { env: { ...process.env, ...env }, timeout: 60_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
  const cases: [Record<string, string>, string][] = [
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
});

/** A client allowed one request a minute: its sync lists a page, then waits for rate slots. */
const addSlowClient = (clientId: string) =>
  cli(
    'clients',
    'add',
    clientId,
    '--api-url',
    stack.mock.url,
    '--credentials-ref',
    'acme-login',
    '--rate-limit',
    '1',
    '--rate-window-ms',
    '60000',
  );

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

test("the README's `temporal schedule` commands work as shown, and `schedule list` sees what they made", async () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const block = /The same with the `temporal` CLI:\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
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
