import { releaseRateSlot, reserveRateSlot, type RateSlot } from '../../src/db/rate-budget';
import { addTestClient, useUnitTestDatabase } from './helpers/database';

const LIMIT = 5;
const WINDOW_MS = 1000;
const MARGIN_MS = 50;


const database = useUnitTestDatabase();

const addClient = () => addTestClient(database(), { rateLimit: LIMIT, rateWindowMs: WINDOW_MS });

const reserve = (clientId: string) => reserveRateSlot(database().pool, clientId, MARGIN_MS);

async function reserveConcurrently(clientId: string, count: number): Promise<RateSlot[]> {
  return Promise.all(Array.from({ length: count }, () => reserve(clientId)));
}

/** The client's reservations, oldest slot first, with slot times in epoch milliseconds (microsecond precision). */
async function slotsOf(clientId: string): Promise<{ id: string; atMs: number }[]> {
  const { rows } = await database().pool.query<{ id: string; at_ms: number }>(
    `SELECT id::text, (extract(epoch FROM slot_at) * 1000)::float8 AS at_ms
       FROM rate_reservations WHERE client_id = $1 ORDER BY slot_at, id`,
    [clientId],
  );
  return rows.map((row) => ({ id: row.id, atMs: row.at_ms }));
}

/** Adds a reservation directly, `agoMs` before the database's clock. */
async function addSlotAgo(clientId: string, agoMs: number): Promise<string> {
  const { rows } = await database().pool.query<{ id: string }>(
    `INSERT INTO rate_reservations (client_id, slot_at)
     VALUES ($1, clock_timestamp() - make_interval(secs => $2 / 1000.0)) RETURNING id::text`,
    [clientId, agoMs],
  );
  return rows[0]!.id;
}

test('40 concurrent reservations never put more than the limit into one window (plus margin)', async () => {
  const clientId = await addClient();

  const slots = await reserveConcurrently(clientId, 40);

  const stored = await slotsOf(clientId);
  expect(stored.map((s) => s.id).sort()).toEqual(slots.map((s) => s.reservationId).sort());
  // Any LIMIT + 1 consecutive slots must span at least a window plus the margin (float rounding aside).
  const tightest = Math.min(...stored.slice(LIMIT).map((slot, i) => slot.atMs - stored[i]!.atMs));
  expect(tightest).toBeGreaterThanOrEqual(WINDOW_MS + MARGIN_MS - 0.01);
});

test('the first LIMIT slots need no wait; every later one does', async () => {
  const clientId = await addClient();

  const slots = await reserveConcurrently(clientId, 3 * LIMIT);

  const waits = slots.map((s) => s.waitMs).sort((a, b) => a - b);
  expect(waits.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(0));
  expect(Math.min(...waits.slice(LIMIT))).toBeGreaterThan(0);
  // The last wait is about two windows, not more: the slots are packed, not strung out.
  expect(waits.at(-1)).toBeLessThanOrEqual(2 * (WINDOW_MS + MARGIN_MS));
});

test('clients have separate budgets', async () => {
  const busy = await addClient();
  const idle = await addClient();
  await reserveConcurrently(busy, 2 * LIMIT);

  const slot = await reserve(idle);

  expect(slot.waitMs).toBe(0);
});

test('releaseRateSlot deletes the reservation and frees its place', async () => {
  const clientId = await addClient();
  const slots = await reserveConcurrently(clientId, LIMIT);
  const released = slots[2]!.reservationId;

  await releaseRateSlot(database().pool, released);

  const remaining = (await slotsOf(clientId)).map((s) => s.id);
  expect(remaining).toHaveLength(LIMIT - 1);
  expect(remaining).not.toContain(released);
  expect((await reserve(clientId)).waitMs).toBe(0);
  expect((await reserve(clientId)).waitMs).toBeGreaterThan(0);
});

test('a reservation removes slots older than two windows, of its own client only', async () => {
  const clientId = await addClient();
  const other = await addClient();
  await addSlotAgo(clientId, 3 * WINDOW_MS);
  const recent = await addSlotAgo(clientId, 1.5 * WINDOW_MS);
  const othersExpired = await addSlotAgo(other, 3 * WINDOW_MS);

  const slot = await reserve(clientId);

  expect((await slotsOf(clientId)).map((s) => s.id).sort()).toEqual([recent, slot.reservationId].sort());
  expect((await slotsOf(other)).map((s) => s.id)).toEqual([othersExpired]);
});
