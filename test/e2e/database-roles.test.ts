import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { REFERENCE_ACCOUNT } from '../../mock-api/accounts';
import { BUILT } from '../../dev-stack/built';
import { EXTERNAL_DATABASE_URL, externalServerReachable } from '../../dev-stack/databases';
import { Stack } from '../../dev-stack/stack';
import { databasePoolOptions, loadSettings } from '../../src/config';
import { createPool } from '../../src/db/pool';
import { RUNTIME_TABLE_PRIVILEGES } from '../../src/db/grants';
import { shippedMigrations } from '../../src/infra/database';

jest.setTimeout(300_000);

// The PostgreSQL these tests use trusts every local connection (trust auth): no password is
// checked. The worker is given one anyway (DATABASE_PASSWORD, as in production), but what these
// tests show limits it is its role and that role's grants, never the password.
const ROLE = `cs_worker_${process.pid}`;
const PASSWORD = 'not-checked-under-trust-auth';
const FAST_WINDOW = { rateLimit: 10, rateWindowMs: 2000 };
const MOCK_FAST = { rateLimit: 10, rateWindowMs: 2000, syncLatencyMs: 100, seed: 7 };
const MIGRATIONS = shippedMigrations();
const LAST_MIGRATION = MIGRATIONS.at(-1)!;

let stack: Stack;
let admin: Client;
/** A database made by the test, never migrated before the first test migrates it. */
const freshName = `campaign_sync_roles_${process.pid}_${Date.now()}`;

/** The URL of `database` (another URL on the same server) as `user`, with no password. */
function urlOf(database: string, user: string): string {
  const url = new URL(EXTERNAL_DATABASE_URL);
  url.username = user;
  url.password = '';
  url.pathname = `/${database}`;
  return url.toString();
}
const ownerUrl = (database: string) => urlOf(database, new URL(EXTERNAL_DATABASE_URL).username || 'postgres');
const stackDatabase = () => new URL(stack.database.connectionString).pathname.slice(1);

async function run(script: string, env: Record<string, string>, ...args: string[]) {
  const settings = { ...process.env, TEMPORAL_ADDRESS: stack.devServer.address, TEMPORAL_TASK_QUEUE: stack.taskQueue, ...env };
  return promisify(execFile)(process.execPath, [script, ...args], { env: settings, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}
const cli = (env: Record<string, string>, ...args: string[]) => run(BUILT.cli, env, ...args);
/** The worker role's environment on `database`: the password apart from the URL, as from a secret file. */
const asWorkerRole = (database: string) => ({ DATABASE_URL: urlOf(database, ROLE), DATABASE_PASSWORD: PASSWORD });

beforeAll(async () => {
  if (!(await externalServerReachable())) throw new Error('these tests need PostgreSQL at DATABASE_URL or 127.0.0.1:5432');
  admin = new Client({ connectionString: EXTERNAL_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE ROLE ${escapeIdentifier(ROLE)} LOGIN PASSWORD ${escapeLiteral(PASSWORD)}`);
  await admin.query(`CREATE DATABASE ${escapeIdentifier(freshName)}`);
  stack = await Stack.start(MOCK_FAST, { database: 'reachable' });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  // The role's grants live in the two databases: dropping them lets the role go.
  await admin?.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(freshName)} WITH (FORCE)`);
  await admin?.query(`DROP ROLE IF EXISTS ${escapeIdentifier(ROLE)}`);
  await admin?.end();
});

/** SQL as the owner on `database`. */
async function asOwner<T>(database: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const owner = new Client({ connectionString: ownerUrl(database) });
  await owner.connect();
  try {
    return (await owner.query(sql, values)).rows as T[];
  } finally {
    await owner.end();
  }
}

test('`migrate`, as the owner, applies every migration and grants the worker role row rights on its tables only', async () => {
  const migrated = await cli(
    { DATABASE_URL: urlOf(freshName, ROLE), DATABASE_OWNER_URL: ownerUrl(freshName) },
    'migrate',
    '--grant-to',
    ROLE,
  );
  const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  expect(migrated).toMatchObject({ code: 0, stderr: '' });
  expect(migrated.stdout.split('\n')).toEqual([
    `migrations: ${MIGRATIONS.length} applied, ${MIGRATIONS.length} in all`,
    `role ${ROLE}: granted read and write on the application's tables, no DDL`,
    expect.stringMatching(
      new RegExp(
        `^history: daily partitions 8 made \\(campaign_snapshots_p${today} … campaign_snapshots_p\\d{8}\\); 0 snapshots moved out of the default partition$`,
      ),
    ),
    'history: kept in full (HISTORY_KEEP_DAYS is not set)',
    '',
  ]);
  const grants = await asOwner<{ table: string; privileges: string[] }>(
    freshName,
    `SELECT table_name AS table, array_agg(privilege_type::text ORDER BY privilege_type) AS privileges
       FROM information_schema.role_table_grants WHERE grantee = $1 GROUP BY table_name`,
    [ROLE],
  );
  const expected = Object.entries(RUNTIME_TABLE_PRIVILEGES).map(([table, privileges]) => ({ table, privileges: [...privileges].sort() }));
  expect(grants.sort((a, b) => a.table.localeCompare(b.table))).toEqual(expected.sort((a, b) => a.table.localeCompare(b.table)));
  const [role] = await asOwner<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean }>(
    'postgres',
    'SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1',
    [ROLE],
  );
  expect(role).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false });

  // `maintain` as the owner: the days already made stay, the retention drops nothing yet; as the
  // worker role it is refused (no DDL rights).
  expect(await cli({ DATABASE_URL: ownerUrl(freshName), HISTORY_KEEP_DAYS: '30' }, 'maintain', '--days-ahead', '9')).toEqual({
    code: 0,
    stdout: expect.stringMatching(
      /^history: daily partitions 2 made \(campaign_snapshots_p\d{8} … campaign_snapshots_p\d{8}\); 0 snapshots moved out of the default partition\nhistory: keeping 30 days: 0 partitions dropped, 0 older snapshots deleted from the default partition\n$/,
    ),
    stderr: '',
  });
  expect(await cli(asWorkerRole(freshName), 'maintain', '--days-ahead', '10')).toMatchObject({
    code: 1,
    stderr: expect.stringMatching(
      /^campaign-sync: Cannot use PostgreSQL at [^ ]+ \([^\n]*permission denied[^\n]*\): check DATABASE_URL and that the server runs\n$/,
    ),
  });

  // Again: nothing to apply, the same grants (they are re-granted on every run).
  expect((await cli({ DATABASE_URL: ownerUrl(freshName) }, 'migrate', '--grant-to', ROLE)).stdout).toMatch(/^migrations: 0 applied/);
  expect(await cli({ DATABASE_URL: ownerUrl(freshName) }, 'migrate', '--grant-to', 'Robert"; DROP TABLE clients; --')).toMatchObject({
    code: 1,
    stderr:
      'campaign-sync: Invalid --grant-to: "Robert"; DROP TABLE clients; --" is not a role name: lower-case letters, digits and _, starting with a letter or _, at most 63\n',
  });
  expect(await cli({ DATABASE_URL: ownerUrl(freshName) }, 'migrate', '--grant-to', `${ROLE}_absent`)).toMatchObject({
    code: 1,
    stderr: `campaign-sync: role "${ROLE}_absent" does not exist: create it first (CREATE ROLE "${ROLE}_absent" LOGIN PASSWORD '...')\n`,
  });
});

test('a worker connected as the worker role syncs a client; the role cannot change the schema', async () => {
  const database = stackDatabase();
  expect((await cli({ DATABASE_URL: ownerUrl(database) }, 'migrate', '--grant-to', ROLE)).code).toBe(0);
  await stack.addClient('ref', REFERENCE_ACCOUNT, FAST_WINDOW);
  await stack.startWorker(asWorkerRole(database));
  const summary = await (await stack.startSync({ clientId: 'ref', pageSize: 10 })).result();
  expect(summary).toMatchObject({ state: 'completed', listed: 100, synced: 100, failed: 0 });
  // The role appended the campaigns' history, each snapshot into its day's partition (made by `migrate`).
  const history = await asOwner<{ snapshots: number; versions: number; inTheirDay: boolean }>(
    database,
    `SELECT (SELECT count(*)::int FROM campaign_snapshots WHERE client_id = 'ref') AS snapshots,
            (SELECT count(*)::int FROM campaign_versions WHERE client_id = 'ref') AS versions,
            (SELECT bool_and(tableoid::regclass::text = 'campaign_snapshots_p' || to_char(listed_at AT TIME ZONE 'UTC', 'YYYYMMDD'))
               FROM campaign_snapshots WHERE client_id = 'ref') AS "inTheirDay"`,
  );
  expect(history).toEqual([{ snapshots: 100, versions: 100, inTheirDay: true }]);
  // The worker's connections (still in its pool) are its role's, under its name.
  const sessions = await asOwner<{ app: string }>(
    'postgres',
    'SELECT DISTINCT application_name AS app FROM pg_stat_activity WHERE usename = $1',
    [ROLE],
  );
  expect(sessions.map((s) => s.app)).toContain('campaign-sync-worker');
  // The CLI as the same role reads and writes rows.
  expect(await cli(asWorkerRole(database), 'runs', 'ref')).toMatchObject({ code: 0, stdout: expect.stringContaining('completed') });
  expect(await cli(asWorkerRole(database), 'clients', 'disable', 'ref')).toMatchObject({ code: 0, stdout: 'client ref disabled\n' });

  const pool = createPool(urlOf(database, ROLE), databasePoolOptions(loadSettings({}), 'campaign-sync-cli'));
  try {
    const { rows: who } = await pool.query<{ user: string; app: string }>(
      `SELECT current_user AS user, current_setting('application_name') AS app`,
    );
    expect(who).toEqual([{ user: ROLE, app: 'campaign-sync-cli' }]);
    // 42501: insufficient_privilege. DDL, TRUNCATE, and an update rate_reservations never needs.
    for (const ddl of [
      'CREATE TABLE intruder (id int)',
      'ALTER TABLE clients ADD COLUMN intruder int',
      'DROP TABLE rate_reservations',
      'TRUNCATE campaigns',
      'UPDATE rate_reservations SET slot_at = now()',
      `INSERT INTO pgmigrations (name, run_on) VALUES ('forged', now())`,
    ])
      await expect(pool.query(ddl)).rejects.toMatchObject({ code: '42501' });
    // The server enforces the pool's limits (defaults: 20 s).
    expect((await pool.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '20s' }]);
    expect((await pool.query('SHOW idle_in_transaction_session_timeout')).rows).toEqual([{ idle_in_transaction_session_timeout: '20s' }]);
  } finally {
    await pool.end();
  }
  const strict = createPool(urlOf(database, ROLE), { statementTimeoutMs: 1000 });
  try {
    // 57014: query_canceled, by the statement timeout.
    await expect(strict.query('SELECT pg_sleep(30)')).rejects.toMatchObject({ code: '57014' });
  } finally {
    await strict.end();
  }
});

test('with a migration not applied, the worker and the CLI refuse to start in one line; a newer schema is only a warning', async () => {
  const behind = `the database schema is behind this version (not applied: ${LAST_MIGRATION}): run \`campaign-sync migrate\` as the owner role\n`;
  await asOwner(freshName, 'DELETE FROM pgmigrations WHERE name = $1', [LAST_MIGRATION]);
  expect(await run(BUILT.worker, asWorkerRole(freshName))).toMatchObject({ code: 1, stderr: `worker: ${behind}` });
  expect(await cli(asWorkerRole(freshName), 'clients', 'list')).toMatchObject({ code: 1, stderr: `campaign-sync: ${behind}` });

  await asOwner(freshName, `INSERT INTO pgmigrations (name, run_on) VALUES ($1, now()), ('9999999999999_from-a-newer-version', now())`, [
    LAST_MIGRATION,
  ]);
  expect(await cli(asWorkerRole(freshName), 'clients', 'list')).toEqual({
    code: 0,
    stdout: 'no clients yet: add one with `campaign-sync clients add`\n',
    stderr:
      'campaign-sync: the database schema is ahead of this version (applied by a newer one: 9999999999999_from-a-newer-version); running anyway, upgrade this process\n',
  });

  // A role never granted its rights is told what to run.
  await asOwner(freshName, `REVOKE ALL ON pgmigrations FROM ${escapeIdentifier(ROLE)}`);
  expect(await cli(asWorkerRole(freshName), 'clients', 'list')).toMatchObject({
    code: 1,
    stderr: `campaign-sync: role "${ROLE}" may not read the database's migrations table: run \`campaign-sync migrate\` as the owner role with --grant-to ${ROLE}\n`,
  });
  // DATABASE_MIGRATE_ON_START=true takes the old way, migrating at start, which this role has no rights for.
  expect(await cli({ ...asWorkerRole(freshName), DATABASE_MIGRATE_ON_START: 'true' }, 'clients', 'list')).toMatchObject({
    code: 1,
    stderr: expect.stringMatching(
      /^campaign-sync: Cannot use PostgreSQL at [^ ]+ \([^\n]*permission denied for schema[^\n]*\): check DATABASE_URL and that the server runs\n$/,
    ),
  });
});
