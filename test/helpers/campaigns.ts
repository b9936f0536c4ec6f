import type { Campaign } from '../../src/contract/activities';

/** A valid campaign whose figures do not matter to the test. */
export const plainCampaign = (id: string): Campaign => ({
  id,
  name: id,
  status: 'active',
  budget: 1,
  impressions: 1,
  clicks: 1,
  conversions: 1,
  created_at: '2026-01-01T00:00:00.000Z',
});
