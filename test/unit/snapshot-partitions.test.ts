import type { PoolClient } from 'pg';
import { upsertCampaigns } from '../../src/db/campaigns';
import {
  dailyPartitionName,
  dayOfPartition,
  daysToMake,
  keepDailyPartitions,
  listDailyPartitions,
  retentionCutoff,
  utcDay,
} from '../../src/db/snapshot-partitions';
import { plainCampaign } from '../helpers/campaigns';
import { addTestClient, useUnitTestDatabase } from '../helpers/database';

const day = (iso: string) => new Date(`${iso}T00:00:00.000Z`);

describe('partition names and days', () => {
  test.each([
    ['2026-12-03T23:59:59.999Z', '2026-12-03'],
    ['2026-12-04T00:00:00.000Z', '2026-12-04'],
    ['2024-02-29T12:00:00.000Z', '2024-02-29'],
  ])('%s is in the day %s', (at, expected) => {
    expect(utcDay(new Date(at))).toEqual(day(expected));
  });

  test.each([
    ['campaign_snapshots_p20261203', '2026-12-03'],
    ['campaign_snapshots_p20240229', '2024-02-29'],
    ['campaign_snapshots_p20230229', undefined],
    ['campaign_snapshots_p20261303', undefined],
    ['campaign_snapshots_default', undefined],
    ['campaign_snapshots_p2026120', undefined],
    ['campaign_snapshots_p20261203_old', undefined],
    ['campaigns', undefined],
  ])('%s holds the day %s (ours only)', (name, expected) => {
    expect(dayOfPartition(name)).toEqual(expected === undefined ? undefined : day(expected));
    if (expected) expect(dailyPartitionName(day(expected))).toBe(name);
  });

  test('the days to make: today and the days ahead', () => {
    expect(daysToMake(new Date('2026-12-31T18:00:00Z'), 2)).toEqual([day('2026-12-31'), day('2027-01-01'), day('2027-01-02')]);
    expect(daysToMake(new Date('2026-12-31T18:00:00Z'), 0)).toEqual([day('2026-12-31')]);
  });

  test.each([
    [1, '2026-12-03'],
    [2, '2026-12-02'],
    [30, '2026-11-04'],
  ])('keeping %i days keeps from %s on', (keepDays, expected) => {
    expect(retentionCutoff(new Date('2026-12-03T18:00:00Z'), keepDays)).toEqual(day(expected));
  });
});

describe('keepDailyPartitions on PostgreSQL', () => {
  const database = useUnitTestDatabase();
  let owner: PoolClient;
  beforeEach(async () => {
    owner = await database().pool.connect();
  });
  afterEach(() => owner.release());

  /** Where each of the client's snapshots is stored, by the day it was listed. */
  async function placement(clientId: string): Promise<Record<string, string>> {
    const { rows } = await owner.query<{ listed: string; partition: string }>(
      `SELECT to_char(listed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS listed, tableoid::regclass::text AS partition
         FROM campaign_snapshots WHERE client_id = $1 ORDER BY listed_at`,
      [clientId],
    );
    return Object.fromEntries(rows.map((r) => [r.listed, r.partition]));
  }

  test('rows no partition takes wait in the default one, move into their day when it is made, and go with the retention', async () => {
    const clientId = await addTestClient(database());
    for (const [run, listedAt] of [
      ['run-1', '2026-11-01T10:00:00.000Z'],
      ['run-2', '2026-12-02T10:00:00.000Z'],
      ['run-3', '2026-12-03T10:00:00.000Z'],
    ])
      await upsertCampaigns(database().pool, clientId, run!, [plainCampaign('c1')], listedAt!);
    expect(await placement(clientId)).toEqual({
      '2026-11-01': 'campaign_snapshots_default',
      '2026-12-02': 'campaign_snapshots_default',
      '2026-12-03': 'campaign_snapshots_default',
    });

    const now = new Date('2026-12-03T18:00:00Z');
    expect(await keepDailyPartitions(owner, { now, daysAhead: 2 })).toEqual({
      made: ['campaign_snapshots_p20261203', 'campaign_snapshots_p20261204', 'campaign_snapshots_p20261205'],
      moved: 1,
      dropped: [],
      deletedFromDefault: 0,
    });
    expect(await placement(clientId)).toEqual({
      '2026-11-01': 'campaign_snapshots_default',
      '2026-12-02': 'campaign_snapshots_default',
      '2026-12-03': 'campaign_snapshots_p20261203',
    });
    // A listing of a day made ahead goes straight to its partition.
    await upsertCampaigns(database().pool, clientId, 'run-4', [plainCampaign('c1')], '2026-12-04T01:00:00.000Z');
    expect((await placement(clientId))['2026-12-04']).toBe('campaign_snapshots_p20261204');

    // A day later, keeping 2 days (the 3rd and the 4th): the 1st of November and the 2nd of
    // December go from the default partition.
    const later = new Date('2026-12-04T18:00:00Z');
    expect(await keepDailyPartitions(owner, { now: later, daysAhead: 2, keepDays: 2 })).toEqual({
      made: ['campaign_snapshots_p20261206'],
      moved: 0,
      dropped: [],
      deletedFromDefault: 2,
    });
    // Keeping 1 day: the 3rd's partition is dropped, with its row.
    expect(await keepDailyPartitions(owner, { now: later, daysAhead: 2, keepDays: 1 })).toEqual({
      made: [],
      moved: 0,
      dropped: ['campaign_snapshots_p20261203'],
      deletedFromDefault: 0,
    });
    expect(await placement(clientId)).toEqual({ '2026-12-04': 'campaign_snapshots_p20261204' });
    expect(await listDailyPartitions(owner)).toEqual([
      'campaign_snapshots_p20261204',
      'campaign_snapshots_p20261205',
      'campaign_snapshots_p20261206',
    ]);
  });
});
