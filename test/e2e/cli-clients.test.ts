// The CLI's client commands and a client's syncs: add, list, sync --wait, status, bad input in one line, runs,
// --retry-failed, disable and enable, sync input out of range. The tests build on each other: acme, added and synced in
// the first, is the client of the next. Shared set-up: test/helpers/cli-stack.ts.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findTemporalCli } from '../../dev-stack/temporal-cli';
import { FailureType } from '../../src/contract/failure-types';
import { CLI, LOGIN, eventually, useCliStack } from '../helpers/cli-stack';

jest.setTimeout(180_000);

const { stack, cli, runLines } = useCliStack();

test('clients add, clients list, sync --wait and status', async () => {
  const added = await cli(
    'clients',
    'add',
    'acme',
    '--api-url',
    stack().mock.url,
    '--credentials-ref',
    'acme-login',
    '--rate-limit',
    '10',
    '--rate-window-ms',
    '1000',
  );
  expect(added).toMatchObject({ code: 0, stdout: 'client acme saved\n' });
  const listed = await cli('clients', 'list');
  expect(listed.stdout).toContain(`acme\tenabled\t10/1000ms\t${stack().mock.url}\tcredentials: acme-login`);

  const synced = await cli('sync', 'acme', '--wait');
  expect(synced.code).toBe(0);
  expect(synced.stdout).toContain('acme: sync started');
  expect(synced.stdout).toContain('acme: pages 1, listed 12, upserted 12, synced 12, failed 0');

  const status = await cli('status', 'acme');
  expect(status.stdout).toMatch(/^acme: completed since /);
  expect(status.stdout).toContain('synced 12');
});

test("status counts a running sync's confirmations as the platform makes them, not only as its batch ends", async () => {
  // 2 requests per 2 s: the list call and 11 sync calls take six windows, all in one batch.
  const added = await cli(
    ...['clients', 'add', 'slow', '--api-url', stack().mock.url, '--credentials-ref', 'acme-login'],
    ...['--rate-limit', '2', '--rate-window-ms', '2000'],
  );
  expect(added.code).toBe(0);
  expect((await cli('sync', 'slow')).code).toBe(0);

  const midway = await eventually(async () => {
    const { stdout } = await cli('status', 'slow');
    const synced = Number(/synced (\d+)/.exec(stdout)?.[1] ?? 0);
    return stdout.startsWith('slow: running') && synced > 0 && synced < 12 ? synced : undefined;
  });

  expect(midway).toBeGreaterThan(0);
  const done = await cli('sync', 'slow', '--wait');
  expect(done.stdout).toContain('slow: pages 1, listed 12, upserted 12, synced 12, failed 0');
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

test('runs; campaigns the platform stopped listing are marked removed; --retry-failed; disable and enable', async () => {
  // acme synced its 12 campaigns in the first test. The platform deletes two of them.
  const gone = (await stack().mock.campaigns(LOGIN.id)).slice(0, 2).map((c) => c.id as string);
  for (const id of gone)
    expect((await fetch(`${stack().mock.url}/__mock/accounts/${LOGIN.id}/campaigns/${id}`, { method: 'DELETE' })).status).toBe(200);

  const synced = await cli('sync', 'acme', '--wait');
  expect(synced.stdout).toContain('acme: pages 1, listed 10, upserted 10, synced 10, failed 0, marked removed 2');
  const { rows } = await stack().database.pool.query<{ campaign_id: string }>(
    `SELECT campaign_id FROM campaigns WHERE client_id = 'acme' AND removed_at IS NOT NULL ORDER BY campaign_id`,
  );
  expect(rows.map((r) => r.campaign_id)).toEqual([...gone].sort());
  expect(await stack().campaignRows('acme')).toHaveLength(12); // marked, never deleted

  const runs = await runLines('acme');
  expect(runs).toHaveLength(2);
  expect(runs[0]).toMatch(/^\S+Z\tacme\tcompleted\t\d+s\tpages 1, listed 10, synced 10, failed 0, rejected 0, removed 2$/);

  // A run that left three campaigns unconfirmed, as if the platform had refused them every time.
  const refused = (await stack().mock.campaigns(LOGIN.id)).slice(0, 3).map((c) => c.id as string);
  await stack().database.pool.query(
    `UPDATE campaigns SET platform_sync_run = NULL WHERE client_id = 'acme' AND campaign_id = any($1::text[])`,
    [refused],
  );
  const callsBefore = (await stack().mock.stats()).accounts[LOGIN.id]!.syncCalls;
  const retried = await cli('sync', 'acme', '--retry-failed', '--wait');
  expect(retried.stdout).toContain('acme: pages 0, listed 0, upserted 0, synced 3, failed 0');
  const callsAfter = (await stack().mock.stats()).accounts[LOGIN.id]!.syncCalls;
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

test('a sync started by `temporal workflow start` with input out of range fails at once, naming the field; the CLI refuses it before starting', async () => {
  const started = await promisify(execFile)(findTemporalCli()!, [
    'workflow',
    'start',
    '--address',
    stack().devServer.address,
    '--task-queue',
    stack().taskQueue,
    '--type',
    'syncClientWorkflow',
    '--workflow-id',
    'campaign-sync-acme-bad-input',
    '--input',
    '{"clientId": "acme", "batchSize": 0}',
  ]);
  expect(started.stdout).toContain('Running execution');
  const failure = await stack()
    .temporal.workflow.getHandle('campaign-sync-acme-bad-input')
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
