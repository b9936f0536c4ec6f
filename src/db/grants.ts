import { escapeIdentifier, type ClientBase } from 'pg';
import { StartupRefusal } from '../infra/startup-errors';
import { MIGRATIONS_TABLE } from './schema';

/**
 * What the runtime role (workers and the CLI) may do to each table, and nothing more: no DDL, no
 * TRUNCATE, REFERENCES or TRIGGER. Read from the statements in src/db/:
 * - clients: the CLI adds, changes, lists and removes clients; workers read them and lock a
 *   client's row FOR UPDATE to serialise its rate budget (FOR UPDATE needs UPDATE);
 * - campaigns, sync_runs: workers upsert and mark them; `clients remove` deletes a client's;
 * - rate_reservations: rows are inserted, read and deleted, never updated;
 * - shared_rate_budgets: the CLI adds, changes, lists and removes them; workers lock a budget's
 *   row FOR UPDATE to serialise its clients' reservations;
 * - campaign_snapshots, campaign_versions: workers append (a snapshot or version is never
 *   changed); `clients remove` deletes a client's; campaign_history (a view) is read;
 * - pgmigrations: read only, for the schema check at start.
 * A table or view a new migration creates gets no rights until it is listed here (a test compares
 * this list with the migrations; a table's partitions are reached through it and need none).
 */
export const RUNTIME_TABLE_PRIVILEGES: Readonly<Record<string, readonly string[]>> = {
  clients: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  campaigns: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  sync_runs: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  rate_reservations: ['SELECT', 'INSERT', 'DELETE'],
  shared_rate_budgets: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  campaign_snapshots: ['SELECT', 'INSERT', 'DELETE'],
  campaign_versions: ['SELECT', 'INSERT', 'DELETE'],
  campaign_history: ['SELECT'],
  [MIGRATIONS_TABLE]: ['SELECT'],
};

/** An unquoted PostgreSQL role name as `CREATE ROLE` folds it: lower-case, at most 63 bytes. */
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Why `name` is refused as the runtime role's name, or undefined when it is fine. */
export function roleNameRefusal(name: string): string | undefined {
  if (ROLE_NAME.test(name)) return undefined;
  return `Invalid --grant-to: "${name}" is not a role name: lower-case letters, digits and _, starting with a letter or _, at most 63`;
}

export interface GrantTarget {
  role: string;
  database: string;
  schema: string;
}

/**
 * The statements giving `role` exactly the rights above, run on every `migrate --grant-to`:
 * earlier rights on the tables are revoked first, so the role ends with the list's rights even
 * after the list shrinks. No right on any sequence: identity columns (rate_reservations.id; use
 * them, not `serial`, in later migrations) take their next value without one. Identifiers are quoted.
 */
export function runtimeGrantStatements({ role, database, schema }: GrantTarget): string[] {
  const to = escapeIdentifier(role);
  const inSchema = escapeIdentifier(schema);
  const statements = [`GRANT CONNECT ON DATABASE ${escapeIdentifier(database)} TO ${to}`, `GRANT USAGE ON SCHEMA ${inSchema} TO ${to}`];
  for (const [table, privileges] of Object.entries(RUNTIME_TABLE_PRIVILEGES)) {
    const qualified = `${inSchema}.${escapeIdentifier(table)}`;
    statements.push(`REVOKE ALL ON TABLE ${qualified} FROM ${to}`, `GRANT ${privileges.join(', ')} ON TABLE ${qualified} TO ${to}`);
  }
  return statements;
}

/**
 * Grants the runtime role its rights on the migrated database, in one transaction, as the
 * connected (owner) role. Returns warnings about rights the role has from elsewhere, which no
 * grant here can take away.
 */
export async function grantRuntimeRole(owner: ClientBase, role: string): Promise<string[]> {
  const { rows } = await owner.query<{ database: string; schema: string; current: string; exists: boolean }>(
    `SELECT current_database() AS database, current_schema() AS schema, current_user AS current,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists`,
    [role],
  );
  const target = rows[0]!;
  if (!target.exists)
    throw new StartupRefusal(`role "${role}" does not exist: create it first (CREATE ROLE ${escapeIdentifier(role)} LOGIN PASSWORD '...')`);
  if (target.current === role)
    throw new StartupRefusal(`--grant-to names the owner role "${role}" itself: name the role workers connect as`);
  await owner.query('BEGIN');
  try {
    for (const statement of runtimeGrantStatements({ role, database: target.database, schema: target.schema }))
      await owner.query(statement);
    await owner.query('COMMIT');
  } catch (err) {
    await owner.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return runtimeRoleWarnings(owner, role, target.schema);
}

async function runtimeRoleWarnings(owner: ClientBase, role: string, schema: string): Promise<string[]> {
  const { rows } = await owner.query<{ superuser: boolean; create: boolean }>(
    `SELECT r.rolsuper AS superuser, has_schema_privilege(r.oid, $2, 'CREATE') AS create FROM pg_roles r WHERE r.rolname = $1`,
    [role, schema],
  );
  const warnings: string[] = [];
  if (rows[0]?.superuser) warnings.push(`role "${role}" is a superuser: grants do not limit it; use a role without SUPERUSER`);
  else if (rows[0]?.create)
    warnings.push(
      `role "${role}" can still create tables in schema "${schema}": REVOKE CREATE ON SCHEMA ${escapeIdentifier(schema)} FROM PUBLIC (and from the role)`,
    );
  return warnings;
}
