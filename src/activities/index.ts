import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type {
  CampaignBatchCall,
  CampaignPageRequest,
  CampaignPageUpsert,
  ClientPolicy,
  StoredPage,
  SyncRunRecord,
  SyncRunRecording,
  SyncRunStart,
  UnconfirmedCampaigns,
} from '../contract/activities';
import { FailureType } from '../contract/failure-types';
import { syncOutcome } from '../contract/sync';
import { NO_COUNTS, type SyncCounts } from '../contract/sync-counts';
import { markUnlistedCampaignsRemoved, unconfirmedCampaignIds } from '../db/campaigns';
import { findClient, type ClientRecord } from '../db/clients';
import { lastFinishedListingRun, otherRunningRuns, saveSyncRun, type RunningRun } from '../db/sync-runs';
import { repairAbandonedRuns } from '../temporal-ops/abandoned-runs';
import type { PlatformApi } from '../platform/api';
import type { CredentialStore } from '../platform/credentials';
import { PlatformError } from '../platform/errors';
import { TokenCache } from '../platform/token-cache';
import type { SyncMetrics } from '../metrics';
import { syncCampaignBatch, type CampaignBatchDependencies } from './campaign-batch';
import { toActivityFailure } from './failures';
import { storePage } from './page-store';
import { withHeartbeats } from './heartbeats';
import { sendInRateSlot } from './rate-budget';

export interface ActivityDependencies {
  pool: Pool;
  platform: PlatformApi;
  credentials: CredentialStore;
  metrics: SyncMetrics;
}

/**
 * Wraps an activity's work so that what goes wrong becomes the typed failure Temporal records,
 * scrubbed of every secret the worker has handled; a cancellation stays one, for Temporal to see.
 */
function failureReporter(secrets: ReadonlySet<string>) {
  return async function reported<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const context = Context.current();
      if (context.cancellationSignal.aborted) throw err;
      throw toActivityFailure(err, [...secrets], context.info.attempt);
    }
  };
}

async function loadClient(pool: Pool, clientId: string): Promise<ClientRecord> {
  const client = await findClient(pool, clientId);
  if (!client) {
    throw ApplicationFailure.create({
      type: FailureType.UnknownClient,
      message: `Unknown client "${clientId}": add it with \`campaign-sync clients add ${clientId} ...\``,
    });
  }
  return client;
}

/** A disabled client is refused for good: enabling it is a person's decision, not a retry's. */
async function loadEnabledPolicy(pool: Pool, clientId: string): Promise<ClientPolicy> {
  const client = await loadClient(pool, clientId);
  if (!client.enabled) {
    throw ApplicationFailure.create({
      type: FailureType.ClientDisabled,
      message: `Client "${clientId}" is disabled; enable it to sync`,
      nonRetryable: true,
    });
  }
  return { id: client.id, rateLimit: client.rateLimit, rateWindowMs: client.rateWindowMs };
}

/** Tokens from the platform for the client's credentials; each credential and token joins the secrets to scrub. */
function platformTokens({ pool, platform, credentials, metrics }: ActivityDependencies, secrets: Set<string>): TokenCache {
  return new TokenCache(async (clientId) => {
    const client = await loadClient(pool, clientId);
    // Refuses, before any password leaves, an API URL on another host than the credentials name.
    const creds = credentials.get(client.credentialsRef, client.apiBaseUrl);
    secrets.add(creds.password).add(Buffer.from(`${creds.email}:${creds.password}`).toString('base64'));
    const issued = await platform.requestToken(client.apiBaseUrl, client.id, creds, Context.current().cancellationSignal);
    secrets.add(issued.accessToken);
    metrics.tokenIssued(client.id);
    return issued;
  });
}

/** A platform request: `sendBy` (this process's clock) is when it must be written by, or not sent. */
type PlatformCall<T> = (client: ClientRecord, token: string, timing: { signal: AbortSignal; sendBy: number }) => Promise<T>;

/**
 * One platform request for a client: a slot from the shared rate budget (however far off), a
 * token, the call. A token the platform calls expired is replaced once within the attempt;
 * every other failure goes to Temporal's retry policy as a typed failure.
 */
function rateLimitedCaller({ pool, metrics, credentials }: ActivityDependencies, tokens: TokenCache) {
  return async function callPlatform<T>(clientId: string, call: PlatformCall<T>): Promise<T> {
    const client = await loadClient(pool, clientId);
    // Credentials edited in the secrets file since the token was issued: a new token, from the new ones.
    tokens.useCredentials(client.id, credentials.revision(client.credentialsRef));
    const signal = Context.current().cancellationSignal;
    for (let renewed = false; ; renewed = true) {
      // A token first: asking for one after the slot has come would send the call late.
      await tokens.get(client.id);
      const askedAt = Date.now();
      let token = '';
      try {
        return await sendInRateSlot(pool, client, {
          prepare: async () => {
            metrics.rateBudgetWait(client.id, Date.now() - askedAt);
            token = await tokens.get(client.id);
          },
          send: (sendBy) => withHeartbeats(call(client, token, { signal, sendBy })),
          missed: () => metrics.rateSlotMissed(client.id),
        });
      } catch (err) {
        if (err instanceof PlatformError && err.kind === FailureType.PlatformTokenExpired && !renewed) {
          tokens.invalidate(client.id, token);
          continue;
        }
        throw err;
      }
    }
  };
}

/** A run that completed after listing every page: the client's campaigns it did not list are gone from the platform. */
async function markRemovedCampaigns(pool: Pool, run: SyncRunRecord, listedEveryPage: boolean): Promise<number> {
  return listedEveryPage && run.status === 'completed' ? markUnlistedCampaignsRemoved(pool, run.clientId, run.runId) : 0;
}

function countFinishedSync(
  metrics: SyncMetrics,
  clientId: string,
  status: 'completed' | 'failed' | 'cancelled',
  counts: SyncCounts,
  durationMs: number,
): void {
  metrics.campaigns(clientId, 'failed', counts.failed);
  metrics.campaigns(clientId, 'removed', counts.removed);
  metrics.syncFinished(clientId, syncOutcome(status, counts.failed), durationMs);
}

/**
 * A client's earlier runs still recorded as running get the end Temporal knows (terminated, timed
 * out, or failed while the database was away), so `runs` never shows a closed sync as running.
 * Best effort: a sync does not wait on Temporal's answer to start.
 */
async function repairEarlierRuns(pool: Pool, run: RunningRun & { clientId: string }): Promise<void> {
  const earlier = await otherRunningRuns(pool, run.clientId, run);
  if (earlier.length === 0) return;
  const context = Context.current();
  try {
    const repaired = await repairAbandonedRuns(pool, context.client, earlier);
    if (repaired > 0) context.log.info(`recorded the end of ${repaired} earlier runs of client ${run.clientId} that had not recorded it`);
  } catch (err) {
    context.log.warn(`could not check earlier runs of client ${run.clientId} against Temporal: ${String(err)}`);
  }
}

type Reported = ReturnType<typeof failureReporter>;
type CallPlatform = ReturnType<typeof rateLimitedCaller>;

/** A sync's bookkeeping: its client's policy, and its row in sync_runs from start to finish. */
function syncRunActivities({ pool, metrics }: ActivityDependencies, reported: Reported) {
  return {
    loadClientPolicy: (clientId: string) => loadEnabledPolicy(pool, clientId),

    /** A sync's first step: the client's policy, and its sync_runs row written as running. */
    async startSyncRun(run: SyncRunStart): Promise<ClientPolicy> {
      const policy = await loadEnabledPolicy(pool, run.clientId);
      await reported(async () => {
        await saveSyncRun(pool, { ...run, status: 'running', counts: NO_COUNTS });
        await repairEarlierRuns(pool, run);
      });
      return policy;
    },

    /**
     * Writes the run's row, in three steps when the run has finished: campaigns it did not list
     * are marked removed (returned: how many), the row is written, the metrics count the sync.
     */
    async recordSyncRun(input: SyncRunRecording): Promise<number> {
      const { listedEveryPage = false, ...run } = input;
      return reported(async () => {
        const removed = await markRemovedCampaigns(pool, run, listedEveryPage);
        const counts = { ...run.counts, removed };
        const { durationMs } = await saveSyncRun(pool, { ...run, counts });
        if (run.status !== 'running') countFinishedSync(metrics, run.clientId, run.status, counts, durationMs);
        return removed;
      });
    },

    /** For `sync --retry-failed`: the last finished listing run, and the campaigns it listed but did not get confirmed. */
    async findFailedCampaigns(clientId: string): Promise<UnconfirmedCampaigns | undefined> {
      return reported(async () => {
        const syncRunId = await lastFinishedListingRun(pool, clientId);
        return syncRunId === undefined
          ? undefined
          : { syncRun: syncRunId, campaignIds: await unconfirmedCampaignIds(pool, clientId, syncRunId) };
      });
    },
  };
}

/** Listing a client's campaigns page by page, storing each page, and syncing them a batch at a time. */
function campaignActivities(
  { pool, platform, metrics }: ActivityDependencies,
  reported: Reported,
  callPlatform: CallPlatform,
  batchDeps: CampaignBatchDependencies,
) {
  return {
    async fetchCampaignPage(input: CampaignPageRequest) {
      const page = await reported(() =>
        callPlatform(input.clientId, (client, token, { signal, sendBy }) =>
          platform.listCampaigns(client.apiBaseUrl, token, client.id, input.page, input.pageSize, signal, sendBy),
        ),
      );
      metrics.campaigns(input.clientId, 'rejected', page.rejected.length);
      return page;
    },

    /** Stores a page; records PostgreSQL refuses are reported, the rest stored (page-store.ts). */
    async upsertCampaignPage(input: CampaignPageUpsert): Promise<StoredPage> {
      const stored = await reported(() => storePage(pool, input.clientId, input.syncRun, input.campaigns, input.listedAt));
      metrics.campaigns(input.clientId, 'rejected', stored.refused.length);
      return stored;
    },

    /** Syncs a batch of campaigns as fast as the client's rate budget allows (see campaign-batch.ts). */
    async syncCampaignBatch(call: CampaignBatchCall) {
      return reported(async () => syncCampaignBatch(batchDeps, await loadClient(pool, call.clientId), call));
    },
  };
}

/** Activities are plain async functions over injected dependencies, as in Temporal's samples. */
export function createActivities(deps: ActivityDependencies) {
  // Passwords, Basic headers and tokens the worker has handled; scrubbed from every failure message.
  const secrets = new Set<string>();
  const reported = failureReporter(secrets);
  const tokens = platformTokens(deps, secrets);
  const callPlatform = rateLimitedCaller(deps, tokens);
  const batchDeps = { pool: deps.pool, platform: deps.platform, tokens, metrics: deps.metrics, secrets: () => [...secrets] };
  return {
    ...syncRunActivities(deps, reported),
    ...campaignActivities(deps, reported, callPlatform, batchDeps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
