import type { Pool } from 'pg';
import { upsertCampaigns } from '../db/campaigns';
import type { Campaign } from '../platform/campaign';

export interface ActivityDependencies {
  pool: Pool;
}

/** Activities are plain async functions over injected dependencies, as in Temporal's samples. */
export function createActivities({ pool }: ActivityDependencies) {
  return {
    async upsertCampaignPage(input: { clientId: string; syncRun: string; campaigns: Campaign[] }) {
      return upsertCampaigns(pool, input.clientId, input.syncRun, input.campaigns);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
