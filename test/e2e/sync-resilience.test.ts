import { generatedAccountCredentials, REFERENCE_ACCOUNT } from '../../mock-api/accounts';
import { byId, Stack } from '../../dev-stack/stack';
import { waitFor } from '../../src/infra/wait-for';
import { progressQuery } from '../../src/contract/sync';
import { METRIC_NAMES } from '../../src/metrics';
import { samples } from '../helpers/prometheus';
import { activityRetries } from '../helpers/histories';

const LOGIN = generatedAccountCredentials(1);

jest.setTimeout(300_000);

describe('a worker SIGKILLed mid-sync', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ rateLimit: 10, rateWindowMs: 1000, syncLatencyMs: 300, rate503: 0, hangRate: 0 });
    await stack.addClient('ref', REFERENCE_ACCOUNT, { rateLimit: 10, rateWindowMs: 1000 });
  });
  afterAll(() => stack?.stop());

  test('a new worker completes the same workflow; every campaign once; fetched pages are not fetched again', async () => {
    const first = await stack.startWorker();
    const handle = await stack.startSync({ clientId: 'ref', pageSize: 10, batchSize: 5 });
    const before = await waitFor(
      'four pages listed',
      async () => {
        const progress = await handle.query(progressQuery);
        if (progress.pages < 4) throw new Error(`${progress.pages} pages`);
        return progress;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    await first.stop('SIGKILL');
    await stack.startWorker();
    const summary = await handle.result();
    expect(summary).toMatchObject({ state: 'completed', listed: 100, synced: 100, failed: 0 });

    expect(await stack.campaignRows('ref')).toEqual((await stack.mock.campaigns(REFERENCE_ACCOUNT.id)).sort(byId));
    const lists = (await stack.mock.requests(REFERENCE_ACCOUNT.id)).filter((r) => r.endpoint === 'list' && r.status === 200);
    for (let page = 1; page <= before.pages; page++) {
      expect(lists.filter((r) => r.page === page)).toHaveLength(1);
    }
    // Campaigns confirmed before the kill are not synced again: only those in flight at the kill
    // (at most the client's limit: no more are ever out at once) may be.
    const { syncCalls } = (await stack.mock.stats()).accounts[REFERENCE_ACCOUNT.id]!;
    const repeated = Object.values(syncCalls).reduce((n, calls) => n + calls - 1, 0);
    expect(repeated).toBeLessThanOrEqual(10);
    const description = await handle.describe();
    expect(description.runId).toBe(handle.firstExecutionRunId);
  });
});

describe('the platform asks for a wait on 429', () => {
  const WAIT_S = 3;
  for (const header of [true, false]) {
    describe(header ? 'in a Retry-After header' : 'only in the body (like the reference)', () => {
      let stack: Stack;
      beforeAll(async () => {
        stack = await Stack.start({
          generatedAccounts: 1,
          campaignsPerAccount: 6,
          rateLimit: 3,
          rateWindowMs: WAIT_S * 1000,
          retryAfterSeconds: WAIT_S,
          retryAfterHeader: header,
          syncLatencyMs: 50,
          rate503: 0,
          hangRate: 0,
        });
        // The client's policy is deliberately looser than the platform's, so 429s do happen.
        await stack.addClient('loose', LOGIN, { rateLimit: 100, rateWindowMs: 1000 });
        await stack.startWorker();
      });
      afterAll(() => stack?.stop());

      test(`the retried request arrives no sooner than ${WAIT_S} s later, retried after exactly the wait asked`, async () => {
        const handle = await stack.startSync({ clientId: 'loose', batchSize: 1 });
        const summary = await handle.result();
        expect(summary).toMatchObject({ state: 'completed', synced: 6, failed: 0 });
        const requests = await stack.mock.requests(LOGIN.id);
        const rejected = requests.filter((r) => r.status === 429);
        expect(rejected.length).toBeGreaterThan(0);
        for (const r of rejected) {
          const retry = requests.find(
            (next) => next.at > r.at && next.endpoint === r.endpoint && next.campaignId === r.campaignId && next.page === r.page,
          );
          expect(retry).toBeDefined();
          // On the platform's clock: a slow machine makes a retry later, never sooner.
          expect(retry!.at - r.at).toBeGreaterThanOrEqual(WAIT_S * 1000);
        }
        // Not much later either, without timing it: each attempt after a 429 was scheduled by the
        // failure's own delay, the wait asked, instead of the policy's backoff or any more.
        const retried = await activityRetries(stack);
        expect(retried.length).toBeGreaterThan(0);
        expect(retried).toEqual(retried.map(() => ({ after: 'PlatformRateLimited', delayMs: WAIT_S * 1000 })));
      });
    });
  }
});

describe('two workers syncing one client', () => {
  let stack: Stack;
  const LIMIT = 5;
  beforeAll(async () => {
    stack = await Stack.start({
      generatedAccounts: 1,
      campaignsPerAccount: 40,
      rateLimit: LIMIT,
      rateWindowMs: 1000,
      syncLatencyMs: 100,
      rate503: 0.1,
      hangRate: 0,
    });
    await stack.addClient('shared', LOGIN, { rateLimit: LIMIT, rateWindowMs: 1000 });
    await Promise.all([stack.startWorker(), stack.startWorker()]);
  });
  afterAll(() => stack?.stop());

  test("the platform never sees more than the client's limit in any window", async () => {
    const summary = await (await stack.startSync({ clientId: 'shared', pageSize: 10, batchSize: 2, maxBatchesInFlight: 10 })).result();
    expect(summary).toMatchObject({ state: 'completed', listed: 40, synced: 40, failed: 0 });
    const stats = (await stack.mock.stats()).accounts[LOGIN.id]!;
    expect(stats.rateLimited).toBe(0);
    expect(stats.maxArrivalsInWindow).toBe(LIMIT);
    // Both workers did platform work (each counts its requests on /metrics; together, all the
    // platform saw): the budget, not luck, kept them apart.
    const requestsBy = await Promise.all(
      stack.workers.map(async (worker) =>
        samples(await (await fetch(worker.metricsUrl!)).text(), METRIC_NAMES.platformRequests, { client: 'shared' }).reduce(
          (a, b) => a + b,
          0,
        ),
      ),
    );
    expect(requestsBy.map((requests) => requests > 0)).toEqual([true, true]);
    const platformSaw = Object.values(stats.requests).flatMap((byStatus) => Object.values(byStatus));
    expect(requestsBy[0]! + requestsBy[1]!).toBe(platformSaw.reduce((a, b) => a + b, 0));
  });
});

describe('tokens that expire every few seconds', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({
      generatedAccounts: 1,
      campaignsPerAccount: 30,
      tokenTtlSeconds: 2,
      rateLimit: 5,
      rateWindowMs: 1000,
      syncLatencyMs: 200,
      rate503: 0,
      hangRate: 0,
    });
    await stack.addClient('ttl', LOGIN, { rateLimit: 5, rateWindowMs: 1000 });
    await stack.startWorker();
  });
  afterAll(() => stack?.stop());

  test('the sync completes with no activity failed by expiry', async () => {
    const handle = await stack.startSync({ clientId: 'ttl', pageSize: 10, batchSize: 5 });
    const summary = await handle.result();
    expect(summary).toMatchObject({ state: 'completed', listed: 30, synced: 30, failed: 0 });
    const stats = (await stack.mock.stats()).accounts[LOGIN.id]!;
    expect(stats.tokensIssued).toBeGreaterThan(2);
    const events = (await stack.historyObjects()).flatMap((h) => h.events ?? []);
    const expiryFailures = events.filter(
      (e) => e.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type === 'PlatformTokenExpired',
    );
    expect(expiryFailures).toHaveLength(0);
  });
});
