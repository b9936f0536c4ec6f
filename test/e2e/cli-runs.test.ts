// A running sync from the CLI: cancel, remove while it runs, `versions`, and a sync terminated in Temporal
// behind the CLI's back. Shared set-up: test/helpers/cli-stack.ts.
import { syncWorkflowId } from '../../src/contract/sync';
import { useCliStack } from '../helpers/cli-stack';

jest.setTimeout(180_000);

const { stack, cli, addSlowClient, runLines } = useCliStack();

test('cancel stops a running sync and records it; remove refuses while a client syncs', async () => {
  await addSlowClient('slow');
  expect((await cli('sync', 'slow')).stdout).toContain('slow: sync started');
  for (let i = 0; i < 40 && !(await runLines('slow'))[0]!.includes('\trunning\t'); i++)
    await new Promise((resolve) => setTimeout(resolve, 250));

  expect(await cli('clients', 'remove', 'slow')).toMatchObject({
    code: 1,
    stderr: 'campaign-sync: client slow is syncing: wait for it, or `campaign-sync cancel slow` first\n',
  });
  // The running sync is on the current workflow version, and counts as v3 until its one page is
  // listed (v4 records its patch where it syncs that page itself); no run of v2 is left.
  const versions = await cli('versions');
  expect(versions.code).toBe(0);
  const [v2, v3, v4, ...more] = versions.stdout.trim().split('\n');
  expect([v2, more]).toEqual(['v2 (one batch activity per rate window)\t0 running\tnone left', []]);
  expect(v3).toMatch(/^v3 \(search attributes kept by the sync\)\t[01] running\t/);
  expect(v4).toMatch(/^v4 \(a one-batch sync without a child; larger clients count as v3\)\t[01] running\tcurrent$/);
  expect([v3, v4].map((line) => Number(/\t(\d+) running/.exec(line!)![1])).reduce((a, b) => a + b)).toBe(1);
  expect(await cli('cancel', 'slow')).toMatchObject({ code: 0, stdout: 'slow: sync cancelled\n' });
  expect((await runLines('slow'))[0]).toMatch(/\tslow\tcancelled\t/);
  expect(await cli('cancel', 'slow')).toMatchObject({
    code: 1,
    stderr: 'campaign-sync: slow has no running sync: see `campaign-sync runs slow`\n',
  });

  // Every campaign the cancelled sync stored was listed once: a snapshot and a first version each.
  const removal =
    /^client slow removed with (\d+) campaigns, 1 runs and their history \((\d+) snapshots, (\d+) attribute versions\)\n$/.exec(
      (await cli('clients', 'remove', 'slow')).stdout,
    );
  expect(removal).not.toBeNull();
  expect(new Set(removal!.slice(1))).toEqual(new Set([removal![1]]));
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
  await stack().temporal.workflow.getHandle(syncWorkflowId('doomed')).terminate('operator pulled the plug');
  expect((await runLines('doomed'))[0]).toMatch(/\tdoomed\tfailed\t\d+s\t.*\terror: its workflow terminated without recording its end$/);

  // Terminated again, this time nobody runs `runs`: the client's next sync records it.
  expect((await cli('sync', 'doomed')).stdout).toContain('doomed: sync started');
  await waitUntilRunning();
  await stack().temporal.workflow.getHandle(syncWorkflowId('doomed')).terminate('again');
  expect((await cli('sync', 'doomed')).stdout).toContain('doomed: sync started');
  await waitUntilRunning();
  const { rows } = await stack().database.pool.query<{ status: string; error: string | null }>(
    `SELECT status, error FROM sync_runs WHERE client_id = 'doomed' ORDER BY started_at`,
  );
  expect(rows).toEqual([
    { status: 'failed', error: 'its workflow terminated without recording its end' },
    { status: 'failed', error: 'its workflow terminated without recording its end' },
    { status: 'running', error: null },
  ]);
  await cli('cancel', 'doomed');
});
