// What workflows hand activities and get back. Recorded histories hold these shapes as JSON, so a
// field may be added (optional) but never renamed or removed: old histories must still replay.
import type { SyncCounts } from './sync-counts';

/** What a workflow may know of a client: no credentials. */
export interface ClientPolicy {
  id: string;
  rateLimit: number;
  rateWindowMs: number;
}

/** `startSyncRun`: the sync_runs row a sync writes as running, keyed by workflow id and first run id. */
export interface SyncRunStart {
  workflowId: string;
  runId: string;
  clientId: string;
  retryOf?: string;
}

export type SyncRunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

export interface SyncRunRecord {
  workflowId: string;
  /** The first run's id: it stays the same across continue-as-new. */
  runId: string;
  clientId: string;
  status: SyncRunStatus;
  counts: SyncCounts;
  error?: string;
  /** `sync --retry-failed`: the run whose failed campaigns this one synced again. */
  retryOf?: string;
}

/** `recordSyncRun`: a run that listed every page marks what it did not list as removed. */
export type SyncRunRecording = SyncRunRecord & { listedEveryPage?: boolean };

/** `findFailedCampaigns`: the last finished listing run (`syncRun` is its name in recorded histories) and what it left unconfirmed. */
export interface UnconfirmedCampaigns {
  syncRun: string;
  campaignIds: string[];
}

export interface CampaignPageRequest {
  clientId: string;
  page: number;
  pageSize: number;
}

/**
 * A campaign as the platform lists it; fields not modelled yet are kept, so the stored
 * platform_record is the whole record. PlatformApi's schema (src/platform/campaign.ts)
 * must produce this shape.
 */
export interface Campaign {
  id: string;
  name: string;
  status: string;
  budget: number;
  impressions: number;
  clicks: number;
  conversions: number;
  created_at: string;
  [field: string]: unknown;
}

/** A record of a listed page that is not a valid campaign, by its position on the page. */
export interface RejectedRecord {
  position: number;
  id: string | null;
  reason: string;
}

/** `fetchCampaignPage`'s result. */
export interface CampaignPage {
  campaigns: Campaign[];
  /** Records on the page that are not valid campaigns; the rest of the page still counts. */
  rejected: RejectedRecord[];
  total: number;
  hasMore: boolean;
}

/** `upsertCampaignPage`: the new campaigns of one listed page. */
export interface CampaignPageUpsert {
  clientId: string;
  syncRun: string;
  campaigns: Campaign[];
  /** When the sync read the page (its workflow's clock): the time of the campaigns' snapshots. */
  listedAt: string;
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** A campaign PostgreSQL would not store, and why (its SQLSTATE and message). */
export interface RefusedCampaign {
  campaignId: string;
  reason: string;
}

export interface StoredPage extends UpsertCounts {
  /** Absent in results recorded before records were isolated. */
  refused?: RefusedCampaign[];
}

/** A campaign the platform would not sync (refused, or failing through the last attempt), and why. */
export interface FailedCampaign {
  campaignId: string;
  error: string;
}

export interface CampaignBatchCall {
  clientId: string;
  syncRun: string;
  campaignIds: string[];
  /** On its last attempt a call reports the campaigns that keep failing instead of failing itself. */
  maxAttempts: number;
}

export interface CampaignBatchOutcome {
  /** Campaigns of this call the platform has confirmed in this sync (earlier attempts included). */
  synced: number;
  /** Campaigns the platform refused, or that kept failing through the last attempt. */
  failed: FailedCampaign[];
  /** Campaigns left for a later call: their rate slots are further off than a call waits. */
  pending: string[];
  /** When `pending` is not empty: how long until the client's next free rate slot. */
  nextSlotInMs?: number;
}

/** The platform's confirmation that it synced a campaign. */
export interface SyncConfirmation {
  campaignId: string;
  syncedAt: string;
}
