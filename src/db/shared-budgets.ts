import type { Pool } from 'pg';

/** A limit above the account: requests per window summed over every client that names it. */
export interface SharedBudgetRecord {
  id: string;
  rateLimit: number;
  rateWindowMs: number;
}

export async function saveSharedBudget(pool: Pool, budget: SharedBudgetRecord): Promise<void> {
  await pool.query(
    `INSERT INTO shared_rate_budgets (id, rate_limit, rate_window_ms) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET rate_limit = excluded.rate_limit, rate_window_ms = excluded.rate_window_ms`,
    [budget.id, budget.rateLimit, budget.rateWindowMs],
  );
}

export async function listSharedBudgets(pool: Pool): Promise<(SharedBudgetRecord & { clients: number })[]> {
  const { rows } = await pool.query<SharedBudgetRecord & { clients: number }>(
    `SELECT b.id, b.rate_limit AS "rateLimit", b.rate_window_ms AS "rateWindowMs",
            (SELECT count(*)::int FROM clients c WHERE c.shared_budget_id = b.id) AS clients
       FROM shared_rate_budgets b ORDER BY b.id`,
  );
  return rows;
}

/**
 * Deletes a shared budget no client names; its slots already handed out stay counted until they
 * expire. Returns how many clients still name it (then nothing is deleted), or undefined when
 * there is no such budget.
 */
export async function deleteSharedBudget(pool: Pool, id: string): Promise<{ deleted: boolean; clients: number } | undefined> {
  const { rows } = await pool.query<{ found: boolean; clients: number; deleted: number }>(
    `WITH users AS (SELECT count(*)::int AS n FROM clients WHERE shared_budget_id = $1),
          deleted AS (DELETE FROM shared_rate_budgets WHERE id = $1 AND (SELECT n FROM users) = 0 RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM shared_rate_budgets WHERE id = $1) AS found,
            (SELECT n FROM users) AS clients, (SELECT count(*)::int FROM deleted) AS deleted`,
    [id],
  );
  const row = rows[0]!;
  return row.found ? { deleted: row.deleted === 1, clients: row.clients } : undefined;
}
