// Schedules from the CLI (set, list, pause, unpause, trigger, remove), a scheduled and a manual sync of one
// client, and the `temporal schedule` commands of docs/usage.md. Shared set-up: test/helpers/cli-stack.ts.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findTemporalCli } from '../../dev-stack/temporal-cli';
import { PROJECT_ROOT } from '../../src/config';
import { eventually, useCliStack } from '../helpers/cli-stack';

jest.setTimeout(180_000);

const { stack, cli, addSlowClient } = useCliStack();

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
    for await (const w of stack().temporal.workflow.list({ query: `WorkflowId = 'campaign-sync-slow2'` }))
      runs.push(`${w.runId} ${w.status.name}`);
    return runs;
  };
  const scheduledRuns = async () => {
    const runs: { workflowId: string; status: string }[] = [];
    for await (const w of stack().temporal.workflow.list({ query: `WorkflowType = 'scheduledSyncWorkflow'` }))
      runs.push({ workflowId: w.workflowId, status: w.status.name });
    return runs;
  };

  // Manual first: the scheduled run finds the sync running and starts none.
  expect((await cli('sync', 'slow2')).stdout).toContain('slow2: sync started');
  expect(await cli('schedule', 'trigger', 'slow2')).toMatchObject({ code: 0, stdout: 'slow2: schedule triggered\n' });
  const first = await eventually(async () => (await scheduledRuns()).find((r) => r.status === 'COMPLETED'));
  expect(await stack().temporal.workflow.getHandle(first.workflowId).result()).toEqual({
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
    const ran = await promisify(execFile)(findTemporalCli()!, [...args, '--address', stack().devServer.address]).then(
      () => 0,
      (err: { code: number; stderr: string }) => err.stderr,
    );
    expect({ command, ran }).toEqual({ command, ran: 0 });
    if (args[1] === 'create') expect(await scheduleLine('mixoads')).toMatch(/^mixoads\tevery 1h \(jitter 6m\)\tactive\t/);
  }
});
