import { setCurrentDetails } from '@temporalio/workflow';
import { maxAttemptsOf } from '../contract/retries';
import type { CampaignBatchInput, CampaignBatchResult } from '../contract/sync';
import { syncCampaignsOfBatch } from './campaign-batch-loop';

/** One batch of a client's sync, as a child workflow: its calls and sleeps stay out of the sync's history. */
export async function syncCampaignBatchWorkflow(input: CampaignBatchInput): Promise<CampaignBatchResult> {
  const total = input.campaignIds.length;
  return syncCampaignsOfBatch(
    {
      policy: input.policy,
      syncRun: input.syncRun,
      campaignIds: input.campaignIds,
      maxAttempts: maxAttemptsOf(input),
      label: `client ${input.policy.id}`,
    },
    (result, pending, doing) =>
      setCurrentDetails(`synced ${result.synced} · failed ${result.failed.length} · pending ${pending} of ${total}; ${doing}`),
  );
}
