import { migrate, shippedMigrations } from '../../src/infra/database';
import { useUnitTestDatabase } from '../helpers/database';

const database = useUnitTestDatabase();

/** The tables the migrations make (a partitioned one with its default partition), and node-pg-migrate's own record of them. */
const TABLES = [
  'campaign_snapshots',
  'campaign_snapshots_default',
  'campaign_versions',
  'campaigns',
  'clients',
  'pgmigrations',
  'rate_reservations',
  'shared_rate_budgets',
  'sync_runs',
];
/** The functions the migrations make. */
const FUNCTIONS = ['campaign_deltas', 'campaign_interval_starts'];
/** The tables and the views the migrations make, as information_schema lists them. */
const RELATIONS = [...TABLES, 'campaign_history'].sort();

test('processes migrating at the same time all succeed (the lock losers wait, then find nothing to do)', async () => {
  const { connectionString, pool } = database();
  const tables = async () =>
    (
      await pool.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
      )
    ).rows.map((r) => r.name);
  expect(await tables()).toEqual(RELATIONS);
  // CASCADE: the views go with the tables they read; a function does not depend on them.
  await pool.query(`DROP TABLE ${TABLES.join(', ')} CASCADE`);
  await pool.query(`DROP FUNCTION ${FUNCTIONS.join(', ')}`);
  expect(await tables()).toEqual([]);
  await Promise.all([migrate(connectionString), migrate(connectionString), migrate(connectionString)]);
  // The schema is back, and each file in migrations/ was applied once, in order.
  expect(await tables()).toEqual(RELATIONS);
  const { rows } = await pool.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY id');
  expect(rows.map((r) => r.name)).toEqual(shippedMigrations());
}, 60_000);
