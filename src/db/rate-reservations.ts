import type { Pool, PoolClient } from 'pg';
import { DatabaseClock, type ClockReading } from './database-clock';

/** A request slot handed out from a client's budget. */
export interface RateSlot {
  reservationId: string;
  /**
   * When to send, by this process's clock (Date.now()): the database's slot time less the offset
   * between the clocks (database-clock.ts), so clock differences between hosts do not matter.
   */
  dueAt: number;
}

export interface RateReservation {
  slots: RateSlot[];
  /** When fewer slots than asked for fell inside the horizon: when the next free one is, by this process's clock. */
  nextDueAt?: number;
}

/** One sliding-window limit a slot must keep, with the latest slots it already counts. */
export interface SlotRule {
  limit: number;
  windowMs: number;
  /** Spacing added to every window: covers the time between our send and the platform's count. */
  marginMs: number;
  /** Slots already handed out under this rule (epoch ms; at least its latest `limit`), in any order. */
  recent: readonly number[];
  /** No two slots under this rule closer than this (a window's requests not all at one instant). */
  spacingMs?: number;
}

/**
 * The rule of the budget: under each rule, a slot is never closer than a window (plus the margin)
 * to the slot `limit` places before it, so no sliding window holds more than `limit` slots. Plans
 * up to `count` slots keeping every rule at once, none before `notBefore`, stopping at the first
 * that lies beyond `notAfter`, whose time it returns as `nextAt`.
 */
export function planSlots(
  rules: readonly SlotRule[],
  { notBefore, notAfter }: { notBefore: number; notAfter: number },
  count: number,
): { slots: number[]; nextAt?: number } {
  const counted = rules.map((rule) => ({ rule, times: [...rule.recent].sort((a, b) => a - b) }));
  const slots: number[] = [];
  while (slots.length < count) {
    const earliest = Math.max(
      notBefore,
      ...counted.map(({ rule, times }) =>
        times.length >= rule.limit ? times[times.length - rule.limit]! + rule.windowMs + rule.marginMs : notBefore,
      ),
    );
    // Later is always allowed by the windows: a slot too close to another moves past it.
    let slot = earliest;
    for (let moved = true; moved;) {
      const before = slot;
      for (const { rule, times } of counted) if (rule.spacingMs) slot = spacedFrom(times, slot, rule.spacingMs);
      moved = slot !== before;
    }
    if (slot > notAfter) return { slots, nextAt: slot };
    for (const { times } of counted) insertSorted(times, slot);
    slots.push(slot);
  }
  return { slots };
}

/** The first time from `slot` on that is at least `spacingMs` from every one of `times` (sorted). */
function spacedFrom(times: readonly number[], slot: number, spacingMs: number): number {
  for (const time of times) {
    if (time <= slot - spacingMs) continue;
    if (time >= slot + spacingMs) break;
    slot = time + spacingMs;
  }
  return slot;
}

function insertSorted(times: number[], time: number) {
  let at = times.length;
  while (at > 0 && times[at - 1]! > time) at--;
  times.splice(at, 0, time);
}

/** How far apart slots are kept beyond what the limits say: the policy (src/activities/rate-budget.ts). */
export interface RateSpacing {
  /** Added to every window: covers the time between our send and the platform's count. */
  marginFor: (windowMs: number) => number;
  /** Between any two of a client's slots. */
  spacingFor: (limit: number, windowMs: number) => number;
}

/** A sliding-window limit as a table row holds it. */
interface RateLimitRow {
  limit: number;
  windowMs: number;
}

async function lockClientBudget(tx: PoolClient, clientId: string): Promise<RateLimitRow & { sharedBudgetId: string | null }> {
  // Serialises reservations of one client across all workers; other clients are not blocked.
  // A statement of its own: the next statement's snapshot then sees what the previous holder wrote.
  const { rows } = await tx.query<{ limit: number; window_ms: number; shared_budget_id: string | null }>(
    'SELECT rate_limit AS limit, rate_window_ms AS window_ms, shared_budget_id FROM clients WHERE id = $1 FOR UPDATE',
    [clientId],
  );
  if (!rows[0]) throw new Error(`client ${clientId} is not in the clients table`);
  return { limit: rows[0].limit, windowMs: rows[0].window_ms, sharedBudgetId: rows[0].shared_budget_id };
}

/**
 * Serialises reservations of every client of a shared budget (taken after the client's lock, in
 * that order only, so no two reservations wait for each other), and notes that this client wants it now.
 */
async function lockSharedBudget(tx: PoolClient, clientId: string, sharedBudgetId: string): Promise<RateLimitRow> {
  const { rows } = await tx.query<{ limit: number; window_ms: number }>(
    `WITH asking AS (UPDATE clients SET shared_budget_asked_at = clock_timestamp() WHERE id = $1)
     SELECT rate_limit AS limit, rate_window_ms AS window_ms FROM shared_rate_budgets WHERE id = $2 FOR UPDATE`,
    [clientId, sharedBudgetId],
  );
  if (!rows[0]) throw new Error(`shared budget ${sharedBudgetId} of client ${clientId} is not in the shared_rate_budgets table`);
  return { limit: rows[0].limit, windowMs: rows[0].window_ms };
}

interface LatestSlots {
  /** The database's clock, with the local times around its reading. */
  clock: ClockReading;
  /** The client's latest slots, as many as the larger of its limit and the shared one. */
  clientMs: number[];
  /** The shared budget's latest slots, over all its clients (none without a shared budget). */
  sharedMs: number[];
  /** Clients (this one included) that asked for a slot of the shared budget within its window. */
  sharedClientsAsking: number;
}

async function latestSlots(
  tx: PoolClient,
  clientId: string,
  clientLimit: number,
  shared: (RateLimitRow & { id: string }) | undefined,
): Promise<LatestSlots> {
  const sentAt = Date.now();
  const { rows } = await tx.query<{ now_ms: number; client_ms: number[]; shared_ms: number[]; asking: number }>(
    `SELECT extract(epoch FROM clock_timestamp())::float8 * 1000 AS now_ms,
            array(SELECT extract(epoch FROM slot_at)::float8 * 1000
                    FROM rate_reservations
                   WHERE client_id = $1
                   ORDER BY slot_at DESC
                   LIMIT greatest($2::int, $4::int)) AS client_ms,
            array(SELECT extract(epoch FROM slot_at)::float8 * 1000
                    FROM rate_reservations
                   WHERE shared_budget_id = $3
                   ORDER BY slot_at DESC
                   LIMIT $4) AS shared_ms,
            (SELECT count(*)::int
               FROM clients
              WHERE shared_budget_id = $3
                AND shared_budget_asked_at > clock_timestamp() - make_interval(secs => $5 / 1000.0)) AS asking`,
    [clientId, clientLimit, shared?.id ?? null, shared?.limit ?? 0, shared?.windowMs ?? 0],
  );
  const answeredAt = Date.now();
  const row = rows[0]!;
  return {
    clock: { sentAt, answeredAt, databaseMs: row.now_ms },
    clientMs: row.client_ms.map(Number),
    sharedMs: row.shared_ms.map(Number),
    sharedClientsAsking: row.asking,
  };
}

/**
 * The rules a client's next slots keep: its own limit; with a shared budget, the shared limit,
 * and its fair share of it: no more than the shared limit divided among the clients asking for it
 * (rounded up, so the budget is never left unused for want of a client to take it). A client
 * that holds the shared window alone takes all of it; one that arrives later is counted at its
 * first request and gets its share as the others' slots leave the window.
 */
export function slotRules(
  own: RateLimitRow,
  shared: RateLimitRow | undefined,
  latest: Omit<LatestSlots, 'clock'>,
  { marginFor, spacingFor }: RateSpacing,
): SlotRule[] {
  const ownRule = { ...own, marginMs: marginFor(own.windowMs), recent: latest.clientMs, spacingMs: spacingFor(own.limit, own.windowMs) };
  if (!shared) return [ownRule];
  const sharedMarginMs = marginFor(shared.windowMs);
  return [
    ownRule,
    { ...shared, marginMs: sharedMarginMs, recent: latest.sharedMs },
    {
      limit: Math.ceil(shared.limit / Math.max(1, latest.sharedClientsAsking)),
      windowMs: shared.windowMs,
      marginMs: sharedMarginMs,
      recent: latest.clientMs,
    },
  ];
}

async function insertSlots(
  tx: PoolClient,
  clientId: string,
  sharedBudgetId: string | null,
  slotsMs: number[],
  keepMs: number,
): Promise<{ id: string; slotMs: number }[]> {
  // Slots that can no longer limit anything (older than two of the longest window) go in the same statement.
  const { rows } = await tx.query<{ id: string; slot_ms: number }>(
    `WITH expired AS (
       DELETE FROM rate_reservations
        WHERE client_id = $1 AND slot_at < clock_timestamp() - make_interval(secs => $3 * 2 / 1000.0)
     )
     INSERT INTO rate_reservations (client_id, slot_at, shared_budget_id)
     SELECT $1, to_timestamp(slot_ms / 1000.0), $4 FROM unnest($2::float8[]) AS s(slot_ms)
     RETURNING id::text, extract(epoch FROM slot_at)::float8 * 1000 AS slot_ms`,
    [clientId, slotsMs, keepMs, sharedBudgetId],
  );
  return rows.map((r) => ({ id: r.id, slotMs: r.slot_ms })).sort((a, b) => a.slotMs - b.slotMs);
}

/** One clock per pool (a pool is one database): each reservation's reading refines it. */
const databaseClocks = new WeakMap<Pool, DatabaseClock>();

/**
 * Takes up to `count` of the client's next free request slots, in one transaction, but only
 * slots due within `horizonMs`: a caller does not hold slots it would wait long for. No slot is
 * sooner than `leadMs` from now: the transaction must commit and the caller get ready before the
 * first one is due, or the request would reach the platform later than its slot says.
 */
export async function reserveRateSlots(
  pool: Pool,
  clientId: string,
  request: { count: number; horizonMs: number; spacing: RateSpacing; leadMs: number },
): Promise<RateReservation> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    const { sharedBudgetId, ...own } = await lockClientBudget(tx, clientId);
    const shared = sharedBudgetId === null ? undefined : { id: sharedBudgetId, ...(await lockSharedBudget(tx, clientId, sharedBudgetId)) };
    const { clock, ...latest } = await latestSlots(tx, clientId, own.limit, shared);
    const databaseClock = databaseClocks.get(pool) ?? new DatabaseClock();
    databaseClocks.set(pool, databaseClock);
    const offset = databaseClock.read(clock);
    const local = (slotMs: number) => slotMs - offset;
    // From when the answer was read, not when the database read its clock: a slow answer must not make the first slot late already.
    const earliest = clock.answeredAt + offset + request.leadMs;
    const plan = planSlots(
      slotRules(own, shared, latest, request.spacing),
      { notBefore: earliest, notAfter: earliest + request.horizonMs },
      request.count,
    );
    const keepMs = Math.max(own.windowMs, shared?.windowMs ?? 0);
    const inserted = plan.slots.length ? await insertSlots(tx, clientId, sharedBudgetId, plan.slots, keepMs) : [];
    await tx.query('COMMIT');
    return {
      slots: inserted.map(({ id, slotMs }) => ({ reservationId: id, dueAt: local(slotMs) })),
      nextDueAt: plan.nextAt === undefined ? undefined : local(plan.nextAt),
    };
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    tx.release();
  }
}

/** Gives back slots that were not used; removing a slot only ever loosens the spacing of later ones. */
export async function releaseRateSlots(pool: Pool, reservationIds: string[]): Promise<void> {
  await pool.query('DELETE FROM rate_reservations WHERE id = any($1::bigint[])', [reservationIds]);
}
