import type { Pool, PoolClient } from 'pg';

export interface RateSlot {
  reservationId: string;
  /** How long to wait, by the database's clock, before sending. */
  waitMs: number;
}

async function lockClientBudget(tx: PoolClient, clientId: string): Promise<void> {
  // Serialises reservations of one client across all workers; other clients are not blocked.
  await tx.query('SELECT 1 FROM clients WHERE id = $1 FOR UPDATE', [clientId]);
}

async function insertNextSlot(tx: PoolClient, clientId: string, marginMs: number): Promise<RateSlot> {
  const { rows } = await tx.query<{ id: string; wait_ms: number }>(
    `WITH policy AS (
       SELECT rate_limit, rate_window_ms FROM clients WHERE id = $1
     ),
     limiting_slot AS (
       SELECT r.slot_at
         FROM rate_reservations r
        WHERE r.client_id = $1
        ORDER BY r.slot_at DESC
       OFFSET (SELECT rate_limit - 1 FROM policy) LIMIT 1
     ),
     slot AS (
       SELECT greatest(clock_timestamp(),
                       (SELECT slot_at FROM limiting_slot) + make_interval(secs => (rate_window_ms + $2) / 1000.0)) AS slot_at
         FROM policy
     )
     INSERT INTO rate_reservations (client_id, slot_at)
     SELECT $1, slot_at FROM slot
     RETURNING id, greatest(0, extract(epoch FROM slot_at - clock_timestamp()) * 1000)::float8 AS wait_ms`,
    [clientId, marginMs],
  );
  return { reservationId: rows[0]!.id, waitMs: rows[0]!.wait_ms };
}

async function deleteExpiredSlots(tx: PoolClient, clientId: string): Promise<void> {
  await tx.query(
    `DELETE FROM rate_reservations r
      USING clients c
      WHERE c.id = r.client_id AND r.client_id = $1
        AND r.slot_at < clock_timestamp() - make_interval(secs => c.rate_window_ms * 2 / 1000.0)`,
    [clientId],
  );
}

/** Takes the client's next free request slot. Slots are spaced by the window plus a safety margin. */
export async function reserveRateSlot(pool: Pool, clientId: string, marginMs: number): Promise<RateSlot> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    await lockClientBudget(tx, clientId);
    const slot = await insertNextSlot(tx, clientId, marginMs);
    await deleteExpiredSlots(tx, clientId);
    await tx.query('COMMIT');
    return slot;
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    tx.release();
  }
}

/** Gives back a slot that was not used; removing a slot only ever loosens the spacing of later ones. */
export async function releaseRateSlot(pool: Pool, reservationId: string): Promise<void> {
  await pool.query('DELETE FROM rate_reservations WHERE id = $1', [reservationId]);
}
