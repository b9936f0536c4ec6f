import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  ParentClosePolicy,
  continueAsNew,
  deprecatePatch,
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
import type { Activities } from '../activities';
import type { Campaign, ClientPolicy, FailedCampaign, SyncRunStatus, UnconfirmedCampaigns } from '../contract/activities';
import { FailureType } from '../contract/failure-types';
import { maxAttemptsOf } from '../contract/retries';
import {
  batchProgressSignal,
  clientIdSearchAttribute,
  outcomeSearchAttribute,
  progressQuery,
  syncOutcome,
  syncSearchAttributes,
  type BatchProgress,
  type CampaignBatchResult,
  type RejectedRecordReport,
  type SyncClientInput,
  type SyncCursor,
  type SyncProgress,
  type SyncSummary,
} from '../contract/sync';
import { NO_COUNTS, type SyncCounts } from '../contract/sync-counts';
import { syncInputProblem } from '../contract/sync-input';
import { databaseOptions, platformCallOptions } from './activity-options';
import { ChildPool } from './child-pool';
import { syncCampaignBatchWorkflow } from './sync-campaign-batch';
import { BATCH_ACTIVITY_PATCH, ONE_BATCH_IN_SYNC_PATCH, SEARCH_ATTRIBUTES_PATCH } from '../contract/versions';
import { syncCampaignsOfBatch } from './campaign-batch-loop';

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
 * A batch activity paces itself by the rate budget, so a page makes one batch and two batches in
 * flight keep the budget busy while the next page is listed.
 */
const DEFAULT_BATCHES_IN_FLIGHT = 2;

type ActivityProxies = ReturnType<typeof proxyActivities<Activities>>;

/** What a run knows once it has read the client's policy: how it pages, batches and retries. */
interface SyncPlan {
  policy: ClientPolicy;
  /** The earlier run whose unconfirmed campaigns a `--retry-failed` run syncs again. */
  retried: UnconfirmedCampaigns | undefined;
  /** The run the platform's confirmations count for: the retried one, else this one. */
  confirmingRun: string;
  fetchCampaignPage: ActivityProxies['fetchCampaignPage'];
  batchSize: number;
  maxBatchesInFlight: number;
}

/**
 * Syncs every campaign of one client: lists the campaigns page by page, upserts each page, and
 * fans the page's campaigns out to child workflows that call the platform's sync endpoint.
 */
export async function syncClientWorkflow(input: SyncClientInput): Promise<SyncSummary> {
  const problem = syncInputProblem(input);
  if (problem)
    throw ApplicationFailure.create({ type: FailureType.InvalidSyncInput, message: `Invalid sync input: ${problem}`, nonRetryable: true });
  // v1 (no BATCH_ACTIVITY_PATCH) is retired: runs still record the marker, so histories of v2 and
  // v3 replay and one of v1 no longer does (ARCHITECTURE.md, "Workflow versions").
  deprecatePatch(BATCH_ACTIVITY_PATCH);
  const keepsSearchAttributes = patched(SEARCH_ATTRIBUTES_PATCH);
  if (keepsSearchAttributes) addMissingSearchAttributes(input.clientId);
  const sync = new ClientSync(input, keepsSearchAttributes);
  setHandler(progressQuery, () => sync.progress());
  setHandler(batchProgressSignal, (update) => sync.batchProgressed(update));
  const plan = await sync.plan();
  try {
    await sync.syncCampaigns(plan);
    return await sync.complete(plan);
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    await sync.fail(plan, err);
    throw err;
  }
}

/** What a failure says, naming the step that failed when it was an activity (its own message is the root cause's). */
function syncFailureMessage(err: unknown): string {
  if (err instanceof ActivityFailure) return `${err.activityType} failed: ${err.cause?.message ?? err.message}`;
  if (err instanceof Error) return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
  return String(err);
}

/** A start from the CLI or a schedule sets them; one from elsewhere (`temporal workflow start`) may not. */
function addMissingSearchAttributes(clientId: string): void {
  const missing = syncSearchAttributes(clientId).filter(({ key }) => workflowInfo().typedSearchAttributes.get(key) === undefined);
  if (missing.length > 0) upsertSearchAttributes(missing);
}

/**
 * One run of a client's sync (continue-as-new carries its cursor to the next): its counters, the
 * campaigns it has seen, its batches in flight and what it is waiting for.
 */
class ClientSync {
  private readonly info = workflowInfo();
  // The short database steps run as local activities: in the workflow task that asks for them,
  // with no round trip through the server's task queue.
  private readonly db = proxyLocalActivities<Activities>(databaseOptions);
  private readonly pageSize: number;
  private readonly maxAttempts: number;
  private readonly cursor: SyncCursor;
  private readonly counts: SyncCounts;
  private readonly seen: Set<string>;
  private readonly failedCampaigns: FailedCampaign[];
  private readonly rejectedRecords: RejectedRecordReport[];
  /**
   * Campaigns confirmed so far by each batch still running, as the batch calls of an earlier
   * release signal them (it may run batches during a rolling upgrade; this release's calls send
   * no signal: a signal per rate window was most of a sync's workflow tasks, ARCHITECTURE.md).
   */
  private readonly liveSynced = new Map<string, number>();
  private readonly batches = new ChildPool((childId) => this.liveSynced.delete(childId));
  private state: SyncProgress['state'] = 'starting';
  private waitingFor = 'the client record';

  constructor(
    private readonly input: SyncClientInput,
    private readonly keepsSearchAttributes: boolean,
  ) {
    this.pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
    this.maxAttempts = maxAttemptsOf(input);
    this.cursor = input.resume ?? { syncRun: this.info.runId, nextPage: 1, total: null, counts: { ...NO_COUNTS } };
    // Cursors of older versions lack the newer counters.
    this.counts = this.cursor.counts = { ...NO_COUNTS, ...this.cursor.counts };
    this.seen = new Set<string>(this.cursor.previousPageIds);
    this.failedCampaigns = this.cursor.failedCampaigns ??= [];
    this.rejectedRecords = this.cursor.rejectedRecords ??= [];
  }

  progress(): SyncProgress {
    return {
      ...this.counts,
      synced: this.counts.synced + [...this.liveSynced.values()].reduce((a, b) => a + b, 0),
      clientId: this.input.clientId,
      state: this.state,
      waitingFor: this.waitingFor,
      total: this.cursor.total,
      batchesInFlight: this.batches.size,
      confirmedRun: this.input.retryFailed ? undefined : this.cursor.syncRun,
    };
  }

  batchProgressed({ batch, synced }: BatchProgress): void {
    if (this.batches.has(batch)) this.liveSynced.set(batch, Math.max(synced, this.liveSynced.get(batch) ?? 0));
    this.showProgress();
  }

  /** The Web UI's current details: what the sync has done and what it waits for. */
  private showProgress(): void {
    const p = this.progress();
    setCurrentDetails(
      `**${p.state}**, waiting for ${p.waitingFor}\n\n` +
        `pages ${p.pages} · listed ${p.listed}${p.total === null ? '' : ` of ${p.total}`} · synced ${p.synced} · failed ${p.failed} · rejected ${p.rejected}` +
        ` · batches in flight ${p.batchesInFlight}`,
    );
  }

  private waitFor(what: string): void {
    this.waitingFor = what;
    this.showProgress();
  }

  /**
   * Reads what a retry syncs again and the client's policy. A new sync reads its policy and records
   * itself running in one step; a run continued as new is recorded already.
   */
  async plan(): Promise<SyncPlan> {
    const { input, info, cursor } = this;
    // A retry syncs what an earlier run listed, and its confirmations count for that run.
    const retried = input.retryFailed ? await this.db.findFailedCampaigns(input.clientId) : undefined;
    const policy: ClientPolicy = input.resume
      ? await this.db.loadClientPolicy(input.clientId)
      : await this.db.startSyncRun({
          workflowId: info.workflowId,
          runId: cursor.syncRun,
          clientId: input.clientId,
          retryOf: retried?.syncRun,
        });
    const { fetchCampaignPage } = proxyActivities<Activities>(platformCallOptions(policy, this.maxAttempts));
    return {
      policy,
      retried,
      confirmingRun: retried?.syncRun ?? cursor.syncRun,
      fetchCampaignPage,
      batchSize: input.batchSize ?? this.pageSize,
      maxBatchesInFlight: input.maxBatchesInFlight ?? DEFAULT_BATCHES_IN_FLIGHT,
    };
  }

  private saveRun(plan: SyncPlan, status: SyncRunStatus, error?: string, listedEveryPage = false) {
    return this.db.recordSyncRun({
      workflowId: this.info.workflowId,
      runId: this.cursor.syncRun,
      clientId: this.input.clientId,
      status,
      counts: this.counts,
      error,
      retryOf: plan.retried?.syncRun,
      listedEveryPage,
    });
  }

  private recordOutcome(status: Exclude<SyncRunStatus, 'running'>): void {
    if (this.keepsSearchAttributes)
      upsertSearchAttributes([{ key: outcomeSearchAttribute, value: syncOutcome(status, this.counts.failed) }]);
  }

  /** Lists every page (or takes the retried campaigns) and syncs what it finds, until every batch is done. */
  async syncCampaigns(plan: SyncPlan): Promise<void> {
    if (this.input.retryFailed) {
      this.cursor.total = plan.retried?.campaignIds.length ?? 0;
      await this.startBatches(plan, plan.retried?.campaignIds ?? [], 'retry');
    } else {
      this.state = 'listing';
      await this.listEveryPage(plan);
    }
    this.state = 'finishing';
    await this.drainBatches();
  }

  async complete(plan: SyncPlan): Promise<SyncSummary> {
    this.state = 'completed';
    this.waitFor('nothing');
    const failed = this.counts.failed ? `${this.counts.failed} campaigns failed to sync` : undefined;
    // Histories of older versions recorded no count here.
    this.counts.removed = (await this.saveRun(plan, 'completed', failed, !this.input.retryFailed)) ?? 0;
    this.recordOutcome('completed');
    this.showProgress();
    return {
      ...this.progress(),
      workflowId: this.info.workflowId,
      failedCampaigns: this.failedCampaigns,
      rejectedRecords: this.rejectedRecords,
    };
  }

  async fail(plan: SyncPlan, err: unknown): Promise<void> {
    this.state = 'failed';
    this.waitFor('nothing');
    const status = isCancellation(err) ? 'cancelled' : 'failed';
    // The database may be what failed: the sync still fails with its own error, and the next sync
    // (or `campaign-sync runs`) records this run's end from Temporal (abandoned-runs.ts).
    await CancellationScope.nonCancellable(() => this.saveRun(plan, status, syncFailureMessage(err))).catch(() => undefined);
    this.recordOutcome(status);
  }

  /** Lists page after page, storing each and starting its batches, until the platform's list ends. */
  private async listEveryPage(plan: SyncPlan): Promise<void> {
    const { input, cursor, pageSize } = this;
    for (;;) {
      const page = cursor.nextPage;
      // Stop on total as well as has_more: the reference platform keeps saying has_more.
      if (cursor.total !== null && (page - 1) * pageSize >= cursor.total) return;
      this.waitFor(`page ${page}`);
      const listed = await plan.fetchCampaignPage.executeWithOptions({ summary: `page ${page} of client ${input.clientId}` }, [
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
      this.counts.pages += 1;
      this.reportRejected(page, listed.rejected);
      // Offset paging repeats a campaign when the list shifts between calls: store and sync it once.
      const fresh = listed.campaigns.filter((c) => !this.seen.has(c.id));
      fresh.forEach((c) => this.seen.add(c.id));
      cursor.previousPageIds = listed.campaigns.map((c) => c.id);
      // The reference platform keeps saying has_more: its total says when a page is the last.
      const lastPage = !listed.hasMore || listed.campaigns.length === 0 || listed.total <= page * pageSize;
      if (fresh.length > 0) await this.storeAndSyncPage(plan, page, fresh, page === 1 && lastPage);
      cursor.nextPage = page + 1;
      if (!listed.hasMore || listed.campaigns.length === 0) return;
      if (this.historyIsLong()) {
        await this.drainBatches();
        await this.saveRun(plan, 'running');
        await continueAsNew<typeof syncClientWorkflow>({ ...input, resume: cursor });
      }
    }
  }

  /** Stores a page and syncs its campaigns; `wholeListing`: it is the only page the sync lists. */
  private async storeAndSyncPage(plan: SyncPlan, page: number, fresh: Campaign[], wholeListing: boolean): Promise<void> {
    this.waitFor(`the database to store page ${page}`);
    // The workflow's clock is the same when the step runs again (a retry, a replay), so a page's
    // snapshots are written once.
    const stored = await this.db.upsertCampaignPage({
      clientId: this.input.clientId,
      syncRun: this.cursor.syncRun,
      campaigns: fresh,
      listedAt: new Date().toISOString(),
    });
    // Results recorded before records were isolated have no `refused`.
    const refused = new Set((stored.refused ?? []).map((r) => r.campaignId));
    this.counts.listed += fresh.length - refused.size;
    this.counts.inserted += stored.inserted;
    this.counts.updated += stored.updated;
    this.counts.unchanged += stored.unchanged;
    this.reportRejected(
      page,
      (stored.refused ?? []).map((r) => ({ position: null, id: r.campaignId, reason: r.reason })),
    );
    const campaignIds = fresh.filter((c) => !refused.has(c.id)).map((c) => c.id);
    // A child per batch keeps the calls and sleeps of many batches out of the sync's history; a
    // sync of one batch has none to keep out, and a child would double its fixed cost (a small
    // client's: ARCHITECTURE.md). patched() only where the choice is made, so larger syncs record
    // no marker.
    if (wholeListing && campaignIds.length <= plan.batchSize && patched(ONE_BATCH_IN_SYNC_PATCH)) {
      await this.syncBatchHere(plan, campaignIds);
    } else {
      await this.startBatches(plan, campaignIds, `p${page}`);
    }
  }

  /** Syncs a batch in this workflow, its count live in the sync's progress as each call ends. */
  private async syncBatchHere(plan: SyncPlan, campaignIds: string[]): Promise<void> {
    const key = 'this sync';
    const batch = { policy: plan.policy, syncRun: plan.confirmingRun, campaignIds, maxAttempts: this.maxAttempts };
    const result = await syncCampaignsOfBatch({ ...batch, label: `client ${this.input.clientId}` }, (sofar, pending, doing) => {
      this.liveSynced.set(key, sofar.synced);
      this.waitFor(`${pending} campaigns to sync: ${doing}`);
    });
    this.liveSynced.delete(key);
    this.batchFinished(result);
  }

  private reportRejected(page: number, records: Omit<RejectedRecordReport, 'page'>[]): void {
    this.counts.rejected += records.length;
    this.rejectedRecords.push(...records.slice(0, MAX_REPORTED_FAILURES - this.rejectedRecords.length).map((r) => ({ page, ...r })));
  }

  private historyIsLong(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > (this.input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS);
  }

  private async startBatches(plan: SyncPlan, ids: string[], keyPrefix: string): Promise<void> {
    for (let i = 0; i < ids.length; i += plan.batchSize) {
      await this.startBatch(plan, ids.slice(i, i + plan.batchSize), `${keyPrefix}-b${i / plan.batchSize}`);
    }
  }

  /** Starts a batch's child workflow once fewer than the most allowed are in flight. */
  private async startBatch(plan: SyncPlan, campaignIds: string[], key: string): Promise<void> {
    const { input, info } = this;
    const childId = `${info.workflowId}/${this.cursor.syncRun}/${key}`;
    const start = () =>
      executeChild(syncCampaignBatchWorkflow, {
        workflowId: childId,
        staticSummary: `${campaignIds.length} campaigns of client ${input.clientId} (${key}): ${campaignIds[0]} … ${campaignIds.at(-1)}`,
        typedSearchAttributes: [{ key: clientIdSearchAttribute, value: input.clientId }],
        args: [
          {
            policy: plan.policy,
            syncRun: plan.confirmingRun,
            campaignIds,
            maxAttempts: this.maxAttempts,
            batchActivity: true,
            parentWorkflowId: info.workflowId,
          },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      }).then(
        (result: CampaignBatchResult) => this.batchFinished(result),
        (err: unknown) => {
          if (isCancellation(err)) throw err;
          this.counts.failed += campaignIds.length;
        },
      );
    await this.batches.run(childId, plan.maxBatchesInFlight, start, (running) =>
      this.waitFor(`a free batch slot (${running} batches in flight)`),
    );
  }

  private batchFinished(result: CampaignBatchResult): void {
    this.counts.synced += result.synced;
    this.counts.failed += result.failed.length;
    this.failedCampaigns.push(...result.failed.slice(0, MAX_REPORTED_FAILURES - this.failedCampaigns.length));
    this.showProgress();
  }

  private async drainBatches(): Promise<void> {
    await this.batches.drain((running) => this.waitFor(`${running} campaign batches to finish`));
  }
}
