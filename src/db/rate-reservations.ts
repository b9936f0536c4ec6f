import type { Pool, PoolClient } from 'pg';

/** A request slot handed out from a client's budget. */
export interface RateSlot {
  reservationId: string;
  /**
   * When to send, by this process's clock (Date.now()): the database's slot time carried over as
   * a distance from the moment its clock was read, so clock differences between hosts do not matter.
   */
  dueAt: number;
}

export interface RateReservation {
  slots: RateSlot[];
  /** When fewer slots than asked for fell inside the horizon: when the next free one is, by this process's clock. */
  nextDueAt?: number;
}

export interface BudgetPolicy {
  limit: number;
  windowMs: number;
  /** Spacing added to every window: covers the time between our send and the platform's count. */
  marginMs: number;
}

/**
 * The rule of the budget: a slot is never closer than a window (plus the margin) to the slot
 * `limit` places before it, so no sliding window holds more than `limit` slots. Given the latest
 * `limit` slots (epoch ms), plans up to `count` more, none before `notBefore`, stopping at the
 * first that lies beyond `notAfter`, whose time it returns as `nextAt`.
 */
export function planSlots(
  recent: readonly number[],
  { notBefore, notAfter }: { notBefore: number; notAfter: number },
  policy: BudgetPolicy,
  count: number,
): { slots: number[]; nextAt?: number } {
  const times = [...recent].sort((a, b) => a - b);
  const slots: number[] = [];
  while (slots.length < count) {
    const limiting = times.length >= policy.limit ? times[times.length - policy.limit]! + policy.windowMs + policy.marginMs : notBefore;
    const slot = Math.max(notBefore, limiting);
    if (slot > notAfter) return { slots, nextAt: slot };
    times.push(slot);
    slots.push(slot);
  }
  return { slots };
}

async function lockClientBudget(tx: PoolClient, clientId: string): Promise<{ limit: number; windowMs: number }> {
  // Serialises reservations of one client across all workers; other clients are not blocked.
  // A statement of its own: the next statement's snapshot then sees what the previous holder wrote.
  const { rows } = await tx.query<{ limit: number; window_ms: number }>(
    'SELECT rate_limit AS limit, rate_window_ms AS window_ms FROM clients WHERE id = $1 FOR UPDATE',
    [clientId],
  );
  if (!rows[0]) throw new Error(`client ${clientId} is not in the clients table`);
  return { limit: rows[0].limit, windowMs: rows[0].window_ms };
}

async function latestSlots(tx: PoolClient, clientId: string, limit: number): Promise<{ nowMs: number; recentMs: number[] }> {
  const { rows } = await tx.query<{ now_ms: number; recent_ms: number[] }>(
    `SELECT extract(epoch FROM clock_timestamp())::float8 * 1000 AS now_ms,
            array(SELECT extract(epoch FROM slot_at)::float8 * 1000
                    FROM rate_reservations
                   WHERE client_id = $1
                   ORDER BY slot_at DESC
                   LIMIT $2) AS recent_ms`,
    [clientId, limit],
  );
  return { nowMs: rows[0]!.now_ms, recentMs: rows[0]!.recent_ms.map(Number) };
}

async function insertSlots(
  tx: PoolClient,
  clientId: string,
  slotsMs: number[],
  windowMs: number,
): Promise<{ id: string; slotMs: number }[]> {
  // Slots older than two windows can no longer limit anything: they go in the same statement.
  const { rows } = await tx.query<{ id: string; slot_ms: number }>(
    `WITH expired AS (
       DELETE FROM rate_reservations
        WHERE client_id = $1 AND slot_at < clock_timestamp() - make_interval(secs => $3 * 2 / 1000.0)
     )
     INSERT INTO rate_reservations (client_id, slot_at)
     SELECT $1, to_timestamp(slot_ms / 1000.0) FROM unnest($2::float8[]) AS s(slot_ms)
     RETURNING id::text, extract(epoch FROM slot_at)::float8 * 1000 AS slot_ms`,
    [clientId, slotsMs, windowMs],
  );
  return rows.map((r) => ({ id: r.id, slotMs: r.slot_ms })).sort((a, b) => a.slotMs - b.slotMs);
}

/**
 * Takes up to `count` of the client's next free request slots, in one transaction, but only
 * slots due within `horizonMs`: a caller does not hold slots it would wait long for. No slot is
 * sooner than `leadMs` from now: the transaction must commit and the caller get ready before the
 * first one is due, or the request would reach the platform later than its slot says.
 */
export async function reserveRateSlots(
  pool: Pool,
  clientId: string,
  request: { count: number; horizonMs: number; marginMs: number; leadMs: number },
): Promise<RateReservation> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    const policy = await lockClientBudget(tx, clientId);
    const { nowMs, recentMs } = await latestSlots(tx, clientId, policy.limit);
    // The database's `now` was read a moment before this: local times derived from it are, if anything, late.
    const readAt = Date.now();
    const earliest = nowMs + request.leadMs;
    const plan = planSlots(
      recentMs,
      { notBefore: earliest, notAfter: earliest + request.horizonMs },
      { ...policy, marginMs: request.marginMs },
      request.count,
    );
    const inserted = plan.slots.length ? await insertSlots(tx, clientId, plan.slots, policy.windowMs) : [];
    await tx.query('COMMIT');
    const local = (slotMs: number) => readAt + (slotMs - nowMs);
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
