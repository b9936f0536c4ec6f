import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities, ClientPolicy } from '../activities';
import { databaseOptions, platformCallOptions } from './activity-options';

export interface CampaignBatchInput {
  policy: ClientPolicy;
  syncRun: string;
  campaignIds: string[];
  maxAttempts?: number;
}

export interface CampaignBatchResult {
  synced: number;
  failed: { campaignId: string; error: string }[];
}

const { recordCampaignsSynced } = proxyActivities<Activities>(databaseOptions);

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Calls the platform's sync endpoint for each campaign of a batch, one after another (the
 * client's rate budget, not this loop, sets the pace), then stores the confirmations at once.
 * A campaign that still fails after its retries is reported, not fatal to the batch.
 */
export async function syncCampaignBatchWorkflow(input: CampaignBatchInput): Promise<CampaignBatchResult> {
  const { syncCampaign } = proxyActivities<Activities>(platformCallOptions(input.policy, input.maxAttempts ?? 25));
  const confirmations: { campaignId: string; syncedAt: string }[] = [];
  const failed: CampaignBatchResult['failed'] = [];
  for (const campaignId of input.campaignIds) {
    try {
      confirmations.push(await syncCampaign({ clientId: input.policy.id, campaignId }));
    } catch (err) {
      if (isCancellation(err)) throw err;
      failed.push({ campaignId, error: failureMessage(err) });
    }
  }
  if (confirmations.length) await recordCampaignsSynced({ clientId: input.policy.id, confirmations });
  return { synced: confirmations.length, failed };
}
