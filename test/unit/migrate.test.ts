import { migrate } from '../../src/infra/database';
import { useUnitTestDatabase } from './helpers/database';

const database = useUnitTestDatabase();

test('processes migrating at the same time all succeed (the lock losers wait, then find nothing to do)', async () => {
  const { connectionString, pool } = database();
  await pool.query('DROP TABLE rate_reservations, sync_runs, campaigns, clients, pgmigrations');
  await Promise.all([migrate(connectionString), migrate(connectionString), migrate(connectionString)]);
  const { rows } = await pool.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY id');
  expect(rows.map((r) => r.name)).toEqual(['1732240000000_initial-schema', '1732240000001_rate-reservations', '1732240000002_sync-runs-rejected', '1732240000003_campaign-sync-run']);
}, 60_000);
