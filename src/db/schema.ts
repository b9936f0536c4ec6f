import type { ClientBase, Pool } from 'pg';

/** node-pg-migrate's record of the migrations applied, one row each (name = file name without `.sql`). */
export const MIGRATIONS_TABLE = 'pgmigrations';

/**
 * How the database's schema stands against the migrations this version ships:
 * - `current`: every shipped migration is applied, and nothing else;
 * - `behind`: some shipped migration is not applied (the code would use what is not there yet);
 * - `ahead`: all are applied, plus some this version does not know (a newer version migrated;
 *   migrations only add, so older code keeps working, but say so).
 */
export type SchemaStatus = { state: 'current' } | { state: 'behind'; missing: string[] } | { state: 'ahead'; unknown: string[] };

export function schemaStatus(shipped: readonly string[], applied: readonly string[]): SchemaStatus {
  const appliedSet = new Set(applied);
  const shippedSet = new Set(shipped);
  const missing = shipped.filter((name) => !appliedSet.has(name));
  if (missing.length > 0) return { state: 'behind', missing };
  const unknown = applied.filter((name) => !shippedSet.has(name));
  return unknown.length > 0 ? { state: 'ahead', unknown } : { state: 'current' };
}

/** The migrations applied to the database, in order; none when it was never migrated. */
export async function appliedMigrations(db: Pool | ClientBase): Promise<string[]> {
  const { rows: table } = await db.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [MIGRATIONS_TABLE]);
  if (!table[0]?.found) return [];
  const { rows } = await db.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY run_on, id`);
  return rows.map((row) => row.name);
}
