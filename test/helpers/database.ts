import { saveClient } from '../../src/db/clients';
import { testDatabase, type TestDatabase } from '../../dev-stack/databases';

/** Starting an embedded server (first run: initdb) takes a while. */
const DATABASE_SETUP_TIMEOUT_MS = 120_000;

/** One scratch database for the test file: opened before its tests, dropped after them. */
export function useUnitTestDatabase(): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await testDatabase('reachable');
  }, DATABASE_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await db?.stop();
  }, DATABASE_SETUP_TIMEOUT_MS);
  return () => db!;
}

let clients = 0;

/** Registers a client under a fresh id, so tests in one database do not see each other's rows. */
export async function addTestClient(
  db: TestDatabase,
  rate: { rateLimit: number; rateWindowMs: number; sharedBudgetId?: string } = { rateLimit: 10, rateWindowMs: 60_000 },
): Promise<string> {
  const id = `unit-${process.pid}-${++clients}`;
  await saveClient(db.pool, { id, name: id, apiBaseUrl: 'http://127.0.0.1:1', credentialsRef: `${id}-login`, enabled: true, ...rate });
  return id;
}
