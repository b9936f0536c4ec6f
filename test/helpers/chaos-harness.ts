import { CHAOS_SCALE, recordResult, type ScenarioResult } from '../../dev-stack/chaos-results';
import { byId, type Stack } from '../../dev-stack/stack';
import { findSecretLeaks, loginSecrets, type NamedSecret } from './secret-leaks';
import type { AccountLogin } from '../../mock-api/accounts';
import { describeFullestWindow } from '../../dev-stack/mock-platform-process';
export { seededRandom } from '../../dev-stack/seeded-random';

export const FULL = CHAOS_SCALE === 'full';

export interface SyncedClient {
  clientId: string;
  account: string;
  email: string;
  password: string;
  rateLimit: number;
}

/** A client registered with the login of a mock account. */
export const syncedClient = (clientId: string, login: AccountLogin, rateLimit: number): SyncedClient => ({
  clientId,
  account: login.id,
  email: login.email,
  password: login.password,
  rateLimit,
});

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the platform saw in a client's fullest window (its limit exceeded). */
async function overfullWindow(stack: Stack, client: SyncedClient): Promise<string> {
  const { rows } = await stack.database.pool.query<{ rate_window_ms: number }>(`SELECT rate_window_ms FROM clients WHERE id = $1`, [
    client.clientId,
  ]);
  const fullest = describeFullestWindow(await stack.mock.requests(client.account), Number(rows[0]!.rate_window_ms));
  return `${client.clientId} went over its limit of ${client.rateLimit}: ${fullest.line}`;
}

/**
 * The checks every scenario ends with: the table equals the platform's truth (every campaign,
 * right values, no duplicates), sync_runs says completed with the right counts, no client's rate
 * went over its limit, and no secret reached a history, a log or a table. Records the figures.
 */
export async function verifyAndRecord(
  stack: Stack,
  clients: SyncedClient[],
  meta: { scenario: string; injections: string; runs: number; startedAt: number; outcome?: string },
  /** What the newest sync_runs row of each client must say; by default a clean completed sync of every campaign. */
  lastRun: (truthSize: number) => Record<string, unknown> = (n) => ({ status: 'completed', listed: n, synced: n, failed: 0 }),
): Promise<ScenarioResult> {
  const stats = await stack.mock.stats();
  let expected = 0,
    found = 0,
    wrongValues = 0,
    duplicates = 0,
    windowRateLimited = 0;
  const windows: { seen: number; limit: number }[] = [];
  const secrets: NamedSecret[] = [];
  for (const client of clients) {
    const truth = (await stack.mock.campaigns(client.account)).sort(byId);
    const rows = await stack.campaignRows(client.clientId);
    const byCampaign = new Map(rows.map((row) => [String(row.id), row]));
    expected += truth.length;
    found += truth.filter((c) => byCampaign.has(String(c.id))).length;
    wrongValues += truth.filter(
      (c) => byCampaign.has(String(c.id)) && JSON.stringify(byCampaign.get(String(c.id))) !== JSON.stringify(c),
    ).length;
    duplicates += rows.length - byCampaign.size + rows.filter((row) => !truth.some((c) => c.id === row.id)).length;
    const account = stats.accounts[client.account]!;
    windowRateLimited += account.rateLimited;
    windows.push({ seen: account.maxArrivalsInWindow, limit: client.rateLimit });
    if (account.maxArrivalsInWindow > client.rateLimit) throw new Error(await overfullWindow(stack, client));
    const { rows: runs } = await stack.database.pool.query(
      `SELECT status, listed, synced, failed, rejected, error FROM sync_runs WHERE client_id = $1 ORDER BY started_at DESC LIMIT 1`,
      [client.clientId],
    );
    expect(runs[0]).toMatchObject(lastRun(truth.length));
    secrets.push(
      ...loginSecrets(client, client.clientId),
      ...(await stack.mock.tokens(client.account)).map((value, i) => ({ name: `${client.clientId} token ${i + 1}`, value })),
    );
  }
  const { leaks } = await findSecretLeaks(stack, secrets);
  const secretsFound = new Set(leaks.map((leak) => leak.secret)).size;
  const worst = windows.sort((a, b) => b.seen / b.limit - a.seen / a.limit)[0];
  const { startedAt, ...described } = meta;
  const result: ScenarioResult = {
    ...described,
    expected,
    found,
    wrongValues,
    duplicates,
    windowRateLimited,
    worstWindow: worst ? `${worst.seen}/${worst.limit}` : '-',
    secretsFound,
    seconds: Math.round((Date.now() - startedAt) / 1000),
  };
  recordResult(result);
  expect({ found, wrongValues, duplicates, windowRateLimited, secretsFound }).toEqual({
    found: expected,
    wrongValues: 0,
    duplicates: 0,
    windowRateLimited: 0,
    secretsFound: 0,
  });
  return result;
}
