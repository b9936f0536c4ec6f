import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  ParentClosePolicy,
  continueAsNew,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, ClientPolicy } from '../activities';
import { FailureType } from '../failure-types';
import { NO_COUNTS, type SyncCounts } from '../sync-counts';
import { databaseOptions, maxAttemptsOf, platformCallOptions } from './activity-options';
import {
  batchProgressSignal,
  clientIdSearchAttribute,
  outcomeSearchAttribute,
  progressQuery,
  syncOutcome,
  syncSearchAttributes,
  type SyncProgress,
} from './definitions';
import { syncCampaignBatchWorkflow, type CampaignBatchResult } from './sync-campaign-batch';

/**
 * Marks syncs that run a batch with one activity per rate window (`syncCampaignBatch`) instead of
 * one per campaign, with local activities for the database steps. Histories recorded before it
 * replay the old way (ARCHITECTURE.md, "Running syncs across an upgrade").
 */
export const BATCH_ACTIVITY_PATCH = 'campaign-batch-activity';

/**
 * Marks syncs that keep their search attributes (client, outcome) themselves: they add any their
 * start did not set and record the outcome at the end. Older histories have no such commands.
 */
export const SEARCH_ATTRIBUTES_PATCH = 'sync-search-attributes';

export interface SyncClientInput {
  clientId: string;
  /** Campaigns asked for per list call (the platform caps it at 100). */
  pageSize?: number;
  /** Campaigns per child workflow (at most a page: a page's campaigns are cut into batches). */
  batchSize?: number;
  /** Child workflows running at once. */
  maxBatchesInFlight?: number;
  /** Attempts per platform call before a page fails the sync or a campaign is reported failed. */
  maxAttempts?: number;
  /** Continue-as-new once history passes this many events (or when the server suggests it). */
  maxHistoryEvents?: number;
  /**
   * Instead of listing: sync again the campaigns the client's last finished sync listed but the
   * platform did not confirm (`sync --retry-failed`). Their confirmations count for that sync.
   */
  retryFailed?: boolean;
  /** Carried across continue-as-new. */
  resume?: SyncCursor;
}

export interface SyncCursor {
  syncRun: string;
  nextPage: number;
  /** Ids of the last page listed, so a repeat right after continue-as-new is still recognised. */
  previousPageIds?: string[];
  total: number | null;
  counts: SyncCounts;
  /** The reports so far (runs before continue-as-new included); absent in cursors of older versions. */
  failedCampaigns?: SyncSummary['failedCampaigns'];
  rejectedRecords?: SyncSummary['rejectedRecords'];
}

export interface SyncSummary extends SyncProgress {
  workflowId: string;
  /** Campaigns the platform would not sync after every retry (the first 100), with why. */
  failedCampaigns: { campaignId: string; error: string }[];
  /** Records the platform sent that are not valid campaigns (the first 100), with why. */
  rejectedRecords: { page: number; position: number; id: string | null; reason: string }[];
}

const MAX_REPORTED_FAILURES = 100;
/**
 * A `total` beyond this many pages is taken for a broken platform, not paged through: a real
 * account has far fewer campaigns, and paging through a bogus total would list for days.
 */
const MAX_PAGES = 100_000;
/**
 * Continue-as-new past this many events: below the server's warning at 10,240 (its hard limit
 * is 51,200), and a worker that picks up the sync replays no more than this.
 */
const DEFAULT_MAX_HISTORY_EVENTS = 10_000;
/** Campaigns per list call unless the sync asks otherwise: the most the platform answers. */
const DEFAULT_PAGE_SIZE = 100;

/**
 * Batching before and after BATCH_ACTIVITY_PATCH. An activity per campaign wanted small batches,
 * as many in flight as the rate limit; a batch activity paces itself by the rate budget, so a
 * page makes one batch and two in flight keep the budget busy while the next page is listed.
 */
const batchDefaults = (batchActivity: boolean, policy: ClientPolicy, pageSize: number) =>
  batchActivity ? { batchSize: pageSize, maxBatchesInFlight: 2 } : { batchSize: 5, maxBatchesInFlight: policy.rateLimit };

/**
 * Syncs every campaign of one client: lists the campaigns page by page, upserts each page, and
 * fans the page's campaigns out to child workflows that call the platform's sync endpoint.
 */
export async function syncClientWorkflow(input: SyncClientInput): Promise<SyncSummary> {
  const info = workflowInfo();
  const batchActivity = patched(BATCH_ACTIVITY_PATCH);
  const keepsSearchAttributes = patched(SEARCH_ATTRIBUTES_PATCH);
  if (keepsSearchAttributes) {
    // A start from the CLI or a schedule sets them; one from elsewhere (`temporal workflow start`) may not.
    const missing = syncSearchAttributes(input.clientId).filter(({ key }) => info.typedSearchAttributes.get(key) === undefined);
    if (missing.length > 0) upsertSearchAttributes(missing);
  }
  const recordOutcome = (status: 'completed' | 'failed' | 'cancelled') => {
    if (keepsSearchAttributes) upsertSearchAttributes([{ key: outcomeSearchAttribute, value: syncOutcome(status, counts.failed) }]);
  };
  // Since the patch, the short database steps run as local activities: in the workflow task that
  // asks for them, with no round trip through the server's task queue.
  const { loadClientPolicy, startSyncRun, upsertCampaignPage, recordSyncRun, findFailedCampaigns } = batchActivity
    ? proxyLocalActivities<Activities>(databaseOptions)
    : proxyActivities<Activities>(databaseOptions);
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const maxAttempts = maxAttemptsOf(input);
  const cursor: SyncCursor = input.resume ?? {
    syncRun: info.runId,
    nextPage: 1,
    total: null,
    counts: { ...NO_COUNTS },
  };
  // Cursors of older versions lack the newer counters.
  const counts = (cursor.counts = { ...NO_COUNTS, ...cursor.counts });
  const seen = new Set<string>(cursor.previousPageIds);
  const failedCampaigns = (cursor.failedCampaigns ??= []);
  const rejectedRecords = (cursor.rejectedRecords ??= []);
  const inFlight = new Map<string, Promise<void>>();
  /** Campaigns confirmed so far by each batch still running, as its activities report them. */
  const liveSynced = new Map<string, number>();
  let state: SyncProgress['state'] = 'starting';
  let waitingFor = 'the client record';

  const progress = (): SyncProgress => ({
    ...counts,
    synced: counts.synced + [...liveSynced.values()].reduce((a, b) => a + b, 0),
    clientId: input.clientId,
    state,
    waitingFor,
    total: cursor.total,
    batchesInFlight: inFlight.size,
  });
  setHandler(progressQuery, progress);
  /** The Web UI's current details: what the sync has done and what it waits for. */
  const showProgress = () => {
    const p = progress();
    setCurrentDetails(
      `**${p.state}**, waiting for ${p.waitingFor}\n\n` +
        `pages ${p.pages} · listed ${p.listed}${p.total === null ? '' : ` of ${p.total}`} · synced ${p.synced} · failed ${p.failed} · rejected ${p.rejected}` +
        ` · batches in flight ${p.batchesInFlight}`,
    );
  };
  const waitFor = (what: string) => {
    waitingFor = what;
    showProgress();
  };
  setHandler(batchProgressSignal, ({ batch, synced }) => {
    if (inFlight.has(batch)) liveSynced.set(batch, Math.max(synced, liveSynced.get(batch) ?? 0));
    showProgress();
  });

  // A retry syncs what an earlier run listed, and its confirmations count for that run.
  const retried = input.retryFailed ? await findFailedCampaigns(input.clientId) : undefined;
  const confirmingRun = retried?.syncRun ?? cursor.syncRun;

  const saveRun = (status: 'running' | 'completed' | 'failed' | 'cancelled', error?: string, listedEveryPage = false) =>
    recordSyncRun({
      workflowId: info.workflowId,
      runId: cursor.syncRun,
      clientId: input.clientId,
      status,
      counts,
      error,
      retryOf: retried?.syncRun,
      listedEveryPage,
    });

  // Since the patch, a new sync reads its policy and records itself as running in one step.
  const startsWithRun = batchActivity && !input.resume;
  const policy: ClientPolicy = startsWithRun
    ? await startSyncRun({ workflowId: info.workflowId, runId: cursor.syncRun, clientId: input.clientId, retryOf: retried?.syncRun })
    : await loadClientPolicy(input.clientId);
  const { fetchCampaignPage } = proxyActivities<Activities>(platformCallOptions(policy, maxAttempts));
  const defaults = batchDefaults(batchActivity, policy, pageSize);
  const batchSize = input.batchSize ?? defaults.batchSize;
  const maxBatchesInFlight = input.maxBatchesInFlight ?? defaults.maxBatchesInFlight;

  const startBatch = async (campaignIds: string[], key: string) => {
    while (inFlight.size >= maxBatchesInFlight) {
      waitFor(`a free batch slot (${inFlight.size} batches in flight)`);
      await Promise.race(inFlight.values());
    }
    const childId = `${info.workflowId}/${cursor.syncRun}/${key}`;
    const done = executeChild(syncCampaignBatchWorkflow, {
      workflowId: childId,
      staticSummary: `${campaignIds.length} campaigns of client ${input.clientId} (${key}): ${campaignIds[0]} … ${campaignIds.at(-1)}`,
      typedSearchAttributes: [{ key: clientIdSearchAttribute, value: input.clientId }],
      args: [
        {
          policy,
          syncRun: confirmingRun,
          campaignIds,
          maxAttempts,
          ...(batchActivity ? { batchActivity: true as const, parentWorkflowId: info.workflowId } : {}),
        },
      ],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    })
      .then(
        (result: CampaignBatchResult) => {
          counts.synced += result.synced;
          counts.failed += result.failed.length;
          failedCampaigns.push(...result.failed.slice(0, MAX_REPORTED_FAILURES - failedCampaigns.length));
          showProgress();
        },
        (err: unknown) => {
          if (isCancellation(err)) throw err;
          counts.failed += campaignIds.length;
        },
      )
      .finally(() => {
        inFlight.delete(childId);
        liveSynced.delete(childId);
      });
    inFlight.set(childId, done);
  };

  const drainBatches = async () => {
    while (inFlight.size > 0) {
      waitFor(`${inFlight.size} campaign batches to finish`);
      await Promise.race(inFlight.values());
    }
  };

  const startBatches = async (ids: string[], keyPrefix: string) => {
    for (let i = 0; i < ids.length; i += batchSize) {
      await startBatch(ids.slice(i, i + batchSize), `${keyPrefix}-b${i / batchSize}`);
    }
  };

  /** Lists page after page, storing each and starting its batches, until the platform's list ends. */
  const listEveryPage = async () => {
    for (;;) {
      const page = cursor.nextPage;
      // Stop on total as well as has_more: the reference platform keeps saying has_more.
      if (cursor.total !== null && (page - 1) * pageSize >= cursor.total) return;
      waitFor(`page ${page}`);
      const listed = await fetchCampaignPage.executeWithOptions({ summary: `page ${page} of client ${input.clientId}` }, [
        { clientId: input.clientId, page, pageSize },
      ]);
      if (listed.total > pageSize * MAX_PAGES) {
        throw ApplicationFailure.create({
          type: FailureType.PlatformMalformedResponse,
          message: `page ${page} claims ${listed.total} campaigns; refusing to page through that many`,
          nonRetryable: true,
        });
      }
      cursor.total = listed.total;
      counts.pages += 1;
      counts.rejected += listed.rejected.length;
      rejectedRecords.push(...listed.rejected.slice(0, MAX_REPORTED_FAILURES - rejectedRecords.length).map((r) => ({ page, ...r })));
      // Offset paging repeats a campaign when the list shifts between calls: store and sync it once.
      const fresh = listed.campaigns.filter((c) => !seen.has(c.id));
      fresh.forEach((c) => seen.add(c.id));
      cursor.previousPageIds = listed.campaigns.map((c) => c.id);
      if (fresh.length > 0) {
        waitFor(`the database to store page ${page}`);
        const stored = await upsertCampaignPage({ clientId: input.clientId, syncRun: cursor.syncRun, campaigns: fresh });
        counts.listed += fresh.length;
        counts.inserted += stored.inserted;
        counts.updated += stored.updated;
        counts.unchanged += stored.unchanged;
        await startBatches(
          fresh.map((c) => c.id),
          `p${page}`,
        );
      }
      cursor.nextPage = page + 1;
      if (!listed.hasMore || listed.campaigns.length === 0) return;
      if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS)) {
        await drainBatches();
        await saveRun('running');
        await continueAsNew<typeof syncClientWorkflow>({ ...input, resume: cursor });
      }
    }
  };

  try {
    if (!input.resume && !startsWithRun) await saveRun('running');
    if (input.retryFailed) {
      cursor.total = retried?.campaignIds.length ?? 0;
      await startBatches(retried?.campaignIds ?? [], 'retry');
    } else {
      state = 'listing';
      await listEveryPage();
    }
    state = 'finishing';
    await drainBatches();
    state = 'completed';
    waitFor('nothing');
    // Histories of older versions recorded no count here.
    counts.removed =
      (await saveRun('completed', counts.failed ? `${counts.failed} campaigns failed to sync` : undefined, !input.retryFailed)) ?? 0;
    recordOutcome('completed');
    showProgress();
    return { ...progress(), workflowId: info.workflowId, failedCampaigns, rejectedRecords };
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    state = 'failed';
    waitFor('nothing');
    const message =
      err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    const status = isCancellation(err) ? 'cancelled' : 'failed';
    await CancellationScope.nonCancellable(() => saveRun(status, message));
    recordOutcome(status);
    throw err;
  }
}
