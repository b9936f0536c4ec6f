import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ClientPolicy } from '../contract/activities';
import type { CampaignBatchResult } from '../contract/sync';
import { campaignBatchOptions } from './activity-options';

/** A batch wakes this long before its next rate slot, so the slot is not missed while it starts up. */
const WAKE_BEFORE_SLOT_MS = 1000;

/** What a batch syncs: campaigns of one client, confirmed for one sync run. */
export interface CampaignBatch {
  policy: ClientPolicy;
  syncRun: string;
  campaignIds: string[];
  maxAttempts: number;
  /** Names the calls in the Web UI and in the history. */
  label: string;
}

/**
 * Calls the platform's sync endpoint for every campaign of a batch. One activity sends as many
 * as the client's rate budget allows now, storing each confirmation as it comes; when the next
 * rate slot is further off, it hands back what is left and the batch sleeps durably until then.
 * A campaign that still fails after its retries is reported, not fatal to the batch. `show` hears
 * what the batch has done and what it does next (the Web UI's details). Runs in a batch's child
 * workflow, or in the sync itself when the whole sync is one batch.
 */
export async function syncCampaignsOfBatch(
  batch: CampaignBatch,
  show: (result: CampaignBatchResult, pending: number, doing: string) => void,
): Promise<CampaignBatchResult> {
  const { policy, syncRun, maxAttempts, label } = batch;
  let pending = batch.campaignIds;
  const result: CampaignBatchResult = { synced: 0, failed: [] };
  while (pending.length > 0) {
    const { syncCampaignBatch } = proxyActivities<Activities>(campaignBatchOptions(policy, maxAttempts, pending.length));
    show(result, pending.length, 'sending as the rate budget allows');
    let outcome;
    try {
      outcome = await syncCampaignBatch.executeWithOptions(
        { summary: `${pending.length} campaigns of ${label}: ${pending[0]} … ${pending.at(-1)}` },
        [{ clientId: policy.id, syncRun, campaignIds: pending, maxAttempts }],
      );
    } catch (err) {
      // Out of attempts, or a failure no retry can fix: what is confirmed stays confirmed.
      if (isCancellation(err)) throw err;
      result.failed.push(...pending.map((campaignId) => ({ campaignId, error: failureMessage(err) })));
      break;
    }
    result.synced += outcome.synced;
    result.failed.push(...outcome.failed);
    pending = outcome.pending;
    if (pending.length > 0 && outcome.nextSlotInMs !== undefined) {
      show(result, pending.length, `waiting ${Math.round(outcome.nextSlotInMs / 1000)} s for the next rate slot`);
      await sleep(Math.max(0, outcome.nextSlotInMs - WAKE_BEFORE_SLOT_MS));
    }
  }
  show(result, 0, 'done');
  return result;
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
