import { planSlots, releaseRateSlots, reserveRateSlots, slotRules, type RateSlot } from '../../src/db/rate-reservations';
import { saveSharedBudget } from '../../src/db/shared-budgets';
import { addTestClient, useUnitTestDatabase } from '../helpers/database';

const LIMIT = 5;
const WINDOW_MS = 1000;
const MARGIN_MS = 50;
const POLICY = { limit: LIMIT, windowMs: WINDOW_MS, marginMs: MARGIN_MS };
const ownRule = (recent: number[]) => [{ ...POLICY, recent }];

describe('planSlots (the rule)', () => {
  const from = (notBefore: number, horizon = Infinity) => ({ notBefore, notAfter: notBefore + horizon });

  test('with no history, the first `limit` slots are now and the next ones a window plus the margin later', () => {
    const { slots, nextAt } = planSlots(ownRule([]), from(10_000), 12);
    expect(nextAt).toBeUndefined();
    expect(slots).toEqual([...Array(5).fill(10_000), ...Array(5).fill(11_050), 12_100, 12_100]);
  });

  test('stops at the first slot beyond the horizon and says when it is', () => {
    const { slots, nextAt } = planSlots(ownRule([]), from(10_000, 500), 8);
    expect(slots).toEqual(Array(5).fill(10_000));
    expect(nextAt).toBe(11_050);
  });

  test('counts the slots already handed out, in whatever order they come', () => {
    const recent = [9_900, 9_500, 9_700, 9_600, 9_800];
    const { slots } = planSlots(ownRule(recent), from(10_000), 2);
    expect(slots).toEqual([10_550, 10_650]);
  });

  test('old slots no longer limit: a slot is never earlier than now', () => {
    const { slots } = planSlots(ownRule([1_000, 1_100, 1_200, 1_300, 1_400]), from(10_000, 0), 3);
    expect(slots).toEqual([10_000, 10_000, 10_000]);
  });

  test('any `limit + 1` consecutive planned slots span at least a window plus the margin', () => {
    const { slots } = planSlots(ownRule([9_990, 9_995]), from(10_000), 40);
    const all = [9_990, 9_995, ...slots];
    for (let i = LIMIT; i < all.length; i++) expect(all[i]! - all[i - LIMIT]!).toBeGreaterThanOrEqual(WINDOW_MS + MARGIN_MS);
  });
});

describe('planSlots with spacing (a window not all at one instant)', () => {
  const from = (notBefore: number, horizon = Infinity) => ({ notBefore, notAfter: notBefore + horizon });
  const spaced = (recent: number[], spacingMs = 10) => [{ ...POLICY, recent, spacingMs }];

  test.each([
    // [what, slots held, from, count, planned]
    [
      'a window spread out, and the next one a window plus the margin after each',
      [],
      10_000,
      12,
      [10_000, 10_010, 10_020, 10_030, 10_040, 11_050, 11_060, 11_070, 11_080, 11_090, 12_100, 12_110],
    ],
    ["clear of another call's slots just taken", [10_000, 10_010, 10_020], 10_005, 3, [10_030, 10_040, 11_050]],
    ['not pushed past a slot held far ahead', [15_000], 10_000, 3, [10_000, 10_010, 10_020]],
    ['a gap wide enough between held slots is used', [10_000, 10_030], 10_000, 2, [10_010, 10_020]],
  ])('%s', (_what, recent, notBefore, count, planned) => {
    expect(planSlots(spaced(recent), from(notBefore), count).slots).toEqual(planned);
  });

  test('every two slots are the spacing apart and any `limit + 1` consecutive ones span a window plus the margin', () => {
    const held = [9_990, 9_995];
    const { slots } = planSlots(spaced(held, 7), from(10_000), 40);
    const all = [...held, ...slots].sort((a, b) => a - b);
    for (let i = 2; i < all.length; i++) expect(all[i]! - all[i - 1]!).toBeGreaterThanOrEqual(7);
    for (let i = LIMIT; i < all.length; i++) expect(all[i]! - all[i - LIMIT]!).toBeGreaterThanOrEqual(WINDOW_MS + MARGIN_MS);
  });
});

describe('planSlots with several rules (a shared budget)', () => {
  const from = (notBefore: number, horizon = Infinity) => ({ notBefore, notAfter: notBefore + horizon });
  const shared = (limit: number, recent: number[]) => ({ limit, windowMs: WINDOW_MS, marginMs: MARGIN_MS, recent });

  test('every slot keeps every rule: the tighter one sets the pace', () => {
    // Own limit 5 per window, the shared one 3 per window, already holding 2 of another client's slots.
    const { slots } = planSlots([...ownRule([]), shared(3, [9_900, 9_950])], from(10_000), 4);
    expect(slots).toEqual([10_000, 10_950, 11_000, 11_050]);
  });

  test('beyond the horizon, nextAt is the first time both rules allow', () => {
    const { slots, nextAt } = planSlots([...ownRule([9_000, 9_000, 9_000, 9_000, 9_000]), shared(2, [9_990, 9_995])], from(10_000, 500), 1);
    expect(slots).toEqual([]);
    expect(nextAt).toBe(11_040);
  });

  test('a slot may come before one already held far ahead: every window still holds at most the limit', () => {
    const { slots } = planSlots([{ limit: 2, windowMs: 1000, marginMs: 0, recent: [15_000] }], from(10_000), 3);
    expect(slots).toEqual([10_000, 11_000, 12_000]);
  });
});

describe("slotRules (a client's own limit, the shared one and its fair share)", () => {
  const own = { limit: 10, windowMs: 60_000 };
  const spacing = {
    marginFor: (windowMs: number) => windowMs / 100,
    spacingFor: (limit: number, windowMs: number) => windowMs / limit / 1000,
  };
  const latest = (sharedClientsAsking: number) => ({ clientMs: [1, 2], sharedMs: [3], sharedClientsAsking });

  test.each([
    // [clients asking, shared limit, fair share]
    [1, 30, 30],
    [2, 30, 15],
    [4, 30, 8], // rounded up: the budget is never left unused for want of a taker
    [100, 30, 1],
    [0, 30, 30], // a budget nobody asked for yet: this client alone
  ])('%i clients asking for %i per window: a share of %i each', (asking, limit, share) => {
    const rules = slotRules(own, { limit, windowMs: 6000 }, latest(asking), spacing);
    expect(rules).toEqual([
      { limit: 10, windowMs: 60_000, marginMs: 600, recent: [1, 2], spacingMs: 6 },
      { limit, windowMs: 6000, marginMs: 60, recent: [3] },
      { limit: share, windowMs: 6000, marginMs: 60, recent: [1, 2] },
    ]);
  });

  test("without a shared budget, the client's own limit alone", () => {
    expect(slotRules(own, undefined, latest(0), spacing)).toEqual([
      { limit: 10, windowMs: 60_000, marginMs: 600, recent: [1, 2], spacingMs: 6 },
    ]);
  });
});

describe('reserveRateSlots (in PostgreSQL)', () => {
  const database = useUnitTestDatabase();
  const addClient = () => addTestClient(database(), { rateLimit: LIMIT, rateWindowMs: WINDOW_MS });
  const reserve = (clientId: string, count = 1, horizonMs = Infinity, leadMs = 0) =>
    reserveRateSlots(database().pool, clientId, { count, horizonMs, spacing: { marginFor: () => MARGIN_MS, spacingFor: () => 0 }, leadMs });
  /** How long after `since` each slot is due, by this process's clock. */
  const waits = (slots: RateSlot[], since: number) => slots.map((s) => s.dueAt - since);
  /**
   * Due at once: no later than the moment the reservation returned (a slot the rule pushed back is
   * a window later). Not a wall-time bound, so a busy machine does not fail it; 1 ms covers the
   * database's microsecond timestamps.
   */
  const dueAtOnce = (slots: RateSlot[], returnedAt: number) => slots.every((slot) => slot.dueAt <= returnedAt + 1);

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

  test('concurrent reservations, single and in bulk, never put more than the limit into one window (plus margin)', async () => {
    const clientId = await addClient();

    const reservations = await Promise.all([
      ...Array.from({ length: 20 }, () => reserve(clientId)),
      ...Array.from({ length: 5 }, () => reserve(clientId, 4)),
    ]);

    const handedOut = reservations.flatMap((r) => r.slots);
    expect(handedOut).toHaveLength(40);
    const stored = await slotsOf(clientId);
    expect(stored.map((s) => s.id).sort()).toEqual(handedOut.map((s) => s.reservationId).sort());
    const tightest = Math.min(...stored.slice(LIMIT).map((slot, i) => slot.atMs - stored[i]!.atMs));
    expect(tightest).toBeGreaterThanOrEqual(WINDOW_MS + MARGIN_MS - 0.01);
  });

  test('a bulk reservation: the first LIMIT slots are due at once, the next ones a window later', async () => {
    const clientId = await addClient();
    const before = Date.now();

    const { slots, nextDueAt } = await reserve(clientId, 2 * LIMIT);
    const returnedAt = Date.now();

    const due = waits(slots, before);
    expect(nextDueAt).toBeUndefined();
    expect(dueAtOnce(slots.slice(0, LIMIT), returnedAt)).toBe(true);
    for (const [i, wait] of due.slice(LIMIT).entries()) expect(wait - due[i]!).toBeCloseTo(WINDOW_MS + MARGIN_MS, 0);
  });

  test('no slot is due sooner than the lead: the transaction and the caller get ready first', async () => {
    const clientId = await addClient();
    const before = Date.now();

    const { slots } = await reserve(clientId, 2, Infinity, 300);

    for (const wait of waits(slots, before)) expect(wait).toBeGreaterThanOrEqual(299.9); // microsecond timestamps
  });

  test('only slots within the horizon are taken; the reply says when the next one is free', async () => {
    const clientId = await addClient();

    const first = await reserve(clientId, 3 * LIMIT, 200);
    const second = await reserve(clientId, 3 * LIMIT, 200);

    expect(first.slots).toHaveLength(LIMIT);
    expect(first.nextDueAt! - first.slots[0]!.dueAt).toBeCloseTo(WINDOW_MS + MARGIN_MS, 0);
    expect(second.slots).toHaveLength(0);
    expect(await slotsOf(clientId)).toHaveLength(LIMIT);
  });

  test('clients have separate budgets', async () => {
    const busy = await addClient();
    const idle = await addClient();
    await reserve(busy, 2 * LIMIT);

    const { slots } = await reserve(idle);

    expect(dueAtOnce(slots, Date.now())).toBe(true);
  });

  test('releaseRateSlots deletes the reservations and frees their places', async () => {
    const clientId = await addClient();
    const { slots } = await reserve(clientId, LIMIT);
    const released = [slots[1]!.reservationId, slots[3]!.reservationId];

    await releaseRateSlots(database().pool, released);

    const remaining = (await slotsOf(clientId)).map((s) => s.id);
    expect(remaining).toHaveLength(LIMIT - 2);
    expect(remaining).not.toContain(released[0]);
    const before = Date.now();
    expect(dueAtOnce((await reserve(clientId, 2)).slots, Date.now())).toBe(true);
    expect(waits((await reserve(clientId)).slots, before)[0]).toBeGreaterThan(WINDOW_MS / 2);
  });

  test('a reservation removes slots older than two windows, of its own client only', async () => {
    const clientId = await addClient();
    const other = await addClient();
    await addSlotAgo(clientId, 3 * WINDOW_MS);
    const recent = await addSlotAgo(clientId, 1.5 * WINDOW_MS);
    const othersExpired = await addSlotAgo(other, 3 * WINDOW_MS);

    const { slots } = await reserve(clientId);

    expect((await slotsOf(clientId)).map((s) => s.id).sort()).toEqual([recent, slots[0]!.reservationId].sort());
    expect((await slotsOf(other)).map((s) => s.id)).toEqual([othersExpired]);
  });

  test('an unknown client is an error, not an unlimited budget', async () => {
    await expect(reserve('no-such-client')).rejects.toThrow(/no-such-client/);
  });
  describe('with a shared budget', () => {
    const SHARED_LIMIT = 4;
    let budgets = 0;
    async function sharedBudget(limit = SHARED_LIMIT): Promise<string> {
      const id = `unit-${process.pid}-shared-${++budgets}`;
      await saveSharedBudget(database().pool, { id, rateLimit: limit, rateWindowMs: WINDOW_MS });
      return id;
    }
    const addSharingClient = (sharedBudgetId: string) =>
      addTestClient(database(), { rateLimit: LIMIT, rateWindowMs: WINDOW_MS, sharedBudgetId });
    /** Every slot counted against the budget, oldest first (epoch ms). */
    async function sharedSlots(sharedBudgetId: string): Promise<number[]> {
      const { rows } = await database().pool.query<{ at_ms: number }>(
        `SELECT (extract(epoch FROM slot_at) * 1000)::float8 AS at_ms FROM rate_reservations
          WHERE shared_budget_id = $1 ORDER BY slot_at`,
        [sharedBudgetId],
      );
      return rows.map((row) => row.at_ms);
    }

    test('concurrent reservations of three clients never put more than the shared limit into one window', async () => {
      const budget = await sharedBudget();
      const clients = await Promise.all([1, 2, 3].map(() => addSharingClient(budget)));

      const reservations = await Promise.all(clients.flatMap((id) => [reserve(id, 3), reserve(id), reserve(id, 2)]));

      expect(reservations.flatMap((r) => r.slots)).toHaveLength(18);
      const stored = await sharedSlots(budget);
      expect(stored).toHaveLength(18);
      const tightest = Math.min(...stored.slice(SHARED_LIMIT).map((at, i) => at - stored[i]!));
      expect(tightest).toBeGreaterThanOrEqual(WINDOW_MS + MARGIN_MS - 0.01);
    });

    test('a client alone takes the whole shared window; once another asks, each holds at most its share', async () => {
      const budget = await sharedBudget();
      const big = await addSharingClient(budget);
      const small = await addSharingClient(budget);
      const before = Date.now();

      const alone = await reserve(big, SHARED_LIMIT);
      const aloneReturnedAt = Date.now();
      const smallFirst = await reserve(small);
      const bigNext = await reserve(big, SHARED_LIMIT);

      expect(dueAtOnce(alone.slots, aloneReturnedAt)).toBe(true);
      // The window is full: the small client's first slot comes when the big one's first slots leave it.
      const smallDue = waits(smallFirst.slots, before)[0]!;
      expect(smallDue).toBeGreaterThanOrEqual(WINDOW_MS + MARGIN_MS - 50);
      // Two clients asking, a share of 2 each: of the 3 places left beside the small client's slot,
      // the big one takes 2 (without the share, all 3).
      const dueWithSmall = waits(bigNext.slots, before).filter((wait) => wait < smallDue + WINDOW_MS / 2);
      expect(dueWithSmall).toHaveLength(2);
    });

    test('a client without the shared budget is not held back by it', async () => {
      const budget = await sharedBudget(1);
      await reserve(await addSharingClient(budget), 3);
      const outsider = await addClient();

      const { slots } = await reserve(outsider, LIMIT);

      expect(dueAtOnce(slots, Date.now())).toBe(true);
    });

    test("slots are kept for two of the longest window: the shared one when it is longer than the client's", async () => {
      const id = `unit-${process.pid}-shared-long`;
      await saveSharedBudget(database().pool, { id, rateLimit: 100, rateWindowMs: 10 * WINDOW_MS });
      const clientId = await addSharingClient(id);
      const stillCounted = await addSlotAgo(clientId, 5 * WINDOW_MS);

      await reserve(clientId);

      expect((await slotsOf(clientId)).map((s) => s.id)).toContain(stillCounted);
    });
  });
});
