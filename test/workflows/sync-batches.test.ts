import { WorkflowFailedError } from '@temporalio/client';
import { batchProgressSignal, progressQuery, syncWorkflowId, type ScheduledSyncOutcome } from '../../src/contract/sync';
import type { CampaignBatchCall, CampaignBatchOutcome } from '../../src/contract/activities';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import { listing, runSync, summaryOf, useWorkflowEnvironment, withFakeWorker, workflowClient } from '../helpers/workflow-tier';

// The workflow tier (test/helpers/workflow-tier.ts), how a sync fans out: batches, continue-as-new, progress, cancellation, retryFailed, schedules.
useWorkflowEnvironment();

describe('batches', () => {
  test('a page makes one batch by default; batchSize cuts smaller ones; at most maxBatchesInFlight run at once', async () => {
    const slowBatch = async (call: CampaignBatchCall) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return { synced: call.campaignIds.length, failed: [], pending: [] };
    };
    const byPage = await runSync({ list: listing(250), batch: slowBatch });
    expect(byPage.log.batchCalls.map((c) => c.campaignIds.length)).toEqual([100, 100, 50]);
    expect(byPage.log.mostBatchesInFlight).toBeLessThanOrEqual(2);

    const small = await runSync({ list: listing(100), batch: slowBatch }, { batchSize: 10, maxBatchesInFlight: 3 });
    expect(small.log.batchCalls).toHaveLength(10);
    expect(small.log.mostBatchesInFlight).toBe(3);
    expect(summaryOf(small.outcome).synced).toBe(100);
  });

  test('a batch that must wait for its rate window hands back the rest and carries on with it', async () => {
    const inSteps = async (call: CampaignBatchCall) => ({
      synced: Math.min(4, call.campaignIds.length),
      failed: [],
      pending: call.campaignIds.slice(4),
      nextSlotInMs: 1100,
    });
    const { outcome, log } = await runSync({ list: listing(10), batch: inSteps });
    expect(log.batchCalls.map((c) => c.campaignIds.length)).toEqual([10, 6, 2]);
    expect(summaryOf(outcome)).toMatchObject({ synced: 10, failed: 0 });
  });

  test('a sync whose listing is one page of one batch syncs it itself, no child; more pages or batches each get a child', async () => {
    const callers: string[] = [];
    const batch = async (call: CampaignBatchCall) => {
      callers.push(Context.current().info.workflowType ?? 'none');
      return { synced: call.campaignIds.length, failed: [], pending: [] };
    };
    const cases = [
      { input: {}, callers: ['syncClientWorkflow'] },
      { input: { pageSize: 5 }, callers: ['syncCampaignBatchWorkflow', 'syncCampaignBatchWorkflow'] },
      { input: { batchSize: 5 }, callers: ['syncCampaignBatchWorkflow', 'syncCampaignBatchWorkflow'] },
    ];
    for (const { input, callers: expected } of cases) {
      callers.length = 0;
      const { outcome } = await runSync({ list: listing(10), batch }, input);
      expect({ input, callers, synced: summaryOf(outcome).synced }).toEqual({ input, callers: expected, synced: 10 });
    }
  });

  test("a sync's own batch counts its confirmations in the sync's progress as each call ends", async () => {
    const inSteps = async (call: CampaignBatchCall) => ({
      synced: Math.min(4, call.campaignIds.length),
      failed: [],
      pending: call.campaignIds.slice(4),
      nextSlotInMs: 3000,
    });
    let seen: number | undefined;
    const { outcome } = await runSync({ list: listing(10), batch: inSteps }, {}, async (handle) => {
      for (let i = 0; i < 100 && seen !== 4; i++) {
        seen = (await handle.query(progressQuery)).synced;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    expect(seen).toBe(4);
    expect(summaryOf(outcome)).toMatchObject({ synced: 10, failed: 0 });
  });

  test('campaigns that fail are reported by id and reason; a batch whose activity gives up reports what it had left', async () => {
    const batch = async (call: CampaignBatchCall): Promise<CampaignBatchOutcome> => {
      if (call.campaignIds.includes('c101'))
        throw ApplicationFailure.create({ type: 'PlatformBadCredentials', message: 'check the email and password', nonRetryable: true });
      return { synced: call.campaignIds.length - 1, failed: [{ campaignId: 'c7', error: 'answered 404' }], pending: [] };
    };
    const { outcome } = await runSync({ list: listing(150), batch });
    const summary = summaryOf(outcome);
    expect(summary).toMatchObject({ synced: 99, failed: 51 });
    expect(summary.failedCampaigns).toContainEqual({ campaignId: 'c7', error: 'answered 404' });
    expect(summary.failedCampaigns).toContainEqual({ campaignId: 'c150', error: 'check the email and password' });
  });
});

test('continue-as-new carries every counter and the failed and rejected lists of earlier runs', async () => {
  const batch = async (call: CampaignBatchCall): Promise<CampaignBatchOutcome> => ({
    synced: call.campaignIds.length - 1,
    failed: [{ campaignId: call.campaignIds[0]!, error: 'refused' }],
    pending: [],
  });
  const rejected = { rejected: [{ position: 0, id: 'x', reason: 'id: too short' }] };
  const { outcome, log } = await runSync(
    { list: listing(40, { extra: { 1: rejected, 4: rejected } }), batch },
    { pageSize: 10, maxHistoryEvents: 20 },
  );
  const summary = summaryOf(outcome);
  expect(log.pages).toEqual([1, 2, 3, 4]);
  expect(log.runs.filter((status) => status === 'running').length).toBeGreaterThan(1); // saved before each continue-as-new
  expect(summary).toMatchObject({ pages: 4, listed: 40, synced: 36, failed: 4, rejected: 2 });
  expect(summary.failedCampaigns.map((f) => f.campaignId)).toEqual(['c1', 'c11', 'c21', 'c31']);
  expect(summary.rejectedRecords.map((r) => r.page)).toEqual([1, 4]);
});

test('a batch of an earlier release that signals its live count: the count shows before the batch ends', async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const batch = async (call: CampaignBatchCall): Promise<CampaignBatchOutcome> => {
    const context = Context.current();
    const batchId = context.info.workflowExecution!.workflowId;
    // A batch's workflow id starts with its client workflow's.
    await context.client.workflow.getHandle(batchId.split('/')[0]!).signal(batchProgressSignal, {
      batch: batchId,
      synced: 3,
    });
    await released;
    return { synced: call.campaignIds.length, failed: [], pending: [] };
  };
  let seen: number | undefined;
  // Two batches, so they run as children, as every batch did then.
  const { outcome } = await runSync({ list: listing(10), batch }, { batchSize: 5 }, async (handle) => {
    for (let i = 0; i < 100 && seen !== 6; i++) {
      seen = (await handle.query(progressQuery)).synced;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    release();
  });
  expect(seen).toBe(6); // 3 of each batch
  expect(summaryOf(outcome).synced).toBe(10);
});

test('cancelling a sync cancels its batches and records the run as cancelled', async () => {
  const batch = async (): Promise<CampaignBatchOutcome> => {
    const context = Context.current();
    for (;;) {
      context.heartbeat();
      await context.sleep(100);
    }
  };
  const { outcome, log } = await runSync({ list: listing(10), batch }, {}, async (handle) => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await handle.cancel();
  });
  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  expect(log.runs).toEqual(['running', 'cancelled']);
});

describe('retryFailed', () => {
  test('lists nothing, syncs only what the last run left unconfirmed, and confirms it for that run', async () => {
    const failedBefore = { syncRun: 'run-before', campaignIds: ['c3', 'c17', 'c42'] };
    const { outcome, log } = await runSync({ list: listing(100), failedBefore }, { retryFailed: true });
    expect(log.pages).toEqual([]);
    expect(log.batchCalls.map((c) => [c.syncRun, c.campaignIds])).toEqual([['run-before', ['c3', 'c17', 'c42']]]);
    expect(log.retryOf).toBe('run-before');
    expect(summaryOf(outcome)).toMatchObject({ state: 'completed', total: 3, listed: 0, synced: 3, failed: 0, removed: 0 });
    expect(log.removalsMarked).toBe(0);
  });

  test('with no finished run to retry, it completes having done nothing', async () => {
    const { outcome, log } = await runSync({ list: listing(100) }, { retryFailed: true });
    expect(log.batchCalls).toEqual([]);
    expect(summaryOf(outcome)).toMatchObject({ state: 'completed', total: 0, synced: 0 });
  });
});

test("a scheduled run syncs under the client's own workflow id, so with a sync of the client running it starts none", async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const batch = async (call: CampaignBatchCall): Promise<CampaignBatchOutcome> => {
    await released;
    return { synced: call.campaignIds.length, failed: [], pending: [] };
  };
  const clientId = `scheduled-${randomUUID()}`;
  const { outcome, log } = await withFakeWorker({ list: listing(10), batch }, async (taskQueue) => {
    const scheduled = () =>
      workflowClient().workflow.execute('scheduledSyncWorkflow', {
        taskQueue,
        workflowId: `schedule-${randomUUID()}`,
        args: [{ clientId }],
      }) as Promise<ScheduledSyncOutcome>;
    const manual = await workflowClient().workflow.start('syncClientWorkflow', {
      taskQueue,
      workflowId: syncWorkflowId(clientId),
      args: [{ clientId }],
    });
    const whileManual = await scheduled();
    release();
    await manual.result();
    return { whileManual, alone: await scheduled() };
  });
  expect(outcome.whileManual).toEqual({ ran: false, reason: 'a sync of this client was already running' });
  expect(outcome.alone).toMatchObject({ ran: true, summary: { workflowId: syncWorkflowId(clientId), synced: 10 } });
  expect(log.pages).toEqual([1, 1]); // two syncs, one after the other
});
