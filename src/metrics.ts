import type { MetricMeter } from '@temporalio/common';
import type { SyncOutcome } from './contract/sync';
import type { PlatformEndpoint, PlatformMisbehaviour } from './platform/api';

// What campaign-sync measures, served with the Temporal SDK's own metrics on every worker's
// /metrics (WORKER_METRICS_PORT). Labels carry client ids, endpoints and outcomes, never a secret.

export interface SyncMetrics {
  /** One request answered (status: the HTTP code) or not (`timeout`, `network`). */
  platformRequest(clientId: string, endpoint: PlatformEndpoint, status: string): void;
  /** An answer outside the bounds: refused (oversized, too many records, malformed) or a wait clamped. */
  platformMisbehaved(clientId: string, endpoint: PlatformEndpoint, kind: PlatformMisbehaviour): void;
  /** How long a request waited for its slot in the client's rate budget. */
  rateBudgetWait(clientId: string, waitedMs: number): void;
  /** A request not sent because its slot had passed before it could be: the slot given back, another taken. */
  rateSlotMissed(clientId: string): void;
  tokenIssued(clientId: string): void;
  campaigns(clientId: string, result: 'synced' | 'failed' | 'rejected' | 'removed', count: number): void;
  syncFinished(clientId: string, outcome: SyncOutcome, durationMs: number): void;
}

export const METRIC_NAMES = {
  platformRequests: 'campaign_sync_platform_requests',
  platformMisbehaviour: 'campaign_sync_platform_misbehaviour',
  rateBudgetWait: 'campaign_sync_rate_budget_wait_seconds',
  rateSlotsMissed: 'campaign_sync_rate_slots_missed',
  tokensIssued: 'campaign_sync_tokens_issued',
  campaigns: 'campaign_sync_campaigns',
  syncsFinished: 'campaign_sync_syncs_finished',
  syncDuration: 'campaign_sync_sync_duration_seconds',
} as const;

/** Bucket bounds in seconds: rate-budget waits reach a window (60 s at the reference), syncs hours. */
export const HISTOGRAM_BUCKETS: Record<string, number[]> = {
  [METRIC_NAMES.rateBudgetWait]: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
  [METRIC_NAMES.syncDuration]: [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400],
};

export function createSyncMetrics(meter: MetricMeter): SyncMetrics {
  const counter = (name: string, description: string) => meter.createCounter(name, undefined, description);
  const secondsHistogram = (name: string, description: string) => meter.createHistogram(name, 'float', undefined, description);
  const requests = counter(
    METRIC_NAMES.platformRequests,
    'Requests to the ad platform by client, endpoint and status (HTTP code, timeout or network)',
  );
  const misbehaviour = counter(
    METRIC_NAMES.platformMisbehaviour,
    'Answers of the ad platform outside the bounds, by client, endpoint and kind (oversized_body, too_many_records, malformed_answer, retry_after_clamped)',
  );
  const waits = secondsHistogram(METRIC_NAMES.rateBudgetWait, "Time a request waited for its slot in the client's rate budget");
  const missed = counter(
    METRIC_NAMES.rateSlotsMissed,
    'Requests not sent in their rate slot because the worker could not send them in time (a busy or paused worker): each took a later slot',
  );
  const tokens = counter(METRIC_NAMES.tokensIssued, 'Access tokens obtained from the platform (first ones and renewals)');
  const campaigns = counter(
    METRIC_NAMES.campaigns,
    'Campaigns synced (confirmed by the platform), failed (after every retry), rejected (invalid records) and marked removed (no longer listed), by client',
  );
  const finished = counter(METRIC_NAMES.syncsFinished, 'Syncs finished, by client and outcome');
  const durations = secondsHistogram(METRIC_NAMES.syncDuration, 'Duration of finished syncs, by client and outcome');
  return {
    platformRequest: (client, endpoint, status) => requests.add(1, { client, endpoint, status }),
    platformMisbehaved: (client, endpoint, kind) => misbehaviour.add(1, { client, endpoint, kind }),
    rateBudgetWait: (client, waitedMs) => waits.record(Math.max(0, waitedMs) / 1000, { client }),
    rateSlotMissed: (client) => missed.add(1, { client }),
    tokenIssued: (client) => tokens.add(1, { client }),
    campaigns: (client, result, count) => {
      if (count > 0) campaigns.add(count, { client, result });
    },
    syncFinished: (client, outcome, durationMs) => {
      finished.add(1, { client, outcome });
      durations.record(durationMs / 1000, { client, outcome });
    },
  };
}
