import { readFile } from 'node:fs/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { generatedAccountCredentials } from '../../mock-api/accounts';
import type { MockConfig, PoisonMode } from '../../mock-api/config';
import { POISONS, type Poison } from '../../mock-api/poison-names';
import { poisonSetting } from '../../mock-api/poisons';
import { Stack } from '../../dev-stack/stack';
import type { WorkerProcess } from '../../dev-stack/worker-process';
import type { SyncSummary } from '../../src/contract/sync';
import { failureReason } from '../../src/cli/progress';
import { syncedClient, verifyAndRecord } from '../helpers/chaos-harness';
import { activityRetries } from '../helpers/histories';

// Poisoned answers (issue 15): well-formed HTTP that is absurd. Each poison is served once while
// several clients sync on two worker processes; then a platform that keeps answering poison. The
// workers must live through all of it, no sync may be left running, every good campaign must be
// stored with the platform's values, and nothing foreign stored.

jest.setTimeout(600_000);

const LIMIT = 10;
const WINDOW_MS = 1000;
const CAMPAIGNS = 25;
/** The longest wait a 429 may impose on these workers (the platform asks for 3 years and for 1e306 s). */
const MAX_RETRY_AFTER_MS = 5000;
/** Enough last pages (25 campaigns in pages of 10: the third has room) for every record poison. */
const CLIENTS = Array.from({ length: 6 }, (_, i) => syncedClient(`poisoned-${i + 1}`, generatedAccountCredentials(i + 1), LIMIT));

let stack: Stack;
let workers: WorkerProcess[];

beforeAll(async () => {
  stack = await Stack.start({
    generatedAccounts: CLIENTS.length,
    campaignsPerAccount: CAMPAIGNS,
    rateLimit: LIMIT,
    rateWindowMs: WINDOW_MS,
    syncLatencyMs: 20,
    rate503: 0,
    hangRate: 0,
  });
  for (const client of CLIENTS) await stack.addClient(client.clientId, client, { rateLimit: LIMIT, rateWindowMs: WINDOW_MS });
  const env = { PLATFORM_MAX_RETRY_AFTER_MS: String(MAX_RETRY_AFTER_MS) };
  workers = [await stack.startWorker(env), await stack.startWorker(env)];
});
afterAll(() => stack?.stop());

const poisons = (mode: PoisonMode, which: readonly Poison[] = POISONS): Partial<MockConfig> =>
  Object.fromEntries(which.map((poison) => [poisonSetting(poison), mode]));

/** Fresh figures (and every `once` poison re-armed) for the next part. */
const resetMock = () => fetch(`${stack.mock.url}/__mock/reset`, { method: 'POST' });

/** Every client's sync at once; each one's summary or failure. */
const syncAll = () =>
  Promise.all(
    CLIENTS.map(async (c) =>
      (await stack.startSync({ clientId: c.clientId, pageSize: 10 })).result().catch((err: unknown) => err as WorkflowFailedError),
    ),
  );

/** Workers that have exited: none may, whatever they were given. */
const deadWorkers = () => workers.filter((w) => w.child.exitCode !== null || w.child.signalCode !== null).length;

/** Rows of sync_runs and workflows of the task queue that still say running. */
async function leftRunning(): Promise<{ rows: number; workflows: number }> {
  const { rows } = await stack.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM sync_runs WHERE status = 'running'`);
  const workflows = await stack.temporal.workflow.count(`TaskQueue = '${stack.taskQueue}' AND ExecutionStatus = 'Running'`);
  return { rows: rows[0]!.n, workflows: workflows.count };
}

/** The longest a client waited after a poisoned 429 before its next request reached the platform. */
async function longestWaitAfterPoisoned429(): Promise<number> {
  let longest = 0;
  for (const client of CLIENTS) {
    const requests = await stack.mock.requests(client.account);
    requests.forEach((request, i) => {
      if (request.status === 429 && request.poison && requests[i + 1]) longest = Math.max(longest, requests[i + 1]!.at - request.at);
    });
  }
  return longest;
}

/** The worker processes' peak resident memory so far (VmHWM), in MB; the pid is the worker's own (its log says it), not its supervisor's. */
const peakRssMb = () =>
  Promise.all(
    workers.map(async (w) => {
      const pid = /"pid":(\d+)[^\n]*"msg":"worker started"/.exec(w.output())?.[1];
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024);
    }),
  );

test('every poison once, six clients on two workers: workers live, every sync finishes, good campaigns stored, bad records reported', async () => {
  // The same syncs without poisons first: what the poisoned run is compared with.
  const cleanStartedAt = Date.now();
  expect((await syncAll()).every((s) => !(s instanceof Error))).toBe(true);
  const cleanSeconds = (Date.now() - cleanStartedAt) / 1000;

  await stack.mock.configure(poisons('once'));
  await resetMock();
  const startedAt = Date.now();
  const outcomes = await syncAll().finally(() => stack.mock.configure(poisons('off')));
  const seconds = (Date.now() - startedAt) / 1000;

  const failed = outcomes.filter((o) => o instanceof Error).map((o) => failureReason(o as Error));
  expect(failed).toEqual([]);
  const summaries = outcomes as SyncSummary[];
  const served = (await stack.mock.stats()).poisonsServed;
  expect(served).toEqual(Object.fromEntries(POISONS.map((p) => [p, 1])));
  expect(deadWorkers()).toBe(0);
  expect(await leftRunning()).toEqual({ rows: 0, workflows: 0 });
  const { rows: foreign } = await stack.database.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM campaigns WHERE campaign_id LIKE 'foreign_%' OR campaign_id LIKE 'poison-%'`,
  );
  expect(foreign[0]!.n).toBe(0);
  // Each record poison is reported by its id (the 10 KB one truncated), with why.
  const rejected = summaries.flatMap((s) => s.rejectedRecords);
  expect(rejected.map((r) => r.id!.replace(/^(poison-long-id-).*$/s, '$1…')).sort()).toEqual([
    'poison-counter-overflow',
    'poison-deep-nesting',
    'poison-lone-surrogate',
    'poison-long-id-…',
    'poison-nul-character',
  ]);
  const longId = rejected.find((r) => r.id!.startsWith('poison-long-id-'))!;
  expect(longId.id!.length).toBeLessThan(120);
  expect(longId.reason).toBe('id: is longer than 1024 bytes');
  const longestWaitMs = await longestWaitAfterPoisoned429();
  // The platform asked for 3 years and for 1e306 s; the wait is clamped: the retry comes no sooner
  // than the clamp (on the platform's clock), and was scheduled by exactly the clamp, not by what was asked.
  expect(longestWaitMs).toBeGreaterThanOrEqual(MAX_RETRY_AFTER_MS - 100);
  const afterRateLimit = (await activityRetries(stack)).filter((retry) => retry.after === 'PlatformRateLimited');
  expect(afterRateLimit.length).toBeGreaterThan(0);
  expect(afterRateLimit).toEqual(afterRateLimit.map(() => ({ after: 'PlatformRateLimited', delayMs: MAX_RETRY_AFTER_MS })));

  await verifyAndRecord(
    stack,
    CLIENTS,
    {
      scenario: 'poisoned answers',
      injections: `each once: ${POISONS.join(', ')}`,
      runs: CLIENTS.length,
      startedAt,
      outcome:
        `completed; ${Object.values(served).reduce((a, b) => a + b, 0)} poisons served, ${deadWorkers()} of ${workers.length} workers died, ` +
        `0 syncs left running, 0 foreign records stored, ${rejected.length} bad records reported by id, ` +
        `longest wait ${(longestWaitMs / 1000).toFixed(1)} s (asked: 99999999 s and 1e306 s), ` +
        `${seconds.toFixed(1)} s against ${cleanSeconds.toFixed(1)} s without poisons`,
    },
    (n) => ({ status: 'completed', listed: n, synced: n, failed: 0 }),
  );
});

test.each([
  ['huge-body', /answered 200 with a body over 1048576 bytes \(attempt 3; not retried further\)/],
  ['extra-records', /answered page 1 with 5010 records for a limit of 10 \(attempt 3; not retried further\)/],
] as const)(
  'a platform that always answers %s: syncs fail fast and say why, workers live, the next clean sync completes',
  async (poison, reason) => {
    const startedAt = Date.now();
    const [client] = CLIENTS;
    const before = await stack.campaignRows(client!.clientId);
    await stack.mock.configure(poisons('always', [poison]));
    await resetMock();
    try {
      const failure = await (await stack.startSync({ clientId: client!.clientId, pageSize: 10 })).result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect(failureReason(failure as Error)).toMatch(reason);
      const { rows } = await stack.database.pool.query(
        `SELECT status, error FROM sync_runs WHERE client_id = $1 ORDER BY started_at DESC LIMIT 1`,
        [client!.clientId],
      );
      expect(rows[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^fetchCampaignPage failed: /) });
      expect((await stack.mock.stats()).poisonsServed[poison]).toBe(3);
      expect(await stack.campaignRows(client!.clientId)).toEqual(before);
      expect(deadWorkers()).toBe(0);
      expect(await leftRunning()).toEqual({ rows: 0, workflows: 0 });
      const rss = await peakRssMb();
      await verifyAndRecord(
        stack,
        [client!],
        {
          scenario: `poison always: ${poison}`,
          injections: `every list answer: ${poison === 'huge-body' ? 'a 64 MB body' : '5,000 records more than the limit'}`,
          runs: 1,
          startedAt,
          outcome: `failed after 3 attempts: ${failureReason(failure as Error)}; workers alive (peak RSS ${rss.join(' / ')} MB)`,
        },
        () => ({ status: 'failed' }),
      );
    } finally {
      await stack.mock.configure(poisons('off', [poison]));
    }
    await (await stack.startSync({ clientId: client!.clientId, pageSize: 10 })).result();
    expect(deadWorkers()).toBe(0);
  },
);
