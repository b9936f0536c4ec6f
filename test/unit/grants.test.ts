import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR } from '../../src/infra/database';
import { roleNameRefusal, RUNTIME_TABLE_PRIVILEGES, runtimeGrantStatements } from '../../src/db/grants';
import { MIGRATIONS_TABLE } from '../../src/db/schema';

test('the statements: connect, schema usage, then per table its earlier rights revoked and exactly its own granted', () => {
  expect(runtimeGrantStatements({ role: 'campaign_sync_worker', database: 'campaign_sync', schema: 'public' })).toEqual([
    'GRANT CONNECT ON DATABASE "campaign_sync" TO "campaign_sync_worker"',
    'GRANT USAGE ON SCHEMA "public" TO "campaign_sync_worker"',
    'REVOKE ALL ON TABLE "public"."clients" FROM "campaign_sync_worker"',
    'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "public"."clients" TO "campaign_sync_worker"',
    'REVOKE ALL ON TABLE "public"."campaigns" FROM "campaign_sync_worker"',
    'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "public"."campaigns" TO "campaign_sync_worker"',
    'REVOKE ALL ON TABLE "public"."sync_runs" FROM "campaign_sync_worker"',
    'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "public"."sync_runs" TO "campaign_sync_worker"',
    'REVOKE ALL ON TABLE "public"."rate_reservations" FROM "campaign_sync_worker"',
    'GRANT SELECT, INSERT, DELETE ON TABLE "public"."rate_reservations" TO "campaign_sync_worker"',
    'REVOKE ALL ON TABLE "public"."shared_rate_budgets" FROM "campaign_sync_worker"',
    'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "public"."shared_rate_budgets" TO "campaign_sync_worker"',
    'REVOKE ALL ON TABLE "public"."campaign_snapshots" FROM "campaign_sync_worker"',
    'GRANT SELECT, INSERT, DELETE ON TABLE "public"."campaign_snapshots" TO "campaign_sync_worker"',
    'REVOKE ALL ON TABLE "public"."campaign_versions" FROM "campaign_sync_worker"',
    'GRANT SELECT, INSERT, DELETE ON TABLE "public"."campaign_versions" TO "campaign_sync_worker"',
    'REVOKE ALL ON TABLE "public"."campaign_history" FROM "campaign_sync_worker"',
    'GRANT SELECT ON TABLE "public"."campaign_history" TO "campaign_sync_worker"',
    'REVOKE ALL ON TABLE "public"."pgmigrations" FROM "campaign_sync_worker"',
    'GRANT SELECT ON TABLE "public"."pgmigrations" TO "campaign_sync_worker"',
  ]);
});

test('identifiers are quoted, whatever the database and schema are called', () => {
  const statements = runtimeGrantStatements({ role: 'w', database: 'odd"name; DROP', schema: 'My Schema' });
  expect(statements[0]).toBe('GRANT CONNECT ON DATABASE "odd""name; DROP" TO "w"');
  expect(statements[1]).toBe('GRANT USAGE ON SCHEMA "My Schema" TO "w"');
});

test('no right beyond reading and writing rows: no DDL, TRUNCATE, REFERENCES or TRIGGER', () => {
  for (const privileges of Object.values(RUNTIME_TABLE_PRIVILEGES))
    for (const privilege of privileges) expect(['SELECT', 'INSERT', 'UPDATE', 'DELETE']).toContain(privilege);
  expect(RUNTIME_TABLE_PRIVILEGES[MIGRATIONS_TABLE]).toEqual(['SELECT']);
});

test('every table and view the migrations create has its rights listed, partitions aside (a new table is decided, never forgotten)', () => {
  const created = readdirSync(MIGRATIONS_DIR)
    .filter((file) => file.endsWith('.sql'))
    .flatMap((file) =>
      [...readFileSync(join(MIGRATIONS_DIR, file), 'utf8').matchAll(/CREATE (?:TABLE|VIEW) (\w+)\b(?!\s+PARTITION OF)/gi)].map(
        (m) => m[1]!,
      ),
    );
  expect([...created, MIGRATIONS_TABLE].sort()).toEqual(Object.keys(RUNTIME_TABLE_PRIVILEGES).sort());
});

test.each([
  ['campaign_sync_worker', undefined],
  ['_w1', undefined],
  ['a'.repeat(63), undefined],
  ['a'.repeat(64), 'too long'],
  ['Worker', 'upper case'],
  ['1worker', 'starts with a digit'],
  ['w"; DROP TABLE clients; --', 'SQL'],
  ['', 'empty'],
  ['campaign-sync', 'a dash'],
])('role name %j', (name, refusedFor) => {
  const refusal = roleNameRefusal(name);
  if (refusedFor === undefined) expect(refusal).toBeUndefined();
  else
    expect(refusal).toBe(
      `Invalid --grant-to: "${name}" is not a role name: lower-case letters, digits and _, starting with a letter or _, at most 63`,
    );
});
