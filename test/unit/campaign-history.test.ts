import { markUnlistedCampaignsRemoved, upsertCampaigns } from '../../src/db/campaigns';
import type { Campaign } from '../../src/contract/activities';
import { plainCampaign } from '../helpers/campaigns';
import { addTestClient, useUnitTestDatabase } from '../helpers/database';

// The history upsertCampaigns keeps beside the current row: a snapshot of the counters per
// campaign per sync run, and a version of the attributes whenever they change.

const database = useUnitTestDatabase();
let clientId: string;

beforeEach(async () => {
  clientId = await addTestClient(database());
});

const campaign = (id: string, overrides: Partial<Campaign> = {}): Campaign => ({
  ...plainCampaign(id),
  name: `Campaign ${id}`,
  budget: 1700,
  impressions: 1000,
  clicks: 50,
  conversions: 2,
  ...overrides,
});

const HOUR = '2026-12-03T10:00:00.000Z';
const NEXT_HOUR = '2026-12-03T11:00:00.000Z';
const LATER = '2026-12-03T12:00:00.000Z';

const upsert = (campaigns: Campaign[], syncRun: string, listedAt: string) =>
  upsertCampaigns(database().pool, clientId, syncRun, campaigns, listedAt);

async function snapshots(): Promise<string[]> {
  const { rows } = await database().pool.query<{ row: string }>(
    `SELECT concat_ws(' ', campaign_id, to_char(listed_at AT TIME ZONE 'UTC', 'HH24:MI'), sync_run, impressions, clicks, conversions) AS row
       FROM campaign_snapshots WHERE client_id = $1 ORDER BY campaign_id, listed_at`,
    [clientId],
  );
  return rows.map((r) => r.row);
}

async function history(campaignId: string): Promise<string[]> {
  const { rows } = await database().pool.query<{ row: string }>(
    `SELECT concat_ws(' ', to_char(valid_from AT TIME ZONE 'UTC', 'HH24:MI'), coalesce(to_char(valid_to AT TIME ZONE 'UTC', 'HH24:MI'), 'now'),
                      sync_run, status, budget, attributes ? 'impressions') AS row
       FROM campaign_history WHERE client_id = $1 AND campaign_id = $2 ORDER BY valid_from`,
    [clientId, campaignId],
  );
  return rows.map((r) => r.row);
}

test('a snapshot per campaign per listing; the same page stored again (a retry) adds none', async () => {
  await upsert([campaign('c1'), campaign('c2')], 'run-1', HOUR);
  await upsert([campaign('c1'), campaign('c2')], 'run-1', HOUR);
  await upsert([campaign('c1', { impressions: 1500, clicks: 80 }), campaign('c2')], 'run-2', NEXT_HOUR);

  expect(await snapshots()).toEqual([
    'c1 10:00 run-1 1000 50 2',
    'c1 11:00 run-2 1500 80 2',
    'c2 10:00 run-1 1000 50 2',
    'c2 11:00 run-2 1000 50 2',
  ]);
});

test('a version when the attributes change, none when only the counters do; each ends where the next begins', async () => {
  await upsert([campaign('c1')], 'run-1', HOUR);
  await upsert([campaign('c1', { impressions: 9000 })], 'run-2', NEXT_HOUR);
  await upsert([campaign('c1', { impressions: 9500, budget: 2500, status: 'paused' })], 'run-3', LATER);
  await upsert([campaign('c1', { impressions: 9500, budget: 2500, status: 'paused' })], 'run-3', LATER);

  // The attributes are the record without its counters.
  expect(await history('c1')).toEqual(['10:00 12:00 run-1 active 1700 f', '12:00 now run-3 paused 2500 f']);
});

test('any field of the platform record makes a version, not only the modelled ones', async () => {
  await upsert([campaign('c1', { objective: 'reach' })], 'run-1', HOUR);
  await upsert([campaign('c1', { objective: 'conversions' })], 'run-2', NEXT_HOUR);

  expect(await history('c1')).toHaveLength(2);
});

test('a campaign that disappears and comes back keeps one history, which says when it was not listed', async () => {
  // Times relative to now: the version that says a campaign is no longer listed starts at the
  // database's now(), when the sync that did not list it marks it removed.
  const hoursFromNow = (h: number) => new Date(Math.floor(Date.now() / 3_600_000 + h) * 3_600_000).toISOString();
  await upsert([campaign('c1'), campaign('c2')], 'run-1', hoursFromNow(-1));
  await upsert([campaign('c1')], 'run-2', hoursFromNow(0));
  expect(await markUnlistedCampaignsRemoved(database().pool, clientId, 'run-2')).toBe(1);
  expect(await markUnlistedCampaignsRemoved(database().pool, clientId, 'run-2')).toBe(1);
  await upsert([campaign('c1'), campaign('c2')], 'run-3', hoursFromNow(1));
  await upsert([campaign('c1'), campaign('c2')], 'run-4', hoursFromNow(2));

  const { rows } = await database().pool.query<{ sync_run: string; listed: boolean; current: boolean }>(
    `SELECT sync_run, listed, valid_to IS NULL AS current FROM campaign_history WHERE client_id = $1 AND campaign_id = 'c2' ORDER BY valid_from`,
    [clientId],
  );
  expect(rows).toEqual([
    { sync_run: 'run-1', listed: true, current: false },
    { sync_run: 'run-2', listed: false, current: false },
    { sync_run: 'run-3', listed: true, current: true },
  ]);
});

test('a campaign missing from a listing: its snapshots skip that sync, and what changed meanwhile is one version', async () => {
  await upsert([campaign('c1'), campaign('c2')], 'run-1', HOUR);
  await upsert([campaign('c1')], 'run-2', NEXT_HOUR);
  await upsert([campaign('c1'), campaign('c2', { name: 'Renamed' })], 'run-3', LATER);

  expect(await history('c2')).toEqual(['10:00 12:00 run-1 active 1700 f', '12:00 now run-3 active 1700 f']);
  expect(await snapshots()).toEqual([
    'c1 10:00 run-1 1000 50 2',
    'c1 11:00 run-2 1000 50 2',
    'c1 12:00 run-3 1000 50 2',
    'c2 10:00 run-1 1000 50 2',
    'c2 12:00 run-3 1000 50 2',
  ]);
});
