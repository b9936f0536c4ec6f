import { runner } from 'node-pg-migrate';
import { Client } from 'pg';
import { testDatabase, type TestDatabase } from '../../dev-stack/databases';
import { upsertCampaigns } from '../../src/db/campaigns';
import { migrate, MIGRATIONS_DIR } from '../../src/infra/database';
import { MIGRATIONS_TABLE } from '../../src/db/schema';
import { plainCampaign } from '../helpers/campaigns';

// A database migrated and synced by the version before the history: the history's migrations add
// empty tables, touch nothing already stored, and the next sync starts each campaign's history.

const BEFORE_HISTORY = 6; // migrations 0000 to 0005

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase('reachable');
}, 120_000);
afterAll(async () => {
  await db?.stop();
}, 120_000);

test('upgrading a synced database: its campaigns untouched, history empty, then kept from the next sync on', async () => {
  // A scratch database beside the test database, migrated only as far as the version before.
  const name = `before_history_${process.pid}`;
  const server = new Client({ connectionString: db.connectionString });
  await server.connect();
  await server.query(`CREATE DATABASE ${name}`);
  const url = new URL(db.connectionString);
  url.pathname = `/${name}`;
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await runner({
      databaseUrl: url.toString(),
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: MIGRATIONS_TABLE,
      count: BEFORE_HISTORY,
      log: () => undefined,
      singleTransaction: true,
    });
    await admin.query(`INSERT INTO clients (id, name, api_base_url, credentials_ref) VALUES ('old', 'Old', 'http://127.0.0.1:1', 'old')`);
    await admin.query(
      `INSERT INTO campaigns (client_id, campaign_id, name, status, budget, impressions, clicks, conversions, created_at, platform_record, last_sync_run)
       VALUES ('old', 'c1', 'c1', 'active', 1, 500, 50, 5, now(), '{"id":"c1"}', 'run-old')`,
    );
    const campaignsBefore = (await admin.query('SELECT * FROM campaigns ORDER BY campaign_id')).rows;

    await migrate(url.toString());

    expect((await admin.query('SELECT * FROM campaigns ORDER BY campaign_id')).rows).toEqual(campaignsBefore);
    const counts = async () =>
      (
        await admin.query<{ snapshots: number; versions: number }>(
          `SELECT (SELECT count(*)::int FROM campaign_snapshots) AS snapshots, (SELECT count(*)::int FROM campaign_versions) AS versions`,
        )
      ).rows[0];
    expect(await counts()).toEqual({ snapshots: 0, versions: 0 });

    const pool = { query: admin.query.bind(admin) } as unknown as Parameters<typeof upsertCampaigns>[0];
    expect(await upsertCampaigns(pool, 'old', 'run-new', [{ ...plainCampaign('c1'), impressions: 700 }], new Date().toISOString())).toEqual(
      {
        inserted: 0,
        updated: 1,
        unchanged: 0,
      },
    );
    expect(await counts()).toEqual({ snapshots: 1, versions: 1 });
  } finally {
    await admin.end();
    await server.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await server.end();
  }
});
