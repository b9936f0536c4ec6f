import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleSyncWorkflows } from '../helpers/workflow-bundle';
import type { Activities } from '../../src/activities';
import type { Campaign, CampaignBatchCall, CampaignBatchOutcome, CampaignPage, StoredPage } from '../../src/contract/activities';
import { plainCampaign } from '../helpers/campaigns';
import { findTemporalCli } from '../../dev-stack/temporal-cli';
import { SYNC_INPUT_RANGES, syncInputProblem } from '../../src/contract/sync-input';
import {
  batchProgressSignal,
  progressQuery,
  SEARCH_ATTRIBUTES,
  syncWorkflowId,
  type ScheduledSyncOutcome,
  type SyncClientInput,
  type SyncSummary,
} from '../../src/contract/sync';

// The workflow tier: the real workflows on a local dev server, every activity replaced by an
// in-memory fake. Fast, and nothing here touches PostgreSQL or the platform.

jest.setTimeout(60_000);

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  const path = findTemporalCli();
  if (!path) throw new Error('No Temporal CLI: run `npm run temporal:ensure` first (or set TEMPORAL_CLI)');
  [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path }, searchAttributes: SEARCH_ATTRIBUTES } }),
    bundleSyncWorkflows(),
  ]);
});

afterAll(() => env?.teardown());

/** Campaign ids c1..cN, cut into pages the way the platform's list endpoint pages them. */
function listing(total: number, overrides: { hasMore?: (page: number) => boolean; extra?: Record<number, Partial<CampaignPage>> } = {}) {
  return (page: number, pageSize: number): CampaignPage => {
    const first = (page - 1) * pageSize;
    const campaigns = Array.from({ length: Math.max(0, Math.min(pageSize, total - first)) }, (_, i) => plainCampaign(`c${first + i + 1}`));
    return {
      campaigns,
      rejected: [],
      total,
      hasMore: overrides.hasMore ? overrides.hasMore(page) : first + pageSize < total,
      ...overrides.extra?.[page],
    };
  };
}

interface Fakes {
  list: (page: number, pageSize: number) => CampaignPage;
  /** What one batch call does; by default every campaign is confirmed. */
  batch?: (call: CampaignBatchCall) => Promise<CampaignBatchOutcome>;
  /** What the last finished run left unconfirmed, for `retryFailed`. */
  failedBefore?: { syncRun: string; campaignIds: string[] };
  /** What storing a page gives back; by default every campaign inserted, with no `refused` (as results recorded before it). */
  upsert?: (campaigns: Campaign[]) => StoredPage;
}

/** In-memory activities that record what the workflows asked of them. */
function fakeActivities(fakes: Fakes) {
  const log = {
    pages: [] as number[],
    batchCalls: [] as CampaignBatchCall[],
    runs: [] as string[],
    batchesInFlight: 0,
    mostBatchesInFlight: 0,
    retryOf: undefined as string | undefined,
    removalsMarked: 0,
    /** Every activity the workflows called, by name, in order. */
    activities: [] as string[],
  };
  const confirmAll = async (call: CampaignBatchCall): Promise<CampaignBatchOutcome> => ({
    synced: call.campaignIds.length,
    failed: [],
    pending: [],
  });
  const activities: Partial<Activities> = {
    async loadClientPolicy(clientId) {
      return { id: clientId, rateLimit: 10, rateWindowMs: 1000 };
    },
    async startSyncRun({ clientId, retryOf }) {
      log.runs.push('running');
      log.retryOf = retryOf;
      return { id: clientId, rateLimit: 10, rateWindowMs: 1000 };
    },
    async fetchCampaignPage({ page, pageSize }) {
      log.pages.push(page);
      return fakes.list(page, pageSize);
    },
    async upsertCampaignPage({ campaigns }) {
      return fakes.upsert ? fakes.upsert(campaigns) : { inserted: campaigns.length, updated: 0, unchanged: 0 };
    },
    async syncCampaignBatch(call) {
      log.batchCalls.push(call);
      log.mostBatchesInFlight = Math.max(log.mostBatchesInFlight, ++log.batchesInFlight);
      try {
        return await (fakes.batch ?? confirmAll)(call);
      } finally {
        log.batchesInFlight -= 1;
      }
    },
    async recordSyncRun(run) {
      log.runs.push(run.status);
      // The store marks what the run did not list; say 7 campaigns.
      if (run.status === 'completed' && run.listedEveryPage) log.removalsMarked += 1;
      return run.status === 'completed' && run.listedEveryPage ? 7 : 0;
    },
    async findFailedCampaigns() {
      return fakes.failedBefore;
    },
  };
  const logged = Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [
      name,
      (...args: unknown[]) => {
        log.activities.push(name);
        return (activity as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as Partial<Activities>;
  return { activities: logged, log };
}

/** Runs `work` while a fresh worker with these fakes serves its task queue. */
async function withFakeWorker<T>(fakes: Fakes, work: (taskQueue: string) => Promise<T>) {
  const { activities, log } = fakeActivities(fakes);
  const taskQueue = `wf-${randomUUID()}`;
  // Heartbeats reach the server at once, so a cancellation reaches the fakes at once.
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
    maxHeartbeatThrottleInterval: '100 ms',
  });
  return { outcome: await worker.runUntil(work(taskQueue)), log };
}

/** Runs a sync on a fresh worker with these fakes; resolves with the summary (or the failure) and the log. */
function runSync(fakes: Fakes, input: Partial<SyncClientInput> = {}, whileRunning?: (handle: WorkflowHandle) => Promise<void>) {
  return withFakeWorker(fakes, async (taskQueue) => {
    const handle = await env.client.workflow.start('syncClientWorkflow', {
      taskQueue,
      workflowId: `sync-${randomUUID()}`,
      args: [{ clientId: 'acme', ...input }],
    });
    await whileRunning?.(handle);
    return (handle.result() as Promise<SyncSummary>).catch((err: unknown) => err as Error);
  });
}

const summaryOf = (outcome: SyncSummary | Error): SyncSummary => {
  if (outcome instanceof Error) throw outcome;
  return outcome;
};

describe('pages', () => {
  test('listing stops when the platform says has_more = false; a sync that listed every page has what it did not list marked removed', async () => {
    const { outcome, log } = await runSync({ list: listing(250) });
    expect(log.pages).toEqual([1, 2, 3]);
    expect(summaryOf(outcome)).toMatchObject({ state: 'completed', pages: 3, listed: 250, synced: 250, failed: 0, removed: 7 });
    expect(log.runs).toEqual(['running', 'completed']);
    expect(log.removalsMarked).toBe(1);
  });

  test('listing stops at `total` even when has_more stays true (the reference platform)', async () => {
    const { log } = await runSync({ list: listing(250, { hasMore: () => true }) });
    expect(log.pages).toEqual([1, 2, 3]);
  });

  test('listing stops at an empty page', async () => {
    const { outcome, log } = await runSync({
      list: listing(150, { hasMore: () => true, extra: { 1: { total: 10_000 }, 2: { campaigns: [], total: 10_000 } } }),
    });
    expect(log.pages).toEqual([1, 2]);
    expect(summaryOf(outcome)).toMatchObject({ listed: 100, synced: 100 });
  });

  test('a total beyond 100 000 pages fails the sync instead of paging forever', async () => {
    const { outcome, log } = await runSync({ list: listing(10, { extra: { 1: { total: 10 ** 12 } } }) });
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect(((outcome as WorkflowFailedError).cause as ApplicationFailure).type).toBe('PlatformMalformedResponse');
    expect(log.runs).toEqual(['running', 'failed']);
    expect(log.removalsMarked).toBe(0); // a sync that stopped early marks nothing removed
  });

  test('a campaign the platform repeats on a later page is stored and synced once', async () => {
    const page2 = [plainCampaign('c100'), plainCampaign('c101')];
    const { outcome, log } = await runSync({ list: listing(102, { extra: { 2: { campaigns: page2 } } }) });
    const sent = log.batchCalls.flatMap((c) => c.campaignIds);
    expect(sent.filter((id) => id === 'c100')).toHaveLength(1);
    expect(summaryOf(outcome)).toMatchObject({ listed: 101, synced: 101 });
  });

  test('records that are not campaigns are reported with their page and reason', async () => {
    const rejected = [{ position: 3, id: 'bad', reason: 'budget: expected number' }];
    const { outcome } = await runSync({ list: listing(20, { extra: { 1: { rejected } } }) });
    expect(summaryOf(outcome)).toMatchObject({ rejected: 1, rejectedRecords: [{ page: 1, ...rejected[0] }] });
  });
});

describe('input out of range', () => {
  /** Each field of SYNC_INPUT_RANGES one below its min and one above its max, and values that are no whole number. */
  const invalid: [string, Record<string, unknown>][] = [
    ...Object.entries(SYNC_INPUT_RANGES).flatMap(([field, { min, max }]): [string, Record<string, unknown>][] => [
      [field, { [field]: min - 1 }],
      [field, { [field]: max + 1 }],
    ]),
    ['pageSize', { pageSize: 2.5 }],
    ['batchSize', { batchSize: '10' }],
    ['clientId', { clientId: undefined }],
    ['retryFailed', { retryFailed: 'yes' }],
  ];
  let outcomes: (SyncSummary | Error)[];
  let log: ReturnType<typeof fakeActivities>['log'];

  // One worker for every case: each sync fails before its first command.
  beforeAll(async () => {
    const run = await withFakeWorker({ list: listing(10) }, (taskQueue) =>
      Promise.all(
        invalid.map(([, input]) =>
          env.client.workflow
            .execute('syncClientWorkflow', { taskQueue, workflowId: `sync-${randomUUID()}`, args: [{ clientId: 'acme', ...input }] })
            .catch((err: unknown) => err as Error),
        ),
      ),
    );
    outcomes = run.outcome as (SyncSummary | Error)[];
    log = run.log;
  });

  test.each(invalid.map(([field, input], i) => [field, JSON.stringify(input) ?? '', i] as const))(
    '%s in %s fails the sync at once: InvalidSyncInput, not retryable, naming the field',
    (field, _shown, i) => {
      const outcome = outcomes[i];
      expect(outcome).toBeInstanceOf(WorkflowFailedError);
      const failure = (outcome as WorkflowFailedError).cause as ApplicationFailure;
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'InvalidSyncInput', nonRetryable: true });
      expect(failure.message).toBe(`Invalid sync input: ${syncInputProblem({ clientId: 'acme', ...invalid[i]![1] })}`);
      expect(failure.message).toMatch(new RegExp(`^Invalid sync input: ${field} must be `));
    },
  );

  test('no activity was called for any of them', () => {
    expect(log.activities).toEqual([]);
  });
});

describe('records PostgreSQL refuses', () => {
  /** An upsert that refuses these campaigns (as storePage reports them) and stores the rest. */
  const refusing =
    (ids: string[]) =>
    (campaigns: Campaign[]): StoredPage => {
      const refused = campaigns
        .filter((c) => ids.includes(c.id))
        .map((c) => ({ campaignId: c.id, reason: `PostgreSQL refused it (22008): date/time field value out of range (${c.id})` }));
      return { inserted: campaigns.length - refused.length, updated: 0, unchanged: 0, refused };
    };

  test('count as rejected (no position, their reason); the rest is listed, and only what was stored goes to batches', async () => {
    const notCampaigns = [{ position: 3, id: 'bad', reason: 'budget: expected number' }];
    const { outcome, log } = await runSync(
      { list: listing(20, { extra: { 1: { rejected: notCampaigns } } }), upsert: refusing(['c3', 'c17']) },
      { pageSize: 10 },
    );

    const summary = summaryOf(outcome);
    expect(summary).toMatchObject({ pages: 2, listed: 18, inserted: 18, rejected: 3, synced: 18, failed: 0 });
    expect(summary.rejectedRecords).toEqual([
      { page: 1, ...notCampaigns[0] },
      { page: 1, position: null, id: 'c3', reason: 'PostgreSQL refused it (22008): date/time field value out of range (c3)' },
      { page: 2, position: null, id: 'c17', reason: 'PostgreSQL refused it (22008): date/time field value out of range (c17)' },
    ]);
    const sent = log.batchCalls.flatMap((call) => call.campaignIds);
    expect(sent.sort()).toEqual(
      listing(20)(1, 20)
        .campaigns.map((c) => c.id)
        .filter((id) => id !== 'c3' && id !== 'c17')
        .sort(),
    );
  });

  test('a page all refused starts no batch', async () => {
    const { outcome, log } = await runSync({ list: listing(5), upsert: refusing(['c1', 'c2', 'c3', 'c4', 'c5']) });

    expect(summaryOf(outcome)).toMatchObject({ listed: 0, rejected: 5, synced: 0 });
    expect(log.batchCalls).toEqual([]);
  });

  test('an upsert result without `refused` (as recorded histories have) counts every campaign as listed', async () => {
    const { outcome, log } = await runSync({
      list: listing(15),
      upsert: (campaigns) => ({ inserted: campaigns.length - 2, updated: 2, unchanged: 0 }),
    });

    expect(summaryOf(outcome)).toMatchObject({ listed: 15, inserted: 13, updated: 2, rejected: 0, rejectedRecords: [], synced: 15 });
    expect(log.batchCalls.flatMap((call) => call.campaignIds)).toHaveLength(15);
  });
});

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
    expect(log.batchCalls.map((c) => [c.campaignIds.length, c.progress?.syncedBefore])).toEqual([
      [10, 0],
      [6, 4],
      [2, 8],
    ]);
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

test("progress moves per campaign: a batch's live count shows before the batch ends", async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const batch = async (call: CampaignBatchCall): Promise<CampaignBatchOutcome> => {
    const context = Context.current();
    await context.client.workflow.getHandle(call.progress!.workflowId).signal(batchProgressSignal, {
      batch: context.info.workflowExecution!.workflowId,
      synced: 3,
    });
    await released;
    return { synced: call.campaignIds.length, failed: [], pending: [] };
  };
  let seen: number | undefined;
  const { outcome } = await runSync({ list: listing(10), batch }, {}, async (handle) => {
    for (let i = 0; i < 100 && seen !== 3; i++) {
      seen = (await handle.query(progressQuery)).synced;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    release();
  });
  expect(seen).toBe(3);
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
      env.client.workflow.execute('scheduledSyncWorkflow', {
        taskQueue,
        workflowId: `schedule-${randomUUID()}`,
        args: [{ clientId }],
      }) as Promise<ScheduledSyncOutcome>;
    const manual = await env.client.workflow.start('syncClientWorkflow', {
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
