import { generatedAccountCredentials } from '../../../mock-api/accounts';
import type { MockConfig } from '../../../mock-api/config';
import { accountStats, call, listCampaigns, listStatuses, sleep, startMock, stopMocks, token } from '../../helpers/mock-platform';

afterEach(stopMocks);

describe('sliding-window rate limit (per account)', () => {
  test('the request after `limit` accepted ones inside the window answers 429', async () => {
    const platform = await startMock({ rateLimit: 3, rateWindowMs: 60_000 });
    const accessToken = await token(platform);

    expect(await listStatuses(platform, accessToken, 5)).toEqual([200, 200, 200, 429, 429]);

    const summary = await accountStats(platform);
    expect(summary.requests.list).toEqual({ 200: 3, 429: 2 });
    expect(summary.rateLimited).toBe(2);
    expect(summary.maxAcceptedInWindow).toBe(3);
  });

  test('rejected requests are not counted, and requests pass again once the window has slid', async () => {
    const windowMs = 1000;
    const platform = await startMock({ rateLimit: 3, rateWindowMs: windowMs });
    const accessToken = await token(platform);

    expect(await listStatuses(platform, accessToken, 3)).toEqual([200, 200, 200]);
    const lastAccepted = Date.now();
    await sleep(windowMs / 2);
    expect(await listStatuses(platform, accessToken, 3)).toEqual([429, 429, 429]);

    // The accepted requests have left the window by now; the rejected ones, sent at least
    // windowMs / 2 later, would still fill it if rejections counted.
    await sleep(lastAccepted + windowMs + 100 - Date.now());
    expect(await listStatuses(platform, accessToken, 4)).toEqual([200, 200, 200, 429]);

    const summary = await accountStats(platform);
    expect(summary.rateLimited).toBe(4);
    expect(summary.maxAcceptedInWindow).toBe(3);
  });
});

describe('the big account’s own rate limit', () => {
  const [big, small] = [generatedAccountCredentials(1), generatedAccountCredentials(2)];
  /** Two generated accounts at 2 per minute; account 1 big, with these settings. */
  async function skewed(overrides: Partial<MockConfig>) {
    const platform = await startMock({ generatedAccounts: 2, rateLimit: 2, rateWindowMs: 60_000, bigAccountCampaigns: 20, ...overrides });
    return {
      platform,
      bigToken: await token(platform, big.email, big.password),
      smallToken: await token(platform, small.email, small.password),
    };
  }

  test('its limit is enforced on it alone; the other accounts keep theirs', async () => {
    const { platform, bigToken, smallToken } = await skewed({ bigAccountRateLimit: 4 });
    expect(await listStatuses(platform, bigToken, 5)).toEqual([200, 200, 200, 200, 429]);
    expect(await listStatuses(platform, smallToken, 3)).toEqual([200, 200, 429]);
    const refused = await listCampaigns(platform, bigToken);
    expect(refused.body.message).toBe('At most 4 requests per 60 s');
    expect(await accountStats(platform, big.id)).toMatchObject({ rateLimited: 2, maxAcceptedInWindow: 4 });
    expect(await accountStats(platform, small.id)).toMatchObject({ rateLimited: 1, maxAcceptedInWindow: 2 });
  });

  test('its window is its own: it slides while the others’ still refuse', async () => {
    const { platform, bigToken, smallToken } = await skewed({ bigAccountRateWindowMs: 500 });
    expect(await listStatuses(platform, bigToken, 3)).toEqual([200, 200, 429]);
    expect(await listStatuses(platform, smallToken, 3)).toEqual([200, 200, 429]);
    expect((await listCampaigns(platform, bigToken)).body.message).toBe('At most 2 requests per 0.5 s');
    await sleep(600); // longer than the big account's window, far shorter than the others'
    expect(await listStatuses(platform, bigToken, 3)).toEqual([200, 200, 429]);
    expect(await listStatuses(platform, smallToken, 1)).toEqual([429]);
  });

  test('0 (the default) is the accounts’ limit and window, and PATCH /__mock/config changes it at run time', async () => {
    const { platform, bigToken } = await skewed({});
    expect(await listStatuses(platform, bigToken, 3)).toEqual([200, 200, 429]);
    expect((await call(platform, '/__mock/config', { method: 'PATCH', body: { bigAccountRateLimit: 4 } })).status).toBe(200);
    // Two accepted of the new four: two more pass.
    expect(await listStatuses(platform, bigToken, 3)).toEqual([200, 200, 429]);
  });

  test('without a big account the settings change nothing', async () => {
    const { platform, bigToken } = await skewed({ bigAccountCampaigns: 0, bigAccountRateLimit: 4, bigAccountRateWindowMs: 500 });
    expect(await listStatuses(platform, bigToken, 3)).toEqual([200, 200, 429]);
    expect((await listCampaigns(platform, bigToken)).body.message).toBe('At most 2 requests per 60 s');
  });
});

describe('429 says when to retry', () => {
  /** With a limit of 1 per minute, the second request is the rate-limited one. */
  async function rateLimitedReply(overrides: Partial<MockConfig>) {
    const platform = await startMock({ rateLimit: 1, rateWindowMs: 60_000, ...overrides });
    const accessToken = await token(platform);
    expect((await listCampaigns(platform, accessToken)).status).toBe(200);
    const reply = await listCampaigns(platform, accessToken);
    expect(reply.status).toBe(429);
    expect(reply.body).toMatchObject({ error: 'Rate limit exceeded', message: expect.any(String) });
    return reply;
  }

  test('by default: retry_after (seconds until a slot frees) in the body and the same value in Retry-After', async () => {
    const { body, headers } = await rateLimitedReply({});
    expect(typeof body.retry_after).toBe('number');
    expect(body.retry_after).toBeGreaterThanOrEqual(59);
    expect(body.retry_after).toBeLessThanOrEqual(60);
    expect(headers.get('retry-after')).toBe(String(body.retry_after));
  });

  test('retryAfterHeader false: no Retry-After header, the body field stays', async () => {
    const { body, headers } = await rateLimitedReply({ retryAfterHeader: false });
    expect(headers.get('retry-after')).toBeNull();
    expect(body.retry_after).toBeGreaterThanOrEqual(59);
    expect(body.retry_after).toBeLessThanOrEqual(60);
  });

  test('retryAfterSeconds fixed: header and body both announce that value', async () => {
    const { body, headers } = await rateLimitedReply({ retryAfterSeconds: 7 });
    expect(body.retry_after).toBe(7);
    expect(headers.get('retry-after')).toBe('7');
  });
});
