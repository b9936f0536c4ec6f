/**
 * Records real workflow histories for the replay test (test/workflows/replay.test.ts): runs syncs on the
 * real stack (dev server, PostgreSQL, mock platform, a worker process) and saves each history
 * with its workflow id, under names starting with the given prefix. After a deliberate, versioned
 * workflow change, record the new version's histories under a new prefix and keep the old ones,
 * so syncs started by either version are known to replay:
 *   npm run build && node dist/scripts/record-histories.js search-attributes-
 * A new path of a version already recorded: record just its scenario, e.g.
 *   node dist/scripts/record-histories.js search-attributes- retry-failed
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { WorkflowHandle } from '@temporalio/client';
import { findTemporalCli } from '../dev-stack/temporal-cli';
import { scheduleId } from '../src/contract/sync';
import { generatedAccountCredentials } from '../mock-api/accounts';
import { Stack } from '../dev-stack/stack';
import { PROJECT_ROOT } from '../src/config';

const OUT = join(PROJECT_ROOT, 'test', 'fixtures', 'histories');
const LOGIN = generatedAccountCredentials(1);

// Required: the empty prefix filed the histories of v1, a retired version (test/workflows/replay.test.ts).
const PREFIX = process.argv[2];
const ONLY = process.argv[3]?.split(',');
if (!PREFIX) {
  console.error('usage: node dist/scripts/record-histories.js PREFIX [scenario,...]  (PREFIX names the version, e.g. search-attributes-)');
  process.exit(2);
}

/** The CLI's JSON export is the format the SDK's historyFromJSON reads. */
function save(stack: Stack, name: string, handle: WorkflowHandle, runId: string) {
  name = `${PREFIX}${name}`;
  const json = execFileSync(
    findTemporalCli()!,
    ['workflow', 'show', '--address', stack.devServer.address, '--workflow-id', handle.workflowId, '--run-id', runId, '--output', 'json'],
    { maxBuffer: 64 * 1024 * 1024 },
  ).toString();
  const history = JSON.parse(json);
  writeFileSync(join(OUT, `${name}.json`), JSON.stringify({ workflowId: handle.workflowId, history }, null, 1));
  console.log(`saved ${name} (${history.events.length} events)`);
}

/** Each records one or more histories; `node dist/scripts/record-histories.js PREFIX [scenario,...]` records some only. */
const SCENARIOS: { name: string; record: (stack: Stack) => Promise<void> }[] = [
  {
    name: 'completed',
    async record(stack) {
      const completed = await stack.startSync({ clientId: 'recorded', pageSize: 5, batchSize: 3 });
      await completed.result();
      save(stack, 'sync-completed-with-retries', completed, completed.firstExecutionRunId);
      for await (const child of stack.temporal.workflow.list({ query: `WorkflowType = 'syncCampaignBatchWorkflow'` })) {
        save(stack, 'campaign-batch', stack.temporal.workflow.getHandle(child.workflowId), child.runId);
        break;
      }
    },
  },
  {
    name: 'retry-failed',
    async record(stack) {
      await (await stack.startSync({ clientId: 'recorded', pageSize: 5, batchSize: 3 })).result();
      // As if the platform had refused three campaigns every time.
      await stack.database.pool.query(
        `UPDATE campaigns SET platform_sync_run = NULL WHERE client_id = 'recorded' AND campaign_id IN (SELECT campaign_id FROM campaigns WHERE client_id = 'recorded' ORDER BY campaign_id LIMIT 3)`,
      );
      const retried = await stack.startSync({ clientId: 'recorded', batchSize: 2, retryFailed: true });
      await retried.result();
      save(stack, 'sync-retry-failed', retried, retried.firstExecutionRunId);
    },
  },
  {
    name: 'scheduled',
    async record(stack) {
      // What a schedule starts (the schedule itself adds only the id's timestamp).
      const scheduled = await stack.temporal.workflow.start('scheduledSyncWorkflow', {
        taskQueue: stack.taskQueue,
        workflowId: `${scheduleId('recorded')}-recorded`,
        args: [{ clientId: 'recorded', pageSize: 5, batchSize: 5 }],
      });
      await scheduled.result();
      save(stack, 'scheduled-sync', scheduled, scheduled.firstExecutionRunId);
    },
  },
  {
    name: 'continued-as-new',
    async record(stack) {
      const continued = await stack.startSync({ clientId: 'recorded-can', pageSize: 5, batchSize: 5, maxHistoryEvents: 20 });
      await continued.result();
      save(stack, 'sync-continued-as-new-first-run', continued, continued.firstExecutionRunId);
      save(stack, 'sync-continued-as-new-last-run', continued, (await continued.describe()).runId);
    },
  },
  {
    name: 'waiting',
    async record(stack) {
      // Two batches, so each runs as a child (one batch would run in the sync itself: 'one-batch').
      const waiting = await stack.startSync({ clientId: 'recorded-wait', batchSize: 6 });
      await waiting.result();
      for await (const child of stack.temporal.workflow.list({ query: `WorkflowId STARTS_WITH '${waiting.workflowId}/'` })) {
        save(stack, 'campaign-batch-waiting-for-rate-window', stack.temporal.workflow.getHandle(child.workflowId), child.runId);
        break;
      }
    },
  },
  {
    name: 'one-batch',
    async record(stack) {
      // One page of one batch, synced by the sync itself; its client's rate makes it sleep for the next window.
      const oneBatch = await stack.startSync({ clientId: 'recorded-wait' });
      await oneBatch.result();
      save(stack, 'sync-one-batch-waiting-for-rate-window', oneBatch, oneBatch.firstExecutionRunId);
    },
  },
  {
    name: 'bad-credentials',
    async record(stack) {
      const failed = await stack.startSync({ clientId: 'recorded-badpw' });
      await failed.result().catch(() => undefined);
      save(stack, 'sync-failed-bad-credentials', failed, failed.firstExecutionRunId);
    },
  },
];

async function main() {
  const stack = await Stack.start({
    generatedAccounts: 1,
    campaignsPerAccount: 12,
    rateLimit: 10,
    rateWindowMs: 1000,
    rate503: 0.2,
    hangRate: 0,
    syncLatencyMs: 20,
    seed: 3,
  });
  try {
    await stack.addClient('recorded', LOGIN, { rateLimit: 10, rateWindowMs: 1000 });
    await stack.addClient('recorded-can', LOGIN, { rateLimit: 10, rateWindowMs: 1000 });
    await stack.addClient('recorded-badpw', { ...LOGIN, password: 'wrong' }, { rateLimit: 10, rateWindowMs: 1000 });
    // Stricter than the platform: its batches run out of rate slots and sleep until the next window.
    await stack.addClient('recorded-wait', LOGIN, { rateLimit: 3, rateWindowMs: 3000 });
    await stack.startWorker();
    for (const scenario of SCENARIOS.filter((s) => !ONLY || ONLY.includes(s.name))) await scenario.record(stack);
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
