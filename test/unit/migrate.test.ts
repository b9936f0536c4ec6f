import { readdirSync } from 'node:fs';
import { migrate, MIGRATIONS_DIR } from '../../src/infra/database';
import { useUnitTestDatabase } from './helpers/database';

const database = useUnitTestDatabase();

test('processes migrating at the same time all succeed (the lock losers wait, then find nothing to do)', async () => {
  const { connectionString, pool } = database();
  await pool.query('DROP TABLE rate_reservations, sync_runs, campaigns, clients, pgmigrations');
  await Promise.all([migrate(connectionString), migrate(connectionString), migrate(connectionString)]);
  const { rows } = await pool.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY id');
  // Each applied once, in order.
  const migrations = readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => f.replace(/\.sql$/, ''));
  expect(migrations.length).toBeGreaterThanOrEqual(5);
  expect(rows.map((r) => r.name)).toEqual(migrations);
}, 60_000);
