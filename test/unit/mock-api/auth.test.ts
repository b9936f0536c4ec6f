import {
  REFERENCE_ACCOUNT,
  basicAuth,
  call,
  listCampaigns,
  requestToken,
  sleep,
  startMock,
  stopMocks,
  syncCampaign,
  token,
  type CallOptions,
} from '../../helpers/mock-platform';

afterEach(stopMocks);

const { email, password } = REFERENCE_ACCOUNT;

describe('POST /auth/token', () => {
  test('issues a Bearer token for the reference account', async () => {
    const platform = await startMock();
    const before = Math.floor(Date.now() / 1000);
    const reply = await requestToken(platform, email, password);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      issued_at: expect.any(Number),
    });
    expect(reply.body.issued_at).toBeGreaterThanOrEqual(before);
    expect(reply.body.issued_at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  test.each([
    ['a wrong password', basicAuth(email, 'WrongSecret'), 'Invalid credentials'],
    ['an unknown email', basicAuth('nobody@mixoads.com', password), 'Invalid credentials'],
    ['no Authorization header', undefined, 'Unauthorized'],
    ['a Bearer instead of a Basic header', 'Bearer something', 'Unauthorized'],
  ])('401 for %s', async (_case, authorization, error) => {
    const platform = await startMock();
    const reply = await call(platform, '/auth/token', { method: 'POST', authorization });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error, message: expect.any(String) });
  });

  test('is not rate limited', async () => {
    const platform = await startMock({ rateLimit: 1, rateWindowMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await requestToken(platform, email, password)).status).toBe(200);
    expect((await listCampaigns(platform, await token(platform))).status).toBe(200);
  });
});

describe('Bearer tokens on /api/*', () => {
  test.each<[string, CallOptions]>([
    ['no Authorization header', {}],
    ['a Basic header', { authorization: basicAuth(email, password) }],
    ['an unknown token', { token: 'mock_not_issued_by_this_server' }],
  ])('401 Unauthorized with %s, on list and sync', async (_case, options) => {
    const platform = await startMock();
    const replies = [
      await call(platform, '/api/campaigns', options),
      await call(platform, '/api/campaigns/campaign_1/sync', { ...options, method: 'POST' }),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ error: 'Unauthorized', message: expect.any(String) });
    }
  });

  test('a token expires after tokenTtlSeconds, and auth is checked before the rate limit', async () => {
    const platform = await startMock({ tokenTtlSeconds: 1, rateLimit: 1, rateWindowMs: 60_000 });
    const issued = await requestToken(platform, email, password);
    expect(issued.body.expires_in).toBe(1);
    const accessToken: string = issued.body.access_token;

    expect((await listCampaigns(platform, accessToken)).status).toBe(200);
    expect((await listCampaigns(platform, accessToken)).status).toBe(429); // the window is now full

    expect(await listCampaigns(platform, 'mock_unknown')).toMatchObject({ status: 401, body: { error: 'Unauthorized' } });
    await sleep(1_100);
    for (const reply of [await listCampaigns(platform, accessToken), await syncCampaign(platform, accessToken, 'campaign_1')]) {
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ error: 'Token expired', message: expect.any(String) });
    }

    // A fresh token works for auth, but the window belongs to the account and is still full.
    expect((await listCampaigns(platform, await token(platform))).status).toBe(429);
  });
});
