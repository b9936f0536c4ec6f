import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { storePage } from '../../src/activities/page-store';
import type { Campaign } from '../../src/contract/activities';
import { plainCampaign } from '../helpers/campaigns';
import { addTestClient, useUnitTestDatabase } from '../helpers/database';

// storePage on PostgreSQL: a page goes in as one statement; records PostgreSQL refuses are found by
// halving the page and reported, and the rest is stored. The records here bypass the platform
// client, which would refuse some of them first: this is the store's own line of defence.

const database = useUnitTestDatabase();
const LISTED_AT = '2026-12-03T10:00:00.000Z';
let clientId: string;

beforeEach(async () => {
  clientId = await addTestClient(database());
});

/** The database's pool, counting the statements sent through it. */
function countingPool(): { pool: Pool; statements: () => number } {
  let statements = 0;
  const pool = new Proxy(database().pool, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
      return (...args: Parameters<Pool['query']>) => {
        statements += 1;
        return (target.query as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
  return { pool, statements: () => statements };
}

const page = (size: number) => Array.from({ length: size }, (_, i) => plainCampaign(`c${i + 1}`));

/** Values PostgreSQL refuses, each with the SQLSTATE it refuses them with. */
const refusedByPostgres = {
  yearZero: {
    what: 'a created_at in year 0',
    sqlState: '22008',
    record: (id: string): Campaign => ({ ...plainCampaign(id), created_at: '0000-01-01T00:00:00Z' }),
  },
  farZone: {
    what: 'a time zone 16 hours off',
    sqlState: '22009',
    record: (id: string): Campaign => ({ ...plainCampaign(id), created_at: '2024-01-01T00:00:00+16:00' }),
  },
  // Random bytes in base64 do not compress: an index row of about 3,000 bytes, past btree's 2,704.
  hugeId: {
    what: 'an id of 3,000 incompressible bytes',
    sqlState: '54000',
    record: (id: string): Campaign => plainCampaign(`${id}-${randomBytes(2250).toString('base64')}`),
  },
};

async function storedIds(): Promise<string[]> {
  const { rows } = await database().pool.query<{ campaign_id: string }>('SELECT campaign_id FROM campaigns WHERE client_id = $1', [
    clientId,
  ]);
  return rows.map((row) => row.campaign_id).sort();
}

const sorted = (campaigns: Campaign[]) => campaigns.map((c) => c.id).sort();

describe.each(Object.values(refusedByPostgres))('a record with $what ($sqlState)', ({ record, sqlState }) => {
  test('alone on a page of 20: the other 19 are stored, it is reported by id with its SQLSTATE', async () => {
    const campaigns = page(20);
    campaigns[6] = record('c7');

    const stored = await storePage(database().pool, clientId, 'run-1', campaigns, LISTED_AT);

    expect(stored).toEqual({
      inserted: 19,
      updated: 0,
      unchanged: 0,
      refused: [{ campaignId: campaigns[6]!.id, reason: expect.stringMatching(new RegExp(`^PostgreSQL refused it \\(${sqlState}\\): `)) }],
    });
    expect(await storedIds()).toEqual(sorted(campaigns.filter((_, i) => i !== 6)));
  });
});

test('two bad records among 20: both reported, in page order, the other 18 stored', async () => {
  const campaigns = page(20);
  campaigns[2] = refusedByPostgres.hugeId.record('c3');
  campaigns[17] = refusedByPostgres.yearZero.record('c18');

  const stored = await storePage(database().pool, clientId, 'run-1', campaigns, LISTED_AT);

  expect(stored.refused.map((r) => [r.campaignId, r.reason.slice(0, 29)])).toEqual([
    [campaigns[2]!.id, 'PostgreSQL refused it (54000)'],
    [campaigns[17]!.id, 'PostgreSQL refused it (22008)'],
  ]);
  expect(stored).toMatchObject({ inserted: 18, updated: 0, unchanged: 0 });
  expect(await storedIds()).toEqual(sorted(campaigns.filter((_, i) => i !== 2 && i !== 17)));
});

test('every record bad: all reported, nothing stored', async () => {
  const campaigns = page(5).map((c) => refusedByPostgres.yearZero.record(c.id));

  const stored = await storePage(database().pool, clientId, 'run-1', campaigns, LISTED_AT);

  expect(stored).toMatchObject({ inserted: 0, updated: 0, unchanged: 0 });
  expect(stored.refused.map((r) => r.campaignId)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
  expect(await storedIds()).toEqual([]);
});

test('a page with no bad record takes exactly one statement', async () => {
  const { pool, statements } = countingPool();

  expect(await storePage(pool, clientId, 'run-1', page(100), LISTED_AT)).toEqual({ inserted: 100, updated: 0, unchanged: 0, refused: [] });

  expect(statements()).toBe(1);
});

test.each([
  [1, 1],
  [2, 3],
  [16, 9],
  [64, 13],
])(
  'one bad record on a page of %i takes %i statements (1 + 2·log2 n): the page, then both halves of each half that fails',
  async (size, expected) => {
    const { pool, statements } = countingPool();
    const campaigns = page(size);
    campaigns[size - 1] = refusedByPostgres.yearZero.record(`c${size}`);

    const stored = await storePage(pool, clientId, 'run-1', campaigns, LISTED_AT);

    expect(stored.refused.map((r) => r.campaignId)).toEqual([`c${size}`]);
    expect(statements()).toBe(expected);
  },
);

test('a retried storePage of the same page counts what it stored as unchanged, and reports the same refusal', async () => {
  const campaigns = page(10);
  campaigns[4] = refusedByPostgres.yearZero.record('c5');

  const first = await storePage(database().pool, clientId, 'run-1', campaigns, LISTED_AT);
  const retried = await storePage(database().pool, clientId, 'run-1', campaigns, LISTED_AT);

  expect(first).toMatchObject({ inserted: 9, updated: 0, unchanged: 0 });
  expect(retried).toEqual({ inserted: 0, updated: 0, unchanged: 9, refused: first.refused });
});

test('an error no record is to blame for (a client that does not exist: 23503) fails the whole call, not halved', async () => {
  const { pool, statements } = countingPool();

  await expect(storePage(pool, 'no-such-client', 'run-1', page(8), LISTED_AT)).rejects.toMatchObject({ code: '23503' });

  expect(statements()).toBe(1);
});

describe('which errors isolate records (the policy, on a pool that fails as told)', () => {
  /** A pool whose statement fails with `code` whenever the page holds campaign "bad". */
  const failingPool = (code: string | undefined) =>
    ({
      query: async (_sql: string, values: unknown[]) => {
        if ((values[2] as string[]).includes('bad')) throw Object.assign(new Error(`refused (${code})`), { code });
        return { rows: [{ inserted: String((values[2] as string[]).length), updated: '0', unchanged: '0' }] };
      },
    }) as unknown as Pool;
  const withBad = [plainCampaign('a'), plainCampaign('bad'), plainCampaign('b'), plainCampaign('c')];

  test.each([
    ['22008', 'datetime field overflow'],
    ['22P05', 'untranslatable character'],
    ['22021', 'character not in repertoire'],
    ['54000', 'program limit exceeded (index row too big)'],
    ['23514', 'check violation'],
  ])('%s (%s): the record is refused, the rest stored', async (code) => {
    const stored = await storePage(failingPool(code), 'acme', 'run-1', withBad, LISTED_AT);

    expect(stored).toEqual({
      inserted: 3,
      updated: 0,
      unchanged: 0,
      refused: [{ campaignId: 'bad', reason: `PostgreSQL refused it (${code}): refused (${code})` }],
    });
  });

  test.each<[string | undefined, string]>([
    ['23503', 'foreign key violation'],
    ['23505', 'unique violation'],
    ['23502', 'not null violation'],
    ['08006', 'connection failure'],
    ['57014', 'query cancelled'],
    ['40001', 'serialization failure'],
    [undefined, 'no SQLSTATE at all'],
  ])('%s (%s): the whole call fails', async (code) => {
    await expect(storePage(failingPool(code), 'acme', 'run-1', withBad, LISTED_AT)).rejects.toThrow(`refused (${code})`);
  });
});
