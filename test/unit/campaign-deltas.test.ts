import { upsertCampaigns } from '../../src/db/campaigns';
import { intervalPerformance, type PerformanceQuery } from '../../src/db/campaign-history';
import { plainCampaign } from '../helpers/campaigns';
import { addTestClient, useUnitTestDatabase } from '../helpers/database';

// campaign_deltas on PostgreSQL, through the real insert path: cumulative counters listed at
// chosen times become growth per interval.

const database = useUnitTestDatabase();
let clientId: string;

const at = (hhmm: string, date = '2026-12-01') => `${date}T${hhmm}:00.000Z`;

/** Lists the campaigns with these impressions (clicks a tenth, conversions a hundredth) at `time`. */
async function listedAt(time: string, impressions: Record<string, number>): Promise<void> {
  const campaigns = Object.entries(impressions).map(([id, n]) => ({
    ...plainCampaign(id),
    impressions: n,
    clicks: Math.floor(n / 10),
    conversions: Math.floor(n / 100),
  }));
  await upsertCampaigns(database().pool, clientId, `run-${time}`, campaigns, time);
}

/** Each interval as 'HH:MM impressions clicks conversions [marks]'. */
async function performance(query: Partial<PerformanceQuery> = {}): Promise<string[]> {
  const rows = await intervalPerformance(database().pool, {
    clientId,
    from: new Date(at('00:00')),
    to: new Date(at('00:00', '2026-12-02')),
    interval: 'hour',
    ...query,
  });
  return rows.map((r) =>
    [
      r.intervalStart.toISOString().slice(query.interval === 'day' ? 5 : 11, query.interval === 'day' ? 10 : 16),
      r.impressions,
      r.clicks,
      r.conversions,
      ...(r.firstSeen ? [`first ${r.firstSeen}`] : []),
      ...(r.resets ? [`resets ${r.resets}`] : []),
      ...(r.estimated ? ['estimated'] : []),
    ].join(' '),
  );
}

beforeEach(async () => {
  clientId = await addTestClient(database());
});

test('hourly listings: the growth of each hour, nothing for the first listing', async () => {
  await listedAt(at('10:00'), { c1: 1000 });
  await listedAt(at('11:00'), { c1: 1600 });
  await listedAt(at('12:00'), { c1: 2000 });
  expect(await performance()).toEqual(['10:00 600 60 6 first 1', '11:00 400 40 4']);
});

test('a counter that goes down was reset: its growth is its new value, and the hour says so', async () => {
  await listedAt(at('10:00'), { c1: 2000 });
  await listedAt(at('11:00'), { c1: 300 });
  await listedAt(at('12:00'), { c1: 500 });
  expect(await performance()).toEqual(['10:00 300 30 3 first 1 resets 1', '11:00 200 20 2']);
});

test('a missed sync: the growth is spread evenly over the hours it covers, each marked estimated', async () => {
  await listedAt(at('10:00'), { c1: 1000 });
  await listedAt(at('11:00'), { c1: 1300 });
  await listedAt(at('14:00'), { c1: 1600 });
  expect(await performance()).toEqual([
    '10:00 300 30 3 first 1',
    '11:00 100 10 1 estimated',
    '12:00 100 10 1 estimated',
    '13:00 100 10 1 estimated',
  ]);
});

test("listings a little over an interval apart (a schedule's jitter) are not a missed sync", async () => {
  await listedAt(at('10:00'), { c1: 1000 });
  await listedAt(at('11:10'), { c1: 1700 });
  await listedAt(at('12:20'), { c1: 2400 });
  expect(await performance()).toEqual(['10:00 600 60 6 first 1', '11:00 600 60 6', '12:00 200 20 2']);
});

test('listings off the hour split their growth between the hours by time; a campaign first seen mid-hour counts from then', async () => {
  await listedAt(at('10:30'), { c1: 1000 });
  await listedAt(at('11:30'), { c1: 1200, c2: 5000 });
  await listedAt(at('12:30'), { c1: 1400, c2: 5400 });
  expect(await performance()).toEqual(['10:00 100 10 1 first 1', '11:00 400 40 4 first 1', '12:00 300 30 3']);
  expect(await performance({ campaignId: 'c2' })).toEqual(['11:00 200 20 2 first 1', '12:00 200 20 2']);
});

test('the range starts from the listing before it, and a campaign listed before is not first seen in it', async () => {
  await listedAt(at('10:00'), { c1: 1000 });
  await listedAt(at('11:00'), { c1: 1600 });
  await listedAt(at('12:00'), { c1: 2000 });
  expect(await performance({ from: new Date(at('11:00')) })).toEqual(['11:00 400 40 4']);
  // A growth across the range's start counts only its part inside.
  expect(await performance({ from: new Date(at('11:30')) })).toEqual(['11:00 200 20 2']);
  expect(await performance({ to: new Date(at('11:00')) })).toEqual(['10:00 600 60 6 first 1']);
});

test('the listings around the range are found days away, as a paused schedule leaves them; one over 31 days away is not', async () => {
  await listedAt(at('12:00', '2026-10-22'), { c2: 9000 });
  await listedAt(at('00:00', '2026-11-25'), { c1: 1000 });
  await listedAt(at('12:00'), { c1: 2560, c2: 9500 });
  await listedAt(at('12:00', '2026-12-05'), { c1: 3520 });
  // c1: 12 of the 156 hours since 11-25 and 12 of the 96 hours to 12-05 are in the day.
  expect(await performance({ interval: 'day', to: new Date(at('00:00', '2026-12-02')) })).toEqual(['12-01 240 24 2.4 first 1 estimated']);
});

test('by day: the days sum the hours, including a growth that spans midnight', async () => {
  await listedAt(at('22:00'), { c1: 1000 });
  await listedAt(at('23:00'), { c1: 1100 });
  await listedAt(at('01:00', '2026-12-02'), { c1: 1300 });
  expect(await performance({ interval: 'day', from: new Date(at('00:00')), to: new Date(at('00:00', '2026-12-03')) })).toEqual([
    '12-01 200 20 2 first 1',
    '12-02 100 10 1',
  ]);
});

test('another client sees none of it', async () => {
  await listedAt(at('10:00'), { c1: 1000 });
  await listedAt(at('11:00'), { c1: 1600 });
  const other = await addTestClient(database());
  expect(
    await intervalPerformance(database().pool, {
      clientId: other,
      from: new Date(at('00:00')),
      to: new Date(at('23:00')),
      interval: 'hour',
    }),
  ).toEqual([]);
});
