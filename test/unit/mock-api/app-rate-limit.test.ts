import { REFERENCE_ACCOUNT, generatedAccountCredentials } from '../../../mock-api/accounts';
import { defaultMockConfig, type MockConfig } from '../../../mock-api/config';
import { HttpError } from '../../../mock-api/http';
import { PlatformState } from '../../../mock-api/platform-state';
import { admitUnderRateLimit } from '../../../mock-api/rate-limit';
import type { MockPlatform } from '../../../mock-api/server';
import type { RequestRecord } from '../../../mock-api/stats';
import {
  accountStats,
  call,
  listCampaigns,
  listStatuses,
  sleep,
  startMock,
  stopMocks,
  token,
  type Json,
} from '../../helpers/mock-platform';

afterEach(stopMocks);

const ONE = generatedAccountCredentials(1);
const TWO = generatedAccountCredentials(2);

/** A platform with two generated accounts besides the reference one, driven straight through its limiter at times the test picks. */
const limiter = (overrides: Partial<MockConfig>) => new PlatformState(defaultMockConfig({ generatedAccounts: 2, ...overrides }));

/** One list request of `accountId` reaching the limiter at `now`: its status, and the record the stats keep. */
function arrive(platform: PlatformState, accountId: string, now: number) {
  const record: RequestRecord = { at: now, endpoint: 'list', status: 200 };
  try {
    admitUnderRateLimit(platform, platform.account(accountId), record, now);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    record.status = err.status;
    return { status: err.status, record, error: err };
  }
  return { status: 200, record, error: undefined };
}

const statuses = (platform: PlatformState, accountIds: string[], now: number) => accountIds.map((id) => arrive(platform, id, now).status);

describe('application-wide rate limit, at times the test picks', () => {
  test('is off by default: no application 429 at any volume', () => {
    const platform = limiter({ rateLimit: 10_000 });
    expect(platform.config.appRateLimit).toBe(0);
    const accounts = [REFERENCE_ACCOUNT.id, ONE.id, TWO.id];
    const outcomes = Array.from({ length: 3000 }, (_, i) => arrive(platform, accounts[i % 3]!, 0));
    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    // The windows still count, so the stats say how much of a limit a run would have needed.
    expect(platform.application.arrivals.maxInWindow).toBe(3000);
    expect(platform.application.accepted.maxInWindow).toBe(3000);
  });

  test('request N+1 inside the window, from whichever account, is a 429 naming the application', () => {
    const platform = limiter({ rateLimit: 10, appRateLimit: 4, appRateWindowMs: 10_000 });
    expect(statuses(platform, [ONE.id, TWO.id, ONE.id, TWO.id], 1000)).toEqual([200, 200, 200, 200]);

    const refused = arrive(platform, REFERENCE_ACCOUNT.id, 3500);
    expect(refused.status).toBe(429);
    expect(refused.record.limitedBy).toBe('application');
    expect(refused.error!.message).toBe('At most 4 requests per 10 s for this application');
    // The oldest accepted request (t = 1000) leaves the window at t = 11000: 7.5 s on, rounded up.
    expect(JSON.parse(refused.error!.bodyText())).toMatchObject({ error: 'Rate limit exceeded', retry_after: 8 });
    expect(refused.error!.headers).toEqual({ 'retry-after': '8' });

    expect(platform.application.arrivals.maxInWindow).toBe(5);
    expect(platform.application.accepted.maxInWindow).toBe(4);
    expect(platform.account(REFERENCE_ACCOUNT.id).accepted.maxInWindow).toBe(0);
  });

  test("a request the account's window refuses takes no slot in the application's window", () => {
    const platform = limiter({ rateLimit: 2, appRateLimit: 3, appRateWindowMs: 60_000 });
    expect(statuses(platform, [ONE.id, ONE.id, ONE.id], 0)).toEqual([200, 200, 429]);
    expect(arrive(platform, ONE.id, 0).record.limitedBy).toBe('account');

    // Two accepted so far: one more fits the application's window, the next does not.
    expect(statuses(platform, [TWO.id, TWO.id], 0)).toEqual([200, 429]);
    expect(arrive(platform, TWO.id, 0).record.limitedBy).toBe('application');
    expect(platform.application.accepted.maxInWindow).toBe(3);
    expect(platform.application.arrivals.maxInWindow).toBe(7);
  });

  test("a request the application's window refuses takes no slot in the account's window", () => {
    // The application's window is short, the accounts' a minute: only the account's would still hold a refused request.
    const platform = limiter({ rateLimit: 2, appRateLimit: 2, appRateWindowMs: 1000 });
    expect(statuses(platform, [ONE.id, ONE.id, TWO.id], 0)).toEqual([200, 200, 429]);
    expect(statuses(platform, [TWO.id, TWO.id], 1000)).toEqual([200, 200]);
    expect(platform.account(TWO.id).accepted.maxInWindow).toBe(2);
    expect(platform.account(TWO.id).arrivals.maxInWindow).toBe(3);
  });

  test('the window slides: once the oldest accepted request is W old, the application admits again', () => {
    const platform = limiter({ appRateLimit: 2, appRateWindowMs: 1000 });
    expect(statuses(platform, [ONE.id, TWO.id], 100)).toEqual([200, 200]);
    expect(statuses(platform, [ONE.id], 1099)).toEqual([429]);
    expect(statuses(platform, [TWO.id, ONE.id], 1100)).toEqual([200, 200]);
    expect(statuses(platform, [TWO.id], 1100)).toEqual([429]);
  });

  test('POST /__mock/reset empties the application windows', () => {
    const platform = limiter({ appRateLimit: 1 });
    expect(statuses(platform, [ONE.id, TWO.id], 0)).toEqual([200, 429]);
    platform.resetStats();
    expect(platform.application.arrivals.maxInWindow).toBe(0);
    expect(statuses(platform, [TWO.id], 0)).toEqual([200]);
  });
});

const patchConfig = (platform: MockPlatform, changes: Partial<MockConfig>) =>
  call(platform, '/__mock/config', { method: 'PATCH', body: changes });
const applicationStats = async (platform: MockPlatform): Promise<Json> => (await call(platform, '/__mock/stats')).body.application;

describe('application-wide rate limit over HTTP', () => {
  test("its 429 has the account's shape, and the stats tell the two windows apart", async () => {
    const platform = await startMock({ generatedAccounts: 2, rateLimit: 10, appRateLimit: 3, appRateWindowMs: 60_000 });
    const [one, two] = [await token(platform, ONE.email, ONE.password), await token(platform, TWO.email, TWO.password)];
    expect([...(await listStatuses(platform, one, 2)), ...(await listStatuses(platform, two, 1))]).toEqual([200, 200, 200]);

    const refused = await listCampaigns(platform, two);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: 'Rate limit exceeded',
      message: 'At most 3 requests per 60 s for this application',
      retry_after: expect.any(Number),
    });
    expect(refused.body.retry_after).toBeGreaterThanOrEqual(59);
    expect(refused.body.retry_after).toBeLessThanOrEqual(60);
    expect(refused.headers.get('retry-after')).toBe(String(refused.body.retry_after));

    expect(await accountStats(platform, ONE.id)).toMatchObject({ rateLimited: 0, appRateLimited: 0, maxAcceptedInWindow: 2 });
    expect(await accountStats(platform, TWO.id)).toMatchObject({
      requests: { list: { 200: 1, 429: 1 } },
      rateLimited: 0,
      appRateLimited: 1,
      maxArrivalsInWindow: 2,
      maxAcceptedInWindow: 1,
    });
    expect(await applicationStats(platform)).toEqual({
      rateLimit: 3,
      rateWindowMs: 60_000,
      maxArrivalsInWindow: 4,
      maxAcceptedInWindow: 3,
      rateLimited: 1,
    });
    const log = (await call(platform, `/__mock/requests?account=${TWO.id}`)).body as Json[];
    expect(log.filter((r) => r.status === 429)).toEqual([expect.objectContaining({ endpoint: 'list', limitedBy: 'application' })]);
  });

  test('PATCH /__mock/config switches it on, resizes its window and switches it off while the mock runs', async () => {
    const platform = await startMock({ generatedAccounts: 2, rateLimit: 10 });
    const [one, two] = [await token(platform, ONE.email, ONE.password), await token(platform, TWO.email, TWO.password)];
    expect([...(await listStatuses(platform, one, 3)), ...(await listStatuses(platform, two, 3))]).toEqual([200, 200, 200, 200, 200, 200]);

    // The window has counted all along: switched on at 6 per minute, it is already full.
    const on = await patchConfig(platform, { appRateLimit: 6, retryAfterHeader: false });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ appRateLimit: 6, appRateWindowMs: 60_000 });
    const refused = await listCampaigns(platform, one);
    expect(refused.body.message).toBe('At most 6 requests per 60 s for this application');
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(refused.body.retry_after).toBeGreaterThanOrEqual(59);

    expect((await patchConfig(platform, { appRateWindowMs: 500 })).status).toBe(200);
    await sleep(600); // longer than the new window, far shorter than the old one
    expect([...(await listStatuses(platform, two, 4)), ...(await listStatuses(platform, one, 3))]).toEqual([
      200, 200, 200, 200, 200, 200, 429,
    ]);
    expect(await applicationStats(platform)).toMatchObject({ rateLimit: 6, rateWindowMs: 500, rateLimited: 2 });

    expect((await patchConfig(platform, { appRateLimit: 0 })).status).toBe(200);
    expect(await listStatuses(platform, one, 3)).toEqual([200, 200, 200]);

    const invalid = await patchConfig(platform, { appRateLimit: -1 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toContain('appRateLimit');
  });
});
