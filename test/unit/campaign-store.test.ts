import {
  confirmedCampaignIds,
  countConfirmedCampaigns,
  markCampaignsSynced,
  markUnlistedCampaignsRemoved,
  unconfirmedCampaignIds,
  upsertCampaigns,
} from '../../src/db/campaigns';
import type { Campaign } from '../../src/contract/activities';
import { addTestClient, useUnitTestDatabase } from '../helpers/database';

let clientId: string;

const database = useUnitTestDatabase();

beforeEach(async () => {
  clientId = await addTestClient(database());
});

const campaign = (id: string, overrides: Partial<Campaign> = {}): Campaign => ({
  id,
  name: `Campaign ${id}`,
  status: 'active',
  budget: 1700,
  impressions: 12_345,
  clicks: 678,
  conversions: 9,
  created_at: '2024-11-22T10:00:00.000Z',
  ...overrides,
});

const upsert = (campaigns: Campaign[], syncRun = 'run-1', client = clientId, listedAt = '2026-12-03T10:00:00.000Z') =>
  upsertCampaigns(database().pool, client, syncRun, campaigns, listedAt);

interface StoredCampaign {
  campaign_id: string;
  name: string;
  status: string;
  budget: string;
  impressions: string;
  created_at: Date;
  platform_record: unknown;
  platform_synced_at: Date | null;
  last_sync_run: string;
}

async function stored(client = clientId): Promise<Map<string, StoredCampaign>> {
  const { rows } = await database().pool.query<StoredCampaign>(
    `SELECT campaign_id, name, status, budget::text, impressions::text, created_at, platform_record, platform_synced_at, last_sync_run
       FROM campaigns WHERE client_id = $1`,
    [client],
  );
  return new Map(rows.map((row) => [row.campaign_id, row]));
}

describe('upsertCampaigns', () => {
  test('counts a new page as inserted, the same page again as unchanged, a changed budget as updated', async () => {
    const page = [campaign('c1'), campaign('c2'), campaign('c3')];

    expect(await upsert(page)).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    expect(await upsert(page)).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
    expect(await upsert([campaign('c1'), campaign('c2', { budget: 2500.5 }), campaign('c3'), campaign('c4')])).toEqual({
      inserted: 1,
      updated: 1,
      unchanged: 2,
    });

    const rows = await stored();
    expect([...rows.keys()].sort()).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(rows.get('c2')!.budget).toBe('2500.5');
  });

  test('stores every column and the record as given', async () => {
    const input = campaign('c1', {
      status: 'paused',
      budget: 1234.56,
      impressions: 9_007_199_254,
      created_at: '2024-01-02T03:04:05.678+02:00',
    });

    await upsert([input], 'run-7');

    const row = (await stored()).get('c1')!;
    expect(row).toMatchObject({ name: input.name, status: 'paused', budget: '1234.56', impressions: '9007199254', last_sync_run: 'run-7' });
    expect(row.created_at.toISOString()).toBe('2024-01-02T01:04:05.678Z');
    expect(row.platform_record).toEqual(input);
  });

  test('a page that repeats an id keeps the last record for it', async () => {
    expect(await upsert([campaign('c1', { budget: 1 }), campaign('c2'), campaign('c1', { budget: 3 })])).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
    });
    expect((await stored()).get('c1')!.budget).toBe('3');

    // The last record is the one compared, too: the same as stored, so unchanged.
    expect(await upsert([campaign('c1', { budget: 5 }), campaign('c1', { budget: 3 })])).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    expect((await stored()).get('c1')!.budget).toBe('3');
  });

  test('an empty page changes and counts nothing', async () => {
    expect(await upsert([])).toEqual({ inserted: 0, updated: 0, unchanged: 0 });
    expect((await stored()).size).toBe(0);
  });

  test('a re-run records the sync run that last saw the campaign', async () => {
    await upsert([campaign('c1')], 'run-1');
    await upsert([campaign('c1')], 'run-2');

    expect((await stored()).get('c1')!.last_sync_run).toBe('run-2');
  });

  test('the same campaign id under two clients is two campaigns', async () => {
    const other = await addTestClient(database());

    await upsert([campaign('c1', { budget: 10 })]);
    expect(await upsert([campaign('c1', { budget: 20 })], 'run-1', other)).toEqual({ inserted: 1, updated: 0, unchanged: 0 });

    expect((await stored()).get('c1')!.budget).toBe('10');
    expect((await stored(other)).get('c1')!.budget).toBe('20');
  });

  const awkward: [string, string][] = [
    ['quotes', `it's a "quoted" name`],
    ['SQL', `x'); DROP TABLE campaigns; --`],
    ['array literal syntax', '{a,"b"},NULL,\\"c\\'],
    ['the word NULL', 'NULL'],
    ['an empty string', ''],
    ['backslashes and escapes', 'C:\\path\\to\\n\\t\\\\ \u0001'],
    ['unicode', 'Kampagne für Ü — 日本語 🚀 \u200b e\u0301'],
    ['newlines and tabs', 'line 1\nline 2\r\n\tindented'],
    ['10 KB of text', 'ünïcødé "q" \\ {,} '.repeat(500).slice(0, 10_240)],
  ];

  test.each(awkward)('a name with %s is stored faithfully', async (_name, name) => {
    const input = campaign('c1', { name });

    await upsert([input]);

    const row = (await stored()).get('c1')!;
    expect(row.name).toBe(name);
    expect(row.platform_record).toEqual(input);
    expect(await upsert([input])).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
  });

  test('ids with awkward characters are stored faithfully, each its own campaign', async () => {
    const ids = awkward.map(([, text]) => text).filter((text) => text !== '');
    const page = ids.map((id, i) => campaign(id, { budget: i }));

    expect(await upsert(page)).toEqual({ inserted: ids.length, updated: 0, unchanged: 0 });

    const rows = await stored();
    expect([...rows.keys()].sort()).toEqual([...ids].sort());
    ids.forEach((id, i) => expect(rows.get(id)!.platform_record).toEqual(page[i]));
  });
});

describe('markCampaignsSynced', () => {
  test('sets platform_synced_at for the given campaigns of the given client only', async () => {
    const other = await addTestClient(database());
    await upsert([campaign('c1'), campaign('c2'), campaign('c3')]);
    await upsert([campaign('c1'), campaign('c3')], 'run-1', other);

    await markCampaignsSynced(database().pool, clientId, 'run-1', [
      { campaignId: 'c1', syncedAt: '2024-11-22T10:00:02.123Z' },
      { campaignId: 'c3', syncedAt: '2024-11-22T12:00:04.000+01:00' },
      { campaignId: 'not-stored', syncedAt: '2024-11-22T10:00:02.000Z' },
    ]);

    const syncedAt = (rows: Map<string, StoredCampaign>) =>
      Object.fromEntries([...rows].map(([id, row]) => [id, row.platform_synced_at?.toISOString() ?? null]));
    expect(syncedAt(await stored())).toEqual({ c1: '2024-11-22T10:00:02.123Z', c2: null, c3: '2024-11-22T11:00:04.000Z' });
    expect(syncedAt(await stored(other))).toEqual({ c1: null, c3: null });
  });

  test('an empty batch changes nothing', async () => {
    await upsert([campaign('c1')]);

    await markCampaignsSynced(database().pool, clientId, 'run-1', []);

    expect((await stored()).get('c1')!.platform_synced_at).toBeNull();
  });
});

describe('confirmedCampaignIds', () => {
  test('names the campaigns confirmed in the given sync run, of the given client, among those asked about', async () => {
    const other = await addTestClient(database());
    await upsert([campaign('c1'), campaign('c2'), campaign('c3'), campaign('c4')]);
    await upsert([campaign('c1')], 'run-1', other);
    await markCampaignsSynced(database().pool, clientId, 'run-1', [
      { campaignId: 'c1', syncedAt: '2024-11-22T10:00:00.000Z' },
      { campaignId: 'c2', syncedAt: '2024-11-22T10:00:00.000Z' },
    ]);
    await markCampaignsSynced(database().pool, clientId, 'run-0', [{ campaignId: 'c3', syncedAt: '2024-11-22T09:00:00.000Z' }]);
    await markCampaignsSynced(database().pool, other, 'run-1', [{ campaignId: 'c1', syncedAt: '2024-11-22T10:00:00.000Z' }]);

    const confirmed = await confirmedCampaignIds(database().pool, clientId, 'run-1', ['c1', 'c3', 'c4', 'unknown']);

    expect([...confirmed]).toEqual(['c1']);
  });
});

describe('countConfirmedCampaigns', () => {
  test('counts per client the campaigns confirmed in its run, in one statement; a run with none counts 0', async () => {
    const other = await addTestClient(database());
    const idle = await addTestClient(database());
    await upsert([campaign('c1'), campaign('c2'), campaign('c3')]);
    await upsert([campaign('c1'), campaign('c2')], 'run-1', other);
    await markCampaignsSynced(database().pool, clientId, 'run-1', [
      { campaignId: 'c1', syncedAt: '2024-11-22T10:00:00.000Z' },
      { campaignId: 'c2', syncedAt: '2024-11-22T10:00:00.000Z' },
    ]);
    await markCampaignsSynced(database().pool, clientId, 'run-0', [{ campaignId: 'c3', syncedAt: '2024-11-22T09:00:00.000Z' }]);
    await markCampaignsSynced(database().pool, other, 'run-2', [{ campaignId: 'c1', syncedAt: '2024-11-22T10:00:00.000Z' }]);

    const counts = await countConfirmedCampaigns(database().pool, [
      { clientId, syncRun: 'run-1' },
      { clientId: other, syncRun: 'run-2' },
      { clientId: idle, syncRun: 'run-1' },
    ]);

    expect(Object.fromEntries(counts)).toEqual({ [clientId]: 2, [other]: 1, [idle]: 0 });
  });
});

describe('markUnlistedCampaignsRemoved', () => {
  const removedAt = async (client = clientId) => {
    const { rows } = await database().pool.query<{ campaign_id: string; removed_at: Date | null }>(
      'SELECT campaign_id, removed_at FROM campaigns WHERE client_id = $1 ORDER BY campaign_id',
      [client],
    );
    return Object.fromEntries(rows.map((row) => [row.campaign_id, row.removed_at !== null]));
  };

  test('marks the campaigns the run did not list, of this client only; counts the same when called again', async () => {
    const other = await addTestClient(database());
    await upsert([campaign('c1'), campaign('c2'), campaign('c3')], 'run-1');
    await upsert([campaign('c1')], 'run-1', other);
    await upsert([campaign('c1'), campaign('c3')], 'run-2');

    expect(await markUnlistedCampaignsRemoved(database().pool, clientId, 'run-2')).toBe(1);
    expect(await markUnlistedCampaignsRemoved(database().pool, clientId, 'run-2')).toBe(1);

    expect(await removedAt()).toEqual({ c1: false, c2: true, c3: false });
    expect(await removedAt(other)).toEqual({ c1: false });
  });

  test('a removed campaign listed again is no longer removed; one removed earlier is not counted again', async () => {
    await upsert([campaign('c1'), campaign('c2'), campaign('c3')], 'run-1');
    await upsert([campaign('c1')], 'run-2');
    expect(await markUnlistedCampaignsRemoved(database().pool, clientId, 'run-2')).toBe(2);

    await upsert([campaign('c1'), campaign('c2')], 'run-3');
    expect(await markUnlistedCampaignsRemoved(database().pool, clientId, 'run-3')).toBe(0);

    expect(await removedAt()).toEqual({ c1: false, c2: false, c3: true });
  });
});

describe('unconfirmedCampaignIds', () => {
  test('names what the run listed and did not get confirmed, leaving out removed campaigns and later listings', async () => {
    await upsert([campaign('c1'), campaign('c2'), campaign('c3'), campaign('c4')], 'run-1');
    await markCampaignsSynced(database().pool, clientId, 'run-1', [{ campaignId: 'c1', syncedAt: '2024-11-22T10:00:00.000Z' }]);
    // Confirmed by another run: still not confirmed by this one.
    await markCampaignsSynced(database().pool, clientId, 'run-0', [{ campaignId: 'c2', syncedAt: '2024-11-22T09:00:00.000Z' }]);
    await database().pool.query(`UPDATE campaigns SET removed_at = now() WHERE client_id = $1 AND campaign_id = 'c4'`, [clientId]);

    expect(await unconfirmedCampaignIds(database().pool, clientId, 'run-1')).toEqual(['c2', 'c3']);
    expect(await unconfirmedCampaignIds(database().pool, clientId, 'run-2')).toEqual([]);
  });
});
