import { WorkflowFailedError } from '@temporalio/client';
import { generatedAccountCredentials, REFERENCE_ACCOUNT } from '../../mock-api/accounts';
import { saveSharedBudget } from '../../src/db/shared-budgets';
import { byId, Stack } from '../../dev-stack/stack';
import { findSecretLeaks, stackSecrets } from '../helpers/secret-leaks';
import { METRIC_NAMES } from '../../src/metrics';

jest.setTimeout(300_000);

// A scaled-down reference window (10 requests per 2 s) keeps these tests short.
const FAST_WINDOW = { rateLimit: 10, rateWindowMs: 2000 };
const MOCK_FAST = { rateLimit: 10, rateWindowMs: 2000, syncLatencyMs: 100, seed: 7 };

describe('syncing the reference account under injected faults', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ ...MOCK_FAST, rate503: 0.2, hangRate: 0.1 });
    await stack.addClient('ref', REFERENCE_ACCOUNT, FAST_WINDOW);
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  test("two syncs in a row leave exactly the platform's 100 campaigns, no duplicates, no 429", async () => {
    const runIds = new Set<string>();
    for (let run = 1; run <= 2; run++) {
      const handle = await stack.startSync({ clientId: 'ref', pageSize: 10 });
      // Asking again while it runs joins the running sync instead of starting a second one.
      expect((await stack.startSync({ clientId: 'ref', pageSize: 10 })).firstExecutionRunId).toBe(handle.firstExecutionRunId);
      runIds.add(handle.firstExecutionRunId);
      const summary = await handle.result();
      expect(summary).toMatchObject({ state: 'completed', listed: 100, synced: 100, failed: 0 });
      if (run === 1) expect(summary.inserted).toBe(100);
      else expect(summary.unchanged).toBe(100);
    }
    expect(runIds.size).toBe(2); // a finished sync can run again
    const truth = (await stack.mock.campaigns(REFERENCE_ACCOUNT.id)).sort(byId);
    expect(await stack.campaignRows('ref')).toEqual(truth);
    const stats = (await stack.mock.stats()).accounts[REFERENCE_ACCOUNT.id]!;
    expect(stats.rateLimited).toBe(0);
    expect(stats.maxArrivalsInWindow).toBeLessThanOrEqual(FAST_WINDOW.rateLimit);
    expect(stats.requests.list?.['503']).toBeGreaterThan(0);
    expect(stats.requests.list?.hung ?? stats.requests.sync?.hung).toBeGreaterThan(0);
    const { rows } = await stack.database.pool.query(`SELECT status, listed, synced, failed FROM sync_runs WHERE client_id = 'ref'`);
    expect(rows).toEqual(Array(2).fill({ status: 'completed', listed: 100, synced: 100, failed: 0 }));
  });

  test('no password, Basic header or token reaches any history (raw or decoded), log line, table or metric', async () => {
    const secrets = await stackSecrets(stack);
    expect(secrets.length).toBeGreaterThan(2);
    const { leaks, searched } = await findSecretLeaks(stack, secrets);
    expect(leaks).toEqual([]);
    expect(searched.histories).toBeGreaterThan(3);
    expect(searched.payloads).toBeGreaterThan(10);
    expect(searched.logLines).toBeGreaterThan(0);
    expect(searched.tables).toBeGreaterThanOrEqual(4);
    expect(searched.metricsPages).toBe(stack.workers.length);
    // The SDK's warnings (an activity failed on an injected 503) show the failure, not `{}`.
    const logs = stack.workers.map((w) => w.output()).join('\n');
    expect(logs).toContain('Activity failed');
    expect(logs).not.toMatch(/"(error|err)":\{\}/);
  });

  test('the leak search finds a value planted in each place it searches', async () => {
    const planted = [
      { name: 'task queue', value: stack.taskQueue }, // the "worker started" line and every raw history name it
      { name: 'workflow input', value: '"clientId":"ref"' }, // only in payloads: base64 in the raw history
      { name: 'campaign name', value: 'campaign_1' }, // the campaigns table
      { name: 'metric name', value: METRIC_NAMES.campaigns }, // /metrics
    ];
    const { leaks } = await findSecretLeaks(stack, planted);
    const placesOf = (name: string) => leaks.filter((leak) => leak.secret === name).map((leak) => leak.place);
    expect(placesOf('task queue')).toEqual(expect.arrayContaining([expect.stringMatching(/^worker 0 log line/), 'history 0 (raw)']));
    expect(placesOf('workflow input')).toEqual(expect.arrayContaining([expect.stringMatching(/decoded payloads/)]));
    expect(placesOf('workflow input').filter((place) => place.endsWith('(raw)'))).toEqual([]);
    expect(placesOf('campaign name')).toContain('table public.campaigns');
    expect(placesOf('metric name')).toEqual(['worker 0 /metrics']);
  });
});

describe('wrong password', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ ...MOCK_FAST, rate503: 0, hangRate: 0 });
    await stack.addClient('wrongpw', { email: REFERENCE_ACCOUNT.email, password: 'not-the-password' }, FAST_WINDOW);
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  test('fails fast with a clear non-retryable error and writes no campaign', async () => {
    const handle = await stack.startSync({ clientId: 'wrongpw' });
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause?.cause as { type?: string; message?: string; nonRetryable?: boolean };
    expect(cause.type).toBe('PlatformBadCredentials');
    expect(cause.message).toMatch(/Invalid credentials.*check the client's email and password/);
    expect(cause.message).not.toContain('not-the-password');
    // Fast, counted rather than timed: the password was tried once, not retried, and nothing else was asked.
    const requests = await stack.mock.requests(REFERENCE_ACCOUNT.id);
    expect(requests.map(({ endpoint, status }) => ({ endpoint, status }))).toEqual([{ endpoint: 'auth', status: 401 }]);
    const { rows } = await stack.database.pool.query(`SELECT count(*)::int AS n FROM campaigns WHERE client_id = 'wrongpw'`);
    expect(rows[0].n).toBe(0);
    const runs = await stack.database.pool.query(`SELECT status FROM sync_runs WHERE client_id = 'wrongpw'`);
    expect(runs.rows).toEqual([{ status: 'failed' }]);
    const history = await handle.fetchHistory();
    expect(JSON.stringify(history)).not.toContain('not-the-password');
  });
});

describe('the mock configured like the reference (wait only in the 429 body, 10 per sliding window)', () => {
  const WINDOW_MS = 3000;
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({
      rateLimit: 10,
      rateWindowMs: WINDOW_MS,
      retryAfterHeader: false,
      rate503: 0,
      hangRate: 0,
      syncLatencyMs: 2000,
    });
    await stack.addClient('like-ref', REFERENCE_ACCOUNT, { rateLimit: 10, rateWindowMs: WINDOW_MS });
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  test('a full sync completes with zero 429s (and reports its time against the window bound)', async () => {
    const summary = await (await stack.startSync({ clientId: 'like-ref' })).result();
    expect(summary).toMatchObject({ state: 'completed', listed: 100, synced: 100, failed: 0 });
    const stats = (await stack.mock.stats()).accounts[REFERENCE_ACCOUNT.id]!;
    expect(stats.rateLimited).toBe(0);
    expect(stats.maxArrivalsInWindow).toBe(10);
    const requests = (await stack.mock.requests(REFERENCE_ACCOUNT.id)).filter((r) => r.endpoint !== 'auth');
    const spanS = (requests[requests.length - 1]!.at - requests[0]!.at) / 1000;
    const boundS = (Math.floor((requests.length - 1) / 10) * WINDOW_MS) / 1000;
    console.log(
      `reference-like sync: ${requests.length} requests, first to last ${spanS} s, bound ${boundS} s (+${(((spanS - boundS) / boundS) * 100).toFixed(1)}%)`,
    );
  });
});

describe('four clients sharing an application budget (12 per 2 s over all; 10 per 2 s each)', () => {
  const CLIENTS = [1, 2, 3, 4].map(generatedAccountCredentials);
  const SHARED = { rateLimit: 12, rateWindowMs: 2000 };
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({
      ...MOCK_FAST,
      generatedAccounts: CLIENTS.length,
      campaignsPerAccount: 15,
      appRateLimit: SHARED.rateLimit,
      appRateWindowMs: SHARED.rateWindowMs,
      rate503: 0,
      hangRate: 0,
    });
    await saveSharedBudget(stack.database.pool, { id: 'app', ...SHARED });
    for (const login of CLIENTS) await stack.addClient(login.id, login, { ...FAST_WINDOW, sharedBudgetId: 'app' });
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  test('both limits hold (no 429 from either) and the clients take turns: none finishes before the others are half done', async () => {
    const handles = await Promise.all(CLIENTS.map(({ id }) => stack.startSync({ clientId: id, pageSize: 100 })));
    for (const summary of await Promise.all(handles.map((handle) => handle.result())))
      expect(summary).toMatchObject({ state: 'completed', listed: 15, synced: 15, failed: 0 });

    const stats = await stack.mock.stats();
    for (const { id } of CLIENTS) expect(stats.accounts[id]).toMatchObject({ rateLimited: 0, appRateLimited: 0 });
    expect(stats.application).toMatchObject({ rateLimited: 0, maxArrivalsInWindow: SHARED.rateLimit });
    // Fairness, counted in requests: when the first client's last request arrived, each other client
    // had sent at least half of its 16 (1 list, 15 syncs). First come, first served would let the
    // first client take 10 of every 12 places until it is done.
    const arrivals = await Promise.all(
      CLIENTS.map(async ({ id }) => (await stack.mock.requests(id)).filter((r) => r.endpoint !== 'auth').map((r) => r.at)),
    );
    const firstDone = Math.min(...arrivals.map((times) => Math.max(...times)));
    const sentByThen = arrivals.map((times) => times.filter((at) => at <= firstDone).length);
    console.log(`shared budget: requests each client had sent when the first finished: ${sentByThen.join(', ')} of 16`);
    for (const sent of sentByThen) expect(sent).toBeGreaterThanOrEqual(8);
  });
});
