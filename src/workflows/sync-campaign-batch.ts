import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities, setCurrentDetails, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { maxAttemptsOf } from '../contract/retries';
import type { CampaignBatchInput, CampaignBatchResult } from '../contract/sync';
import { campaignBatchOptions } from './activity-options';

/** A batch wakes this long before its next rate slot, so the slot is not missed while it starts up. */
export const WAKE_BEFORE_SLOT_MS = 1000;

/**
 * Calls the platform's sync endpoint for every campaign of a batch. One activity sends as many
 * as the client's rate budget allows now, storing each confirmation as it comes; when the next
 * rate slot is further off, it hands back what is left and the batch sleeps durably until then.
 * A campaign that still fails after its retries is reported, not fatal to the batch.
 */
export async function syncCampaignBatchWorkflow(input: CampaignBatchInput): Promise<CampaignBatchResult> {
  const maxAttempts = maxAttemptsOf(input);
  let pending = input.campaignIds;
  const result: CampaignBatchResult = { synced: 0, failed: [] };
  /** The Web UI's current details. */
  const show = (doing: string) =>
    setCurrentDetails(
      `synced ${result.synced} · failed ${result.failed.length} · pending ${pending.length} of ${input.campaignIds.length}; ${doing}`,
    );
  while (pending.length > 0) {
    const { syncCampaignBatch } = proxyActivities<Activities>(campaignBatchOptions(input.policy, maxAttempts, pending.length));
    show('sending as the rate budget allows');
    let outcome;
    try {
      outcome = await syncCampaignBatch.executeWithOptions(
        { summary: `${pending.length} campaigns of client ${input.policy.id}: ${pending[0]} … ${pending.at(-1)}` },
        [
          {
            clientId: input.policy.id,
            syncRun: input.syncRun,
            campaignIds: pending,
            maxAttempts,
            progress: { workflowId: input.parentWorkflowId, syncedBefore: result.synced },
          },
        ],
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
      show(`waiting ${Math.round(outcome.nextSlotInMs / 1000)} s for the next rate slot`);
      await sleep(Math.max(0, outcome.nextSlotInMs - WAKE_BEFORE_SLOT_MS));
    }
  }
  show('done');
  return result;
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
