// Names other processes use to reach a sync: its workflow id, its progress query, and the signal
// a batch activity sends its live count with. Imported by the CLI and by activities, so nothing
// here may pull in workflow logic.
import { defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SyncCounts } from '../sync-counts';

/** What the `progress` query answers: the run's counters so far and what it is waiting for. */
export interface SyncProgress extends SyncCounts {
  clientId: string;
  state: 'starting' | 'listing' | 'finishing' | 'completed' | 'failed';
  waitingFor: string;
  total: number | null;
  batchesInFlight: number;
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
