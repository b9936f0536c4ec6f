import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type Pool } from 'pg';
import { createPool } from '../src/db/pool';
import { freePort } from './processes';
import { migrate, startEmbeddedDatabase } from '../src/infra/database';
import { PROJECT_ROOT } from '../src/config';

export const EXTERNAL_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  connectionString: string;
  pool: Pool;
  stop(): Promise<void>;
  /** Embedded only: stops the server, waits, and starts it again on the same folder and port. */
  restartServer?(downMs: number): Promise<void>;
}

/** A scratch folder under data/ for an embedded server's data folder (`<dir>/data`); the caller removes it. */
export function scratchPostgresDir(): string {
  const root = join(PROJECT_ROOT, 'data');
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'test-pg-'));
  chmodSync(dir, 0o755); // the postgres user must reach the data folder inside
  return dir;
}

/** An embedded server in a scratch folder under data/, migrated, removed afterwards. */
export async function embeddedTestDatabase(): Promise<TestDatabase> {
  const dir = scratchPostgresDir();
  const started = await startOnFreePort(join(dir, 'data'));
  const options = started.options;
  let database = started.database;
  await migrate(database.connectionString);
  const pool = createPool(database.connectionString);
  return {
    connectionString: database.connectionString,
    pool,
    async stop() {
      await pool.end();
      await database.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async restartServer(downMs: number) {
      await database.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      database = await startEmbeddedDatabase(options);
    },
  };
}

/** A port freePort found can be taken before PostgreSQL binds it (servers start beside it): take another. */
async function startOnFreePort(dataDir: string) {
  for (let attempt = 1; ; attempt++) {
    const options = { dataDir, port: await freePort() };
    try {
      return { options, database: await startEmbeddedDatabase(options) };
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('already in use')) throw err;
    }
  }
}

/** A fresh database on an external server (DATABASE_URL, else the machine's 127.0.0.1:5432), dropped afterwards. */
export async function externalTestDatabase(serverUrl = EXTERNAL_DATABASE_URL): Promise<TestDatabase> {
  const name = `campaign_sync_test_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const connectionString = url.toString();
  await migrate(connectionString);
  const pool = createPool(connectionString);
  return {
    connectionString,
    pool,
    async stop() {
      await pool.end();
      const cleanup = new Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${cleanup.escapeIdentifier(name)} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/**
 * Where a test's or benchmark's scratch database lives, decided here only:
 * - `configured`: DATABASE_URL's server when set, else embedded, as the product decides (end-to-end tests);
 * - `reachable`: a server answering at DATABASE_URL or 127.0.0.1:5432, else embedded, which spares
 *   starting one (unit tests, benchmarks);
 * - `embedded`: always embedded (tests that stop and restart the server).
 */
export async function testDatabase(where: 'configured' | 'reachable' | 'embedded'): Promise<TestDatabase> {
  const external = where === 'configured' ? Boolean(process.env.DATABASE_URL) : where === 'reachable' && (await externalServerReachable());
  return external ? externalTestDatabase() : embeddedTestDatabase();
}

export async function externalServerReachable(serverUrl = EXTERNAL_DATABASE_URL): Promise<boolean> {
  const db = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 2000 });
  try {
    await db.connect();
    await db.end();
    return true;
  } catch {
    return false;
  }
}
