import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { markCampaignsSynced, markUnlistedCampaignsRemoved, unconfirmedCampaignIds, upsertCampaigns, type SyncConfirmation } from '../db/campaigns';
import { findClient, type ClientRecord } from '../db/clients';
import { lastFinishedListingRun, saveSyncRun, type SyncRunRecord } from '../db/sync-runs';
import { NO_COUNTS } from '../sync-counts';
import type { Campaign } from '../platform/campaign';
import type { PlatformClient } from '../platform/client';
import type { CredentialStore } from '../platform/credentials';
import { PlatformError } from '../platform/errors';
import { TokenCache } from '../platform/token-cache';
import { FailureType } from '../failure-types';
import type { SyncMetrics } from '../metrics';
import { syncOutcome } from '../workflows/definitions';
import { syncCampaignBatch, type CampaignBatchCall } from './campaign-batch';
import { toActivityFailure } from './failures';
import { waitForRateSlot } from './rate-budget';

export type { CampaignBatchCall, CampaignBatchOutcome } from './campaign-batch';

export interface ActivityDependencies {
  pool: Pool;
  platform: PlatformClient;
  credentials: CredentialStore;
  metrics: SyncMetrics;
}

/** What a workflow may know of a client: no credentials. */
export interface ClientPolicy {
  id: string;
  rateLimit: number;
  rateWindowMs: number;
}

const HEARTBEAT_EVERY_MS = 2000;

/** Keeps heartbeating while a request is in flight, so a dead worker is noticed quickly. */
async function withHeartbeats<T>(work: Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** Activities are plain async functions over injected dependencies, as in Temporal's samples. */
export function createActivities({ pool, platform, credentials, metrics }: ActivityDependencies) {
  // Passwords, Basic headers and tokens the worker has handled; scrubbed from every failure message.
  const secrets = new Set<string>();

  /**
   * Runs an activity's work; what goes wrong becomes the typed, scrubbed failure Temporal
   * records, except a cancellation, which Temporal must see as one.
   */
  async function reported<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (Context.current().cancellationSignal.aborted) throw err;
      throw toActivityFailure(err, [...secrets]);
    }
  }

  async function loadClient(clientId: string): Promise<ClientRecord> {
    const client = await findClient(pool, clientId);
    if (!client) {
      throw ApplicationFailure.create({
        type: FailureType.UnknownClient,
        message: `Unknown client "${clientId}": add it with \`campaign-sync clients add ${clientId} ...\``,
      });
    }
    return client;
  }

  async function loadEnabledPolicy(clientId: string): Promise<ClientPolicy> {
    const client = await loadClient(clientId);
    if (!client.enabled) {
      throw ApplicationFailure.create({ type: FailureType.ClientDisabled, message: `Client "${clientId}" is disabled; enable it to sync`, nonRetryable: true });
    }
    return { id: client.id, rateLimit: client.rateLimit, rateWindowMs: client.rateWindowMs };
  }

  const tokens = new TokenCache(async (clientId) => {
    const client = await loadClient(clientId);
    const creds = credentials.get(client.credentialsRef);
    secrets.add(creds.password).add(Buffer.from(`${creds.email}:${creds.password}`).toString('base64'));
    const issued = await platform.requestToken(client.apiBaseUrl, client.id, creds, Context.current().cancellationSignal);
    secrets.add(issued.accessToken);
    metrics.tokenIssued(client.id);
    return issued;
  });

  /**
   * One platform request for a client: a slot from the shared rate budget (however far off), a
   * token, the call. A token the platform calls expired is replaced once within the attempt;
   * every other failure goes to Temporal's retry policy as a typed failure.
   */
  async function callPlatform<T>(clientId: string, call: (client: ClientRecord, token: string, signal: AbortSignal) => Promise<T>): Promise<T> {
    const client = await loadClient(clientId);
    for (let renewed = false; ; renewed = true) {
      // A token first: asking for one after the slot has come would send the call late.
      await tokens.get(client.id);
      const askedAt = Date.now();
      const token = await waitForRateSlot(pool, client, () => tokens.get(client.id));
      metrics.rateBudgetWait(client.id, Date.now() - askedAt);
      try {
        return await withHeartbeats(call(client, token, Context.current().cancellationSignal));
      } catch (err) {
        if (err instanceof PlatformError && err.kind === FailureType.PlatformTokenExpired && !renewed) {
          tokens.invalidate(client.id, token);
          continue;
        }
        throw err;
      }
    }
  }

  return {
    loadClientPolicy: loadEnabledPolicy,

    /** A sync's first step: the client's policy, and its sync_runs row written as running. */
    async startSyncRun(run: { workflowId: string; runId: string; clientId: string; retryOf?: string }): Promise<ClientPolicy> {
      const policy = await loadEnabledPolicy(run.clientId);
      await reported(() => saveSyncRun(pool, { ...run, status: 'running', counts: NO_COUNTS }));
      return policy;
    },

    async fetchCampaignPage(input: { clientId: string; page: number; pageSize: number }) {
      const page = await reported(() =>
        callPlatform(input.clientId, (client, token, signal) =>
          platform.listCampaigns(client.apiBaseUrl, token, client.id, input.page, input.pageSize, signal),
        ),
      );
      metrics.campaigns(input.clientId, 'rejected', page.rejected.length);
      return page;
    },

    async upsertCampaignPage(input: { clientId: string; syncRun: string; campaigns: Campaign[] }) {
      return reported(() => upsertCampaigns(pool, input.clientId, input.syncRun, input.campaigns));
    },

    /** Syncs a batch of campaigns as fast as the client's rate budget allows (see campaign-batch.ts). */
    async syncCampaignBatch(call: CampaignBatchCall) {
      return reported(async () =>
        syncCampaignBatch({ pool, platform, tokens, metrics, secrets: () => [...secrets] }, await loadClient(call.clientId), call),
      );
    },

    /**
     * Writes the run's row. A completed run that listed every page first marks the client's
     * campaigns it did not list as removed, and returns how many (otherwise 0).
     */
    async recordSyncRun(run: SyncRunRecord & { listedEveryPage?: boolean }): Promise<number> {
      const { listedEveryPage, ...record } = run;
      return reported(async () => {
        const removed = listedEveryPage && run.status === 'completed' ? await markUnlistedCampaignsRemoved(pool, run.clientId, run.runId) : 0;
        const { durationMs } = await saveSyncRun(pool, { ...record, counts: { ...record.counts, removed } });
        if (run.status !== 'running') {
          metrics.campaigns(run.clientId, 'failed', run.counts.failed);
          metrics.campaigns(run.clientId, 'removed', removed);
          metrics.syncFinished(run.clientId, syncOutcome(run.status, run.counts.failed), durationMs);
        }
        return removed;
      });
    },

    /** For `sync --retry-failed`: the last finished listing run, and the campaigns it listed but did not get confirmed. */
    async findFailedCampaigns(clientId: string): Promise<{ syncRun: string; campaignIds: string[] } | undefined> {
      return reported(async () => {
        const syncRunId = await lastFinishedListingRun(pool, clientId);
        // `syncRun` is the result's name in recorded histories.
        return syncRunId === undefined ? undefined : { syncRun: syncRunId, campaignIds: await unconfirmedCampaignIds(pool, clientId, syncRunId) };
      });
    },

    /** For batches started before the batch activity: one campaign per activity. */
    async syncCampaign(input: { clientId: string; campaignId: string }) {
      const { syncedAt } = await reported(() =>
        callPlatform(input.clientId, (client, token, signal) =>
          platform.syncCampaign(client.apiBaseUrl, token, client.id, input.campaignId, signal),
        ),
      );
      return { campaignId: input.campaignId, syncedAt };
    },

    /** For batches started before the batch activity: their confirmations, stored at the batch's end. */
    async recordCampaignsSynced(input: { clientId: string; confirmations: SyncConfirmation[] }) {
      await reported(() => markCampaignsSynced(pool, input.clientId, null, input.confirmations));
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
