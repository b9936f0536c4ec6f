// A sync as other processes see it: its input and result, the names that reach it (workflow id,
// progress query, the signal a batch activity sends its live count with, search attributes), and
// its batches' input and result. Recorded histories hold these shapes and names, so they change
// only by adding optional fields. Imported by the CLI, activities and metrics as well as workflows,
// so nothing here may pull in workflow logic; the Temporal helpers only build names.
import { defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ClientPolicy, FailedCampaign } from './activities';
import type { SyncCounts } from './sync-counts';

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
  failedCampaigns?: FailedCampaign[];
  rejectedRecords?: RejectedRecordReport[];
}

/** A listed record that is not a valid campaign; `position` is null for a record PostgreSQL refused after listing. */
export interface RejectedRecordReport {
  page: number;
  position: number | null;
  id: string | null;
  reason: string;
}

export interface SyncSummary extends SyncProgress {
  workflowId: string;
  /** Campaigns the platform would not sync after every retry (the first 100), with why. */
  failedCampaigns: FailedCampaign[];
  /** Records the platform sent that are not valid campaigns (the first 100), with why. */
  rejectedRecords: RejectedRecordReport[];
}

/** What `scheduledSyncWorkflow` returns: the sync's summary, or why it did not run one. */
export type ScheduledSyncOutcome = { ran: true; summary: SyncSummary } | { ran: false; reason: string };

export interface CampaignBatchInput {
  policy: ClientPolicy;
  syncRun: string;
  campaignIds: string[];
  maxAttempts?: number;
  /**
   * Every batch syncs with one activity per rate window now. Still sent: during a rolling upgrade
   * a worker of a release before v1's retirement may run the batch, and it runs a batch without
   * this flag one activity per campaign.
   */
  batchActivity: true;
  /**
   * The client workflow. Batches no longer signal it their live count (the CLI counts
   * confirmations in the database); still sent because a worker of an earlier release may run
   * the batch during a rolling upgrade, and its batch signals there.
   */
  parentWorkflowId: string;
}

export interface CampaignBatchResult {
  synced: number;
  failed: FailedCampaign[];
}

/** What the `progress` query answers: the run's counters so far and what it is waiting for. */
export interface SyncProgress extends SyncCounts {
  clientId: string;
  state: 'starting' | 'listing' | 'finishing' | 'completed' | 'failed';
  waitingFor: string;
  total: number | null;
  batchesInFlight: number;
  /**
   * The sync run every campaign confirmed in the database for this client counts for, when all
   * of them are this sync's (not for a retry, which confirms for the run it retries). `synced`
   * counts finished batch calls; the CLI adds the live count from the database with it.
   */
  confirmedRun?: string;
}

export const progressQuery = defineQuery<SyncProgress>('progress');

/** How many campaigns of one batch the platform has confirmed so far (a running total, not an increment). */
export interface BatchProgress {
  batch: string;
  synced: number;
}

export const batchProgressSignal = defineSignal<[BatchProgress]>('batchProgress');

/** Workflow ids carry the client id, so one client has at most one sync running. */
export const syncWorkflowId = (clientId: string) => `campaign-sync-${clientId}`;

/**
 * A client's Temporal Schedule; the workflows it starts are named after it (with a timestamp).
 * The `/` keeps these names apart from every sync's workflow id: client ids have none.
 */
export const scheduleId = (clientId: string) => `campaign-sync-schedule/${clientId}`;

/** How a sync ended: the CampaignSyncOutcome search attribute and the metrics say it this way. */
export type SyncOutcome = 'running' | 'completed' | 'completed-with-failures' | 'failed' | 'cancelled';

export const syncOutcome = (status: 'completed' | 'failed' | 'cancelled', failedCampaigns: number): SyncOutcome =>
  status === 'completed' && failedCampaigns > 0 ? 'completed-with-failures' : status;

/**
 * Custom search attributes (Keyword), so "all syncs of client X" and "failed syncs" are one
 * filter away in the Web UI and `temporal workflow list`. Registered on the namespace by
 * `npm start`, the tests' dev server and the production stack (SEARCH_ATTRIBUTES).
 */
export const clientIdSearchAttribute = defineSearchAttributeKey('CampaignSyncClientId', 'KEYWORD');
export const outcomeSearchAttribute = defineSearchAttributeKey('CampaignSyncOutcome', 'KEYWORD');
export const SEARCH_ATTRIBUTES = [clientIdSearchAttribute, outcomeSearchAttribute];

/** What a client's sync carries from its start: its client, and that it runs. */
export const syncSearchAttributes = (clientId: string): SearchAttributePair[] => [
  { key: clientIdSearchAttribute, value: clientId },
  { key: outcomeSearchAttribute, value: 'running' },
];

/**
 * How every start of a client's sync (CLI, schedule) names and describes it: the per-client id,
 * the search attributes, and the summary and details the Web UI shows.
 */
export const clientSyncStart = (clientId: string) => ({
  workflowId: syncWorkflowId(clientId),
  typedSearchAttributes: syncSearchAttributes(clientId),
  staticSummary: `Campaign sync of client ${clientId}`,
  staticDetails:
    `Lists the campaigns of client **${clientId}** on the ad platform page by page, stores each page in PostgreSQL, ` +
    "and has the platform sync every campaign, in child workflows of one batch each, within the client's rate budget.",
});
