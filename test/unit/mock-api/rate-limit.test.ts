import type { MockConfig } from '../../../mock-api/config';
import { accountStats, listCampaigns, listStatuses, sleep, startMock, stopMocks, token } from '../../helpers/mock-platform';

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
