import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleSyncWorkflows } from './workflow-bundle';
import type { Activities } from '../../src/activities';
import type { Campaign, CampaignBatchCall, CampaignBatchOutcome, CampaignPage, StoredPage } from '../../src/contract/activities';
import { plainCampaign } from './campaigns';
import { findTemporalCli } from '../../dev-stack/temporal-cli';
import { SEARCH_ATTRIBUTES, type SyncClientInput, type SyncSummary } from '../../src/contract/sync';

// The workflow tier: the real workflows on a local dev server, every activity replaced by an
// in-memory fake. Fast, and nothing here touches PostgreSQL or the platform.

let env: TestWorkflowEnvironment | undefined;
let bundle: WorkflowBundleWithSourceMap;

/** A local dev server and the bundled workflows for the test file, started before its tests and stopped after. */
export function useWorkflowEnvironment(): void {
  jest.setTimeout(60_000);
  beforeAll(async () => {
    const path = findTemporalCli();
    if (!path) throw new Error('No Temporal CLI: run `npm run temporal:ensure` first (or set TEMPORAL_CLI)');
    [env, bundle] = await Promise.all([
      TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path }, searchAttributes: SEARCH_ATTRIBUTES } }),
      bundleSyncWorkflows(),
    ]);
  });
  afterAll(() => env?.teardown());
}

/** The Temporal client of the file's dev server. */
export const workflowClient = () => env!.client;

/** Campaign ids c1..cN, cut into pages the way the platform's list endpoint pages them. */
export function listing(
  total: number,
  overrides: { hasMore?: (page: number) => boolean; extra?: Record<number, Partial<CampaignPage>> } = {},
) {
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

export interface Fakes {
  list: (page: number, pageSize: number) => CampaignPage;
  /** What one batch call does; by default every campaign is confirmed. */
  batch?: (call: CampaignBatchCall) => Promise<CampaignBatchOutcome>;
  /** What the last finished run left unconfirmed, for `retryFailed`. */
  failedBefore?: { syncRun: string; campaignIds: string[] };
  /** What storing a page gives back; by default every campaign inserted, with no `refused` (as results recorded before it). */
  upsert?: (campaigns: Campaign[]) => StoredPage;
}

/** In-memory activities that record what the workflows asked of them. */
export function fakeActivities(fakes: Fakes) {
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
export async function withFakeWorker<T>(fakes: Fakes, work: (taskQueue: string) => Promise<T>) {
  const { activities, log } = fakeActivities(fakes);
  const taskQueue = `wf-${randomUUID()}`;
  // Heartbeats reach the server at once, so a cancellation reaches the fakes at once.
  const worker = await Worker.create({
    connection: env!.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
    maxHeartbeatThrottleInterval: '100 ms',
  });
  return { outcome: await worker.runUntil(work(taskQueue)), log };
}

/** Runs a sync on a fresh worker with these fakes; resolves with the summary (or the failure) and the log. */
export function runSync(fakes: Fakes, input: Partial<SyncClientInput> = {}, whileRunning?: (handle: WorkflowHandle) => Promise<void>) {
  return withFakeWorker(fakes, async (taskQueue) => {
    const handle = await env!.client.workflow.start('syncClientWorkflow', {
      taskQueue,
      workflowId: `sync-${randomUUID()}`,
      args: [{ clientId: 'acme', ...input }],
    });
    await whileRunning?.(handle);
    return (handle.result() as Promise<SyncSummary>).catch((err: unknown) => err as Error);
  });
}

export const summaryOf = (outcome: SyncSummary | Error): SyncSummary => {
  if (outcome instanceof Error) throw outcome;
  return outcome;
};
