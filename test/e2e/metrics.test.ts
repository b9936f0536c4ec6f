import { freePort } from '../../dev-stack/processes';
import { METRIC_NAMES } from '../../src/metrics';
import { generatedAccountCredentials } from '../../mock-api/accounts';
import { Stack } from '../../dev-stack/stack';
import { sample } from '../helpers/prometheus';

jest.setTimeout(180_000);

const LOGIN = generatedAccountCredentials(1);
let stack: Stack;
let metricsUrl: string;

beforeAll(async () => {
  stack = await Stack.start({
    generatedAccounts: 1,
    campaignsPerAccount: 30,
    rateLimit: 10,
    rateWindowMs: 1000,
    syncLatencyMs: 50,
    rate503: 0.2,
    hangRate: 0,
    seed: 5,
  });
  await stack.addClient('acme', LOGIN, { rateLimit: 10, rateWindowMs: 1000 });
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  await stack.startWorker({ WORKER_METRICS_PORT: String(port), PLATFORM_MAX_RETRY_AFTER_MS: '5000' });
});
afterAll(() => stack?.stop());

const scrape = async () => (await fetch(metricsUrl)).text();

test("a worker's /metrics follows a sync live and agrees with the platform's own counts", async () => {
  const handle = await stack.startSync({ clientId: 'acme', pageSize: 10 });
  let live = 0;
  for (let i = 0; i < 200 && (live === 0 || live === 30); i++) {
    live = sample(await scrape(), METRIC_NAMES.campaigns, { client: 'acme', result: 'synced' });
    if (live === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(live).toBeGreaterThan(0); // seen while the sync ran
  const summary = await handle.result();
  expect(summary).toMatchObject({ synced: 30, failed: 0 });

  const text = await scrape();
  const platform = (await stack.mock.stats()).accounts[LOGIN.id]!;
  for (const [endpoint, statuses] of Object.entries(platform.requests)) {
    for (const [status, count] of Object.entries(statuses)) {
      expect({ endpoint, status, count: sample(text, METRIC_NAMES.platformRequests, { client: 'acme', endpoint, status }) }).toEqual({
        endpoint,
        status,
        count,
      });
    }
  }
  expect(platform.requests.list?.['503']).toBeGreaterThan(0);
  expect(sample(text, METRIC_NAMES.tokensIssued, { client: 'acme' })).toBe(platform.tokensIssued);
  expect(sample(text, METRIC_NAMES.campaigns, { client: 'acme', result: 'synced' })).toBe(30);
  expect(sample(text, METRIC_NAMES.syncsFinished, { client: 'acme', outcome: 'completed' })).toBe(1);
  expect(sample(text, `${METRIC_NAMES.syncDuration}_count`, { client: 'acme', outcome: 'completed' })).toBe(1);
  expect(sample(text, `${METRIC_NAMES.rateBudgetWait}_count`, { client: 'acme' })).toBeGreaterThanOrEqual(33);
  // The SDK's own metrics are served beside ours.
  expect(text).toMatch(/^temporal_\w+/m);

  // The platform stops listing a campaign: the next sync marks it removed, and says so.
  const [gone] = (await stack.mock.campaigns(LOGIN.id)).map((c) => c.id as string);
  await fetch(`${stack.mock.url}/__mock/accounts/${LOGIN.id}/campaigns/${gone}`, { method: 'DELETE' });
  expect(await (await stack.startSync({ clientId: 'acme', pageSize: 10 })).result()).toMatchObject({ synced: 29, removed: 1 });
  const after = await scrape();
  expect(sample(after, METRIC_NAMES.campaigns, { client: 'acme', result: 'removed' })).toBe(1);
  expect(sample(after, METRIC_NAMES.syncsFinished, { client: 'acme', outcome: 'completed' })).toBe(2);

  // A platform that misbehaves: a wait of 3 years is clamped, an oversized page refused; each counted and logged.
  await stack.mock.configure({ poisonRetryAfterHuge: 'once', poisonHugeBody: 'once' });
  expect(await (await stack.startSync({ clientId: 'acme', pageSize: 10 })).result()).toMatchObject({ synced: 29 });
  const misbehaved = await scrape();
  expect(sample(misbehaved, METRIC_NAMES.platformMisbehaviour, { client: 'acme', endpoint: 'sync', kind: 'retry_after_clamped' })).toBe(1);
  expect(sample(misbehaved, METRIC_NAMES.platformMisbehaviour, { client: 'acme', endpoint: 'list', kind: 'oversized_body' })).toBe(1);
  expect(stack.workers[0]!.output()).toMatch(
    /"kind":"retry_after_clamped","msg":"the platform misbehaved: POST \/api\/campaigns\/[^"]+\/sync answered 429 and asked to wait 99999999 s; waiting 5 s"/,
  );

  // No secret in any label or value.
  const tokens = (await (await fetch(`${stack.mock.url}/__mock/tokens?account=${LOGIN.id}`)).json()) as string[];
  for (const secret of [LOGIN.password, Buffer.from(`${LOGIN.email}:${LOGIN.password}`).toString('base64'), ...tokens])
    expect(misbehaved).not.toContain(secret);
});
