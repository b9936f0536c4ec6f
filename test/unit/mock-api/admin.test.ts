import type { MockPlatform } from '../../../mock-api/server';
import {
  REFERENCE_ACCOUNT,
  accountStats,
  call,
  listCampaigns,
  listStatuses,
  requestToken,
  sleep,
  startMock,
  stats,
  stopMocks,
  syncCampaign,
  token,
} from '../../helpers/mock-platform';

afterEach(stopMocks);

const patchConfig = (platform: MockPlatform, changes: Record<string, unknown>) =>
  call(platform, '/__mock/config', { method: 'PATCH', body: changes });

const EMPTY_SUMMARY = {
  tokensIssued: 0,
  requests: {},
  rateLimited: 0,
  appRateLimited: 0,
  injected429: 0,
  maxArrivalsInWindow: 0,
  maxAcceptedInWindow: 0,
  syncedCampaignIds: [],
  syncCalls: {},
};

describe('GET /__mock/stats', () => {
  test('starts empty for every account', async () => {
    const platform = await startMock({ generatedAccounts: 1 });
    const { accounts } = await stats(platform);
    expect(accounts).toEqual({ [REFERENCE_ACCOUNT.id]: EMPTY_SUMMARY, 'client-001': EMPTY_SUMMARY });
    expect((await call(platform, '/__mock/stats')).body.application).toEqual({
      rateLimit: 0,
      rateWindowMs: 60_000,
      maxArrivalsInWindow: 0,
      maxAcceptedInWindow: 0,
      rateLimited: 0,
    });
  });

  test('reports requests by endpoint and status, 429s and the most arrivals in one window', async () => {
    const platform = await startMock({ rateLimit: 2, rateWindowMs: 60_000 });
    const accessToken = await token(platform);
    expect((await requestToken(platform, REFERENCE_ACCOUNT.email, 'WrongSecret')).status).toBe(401);
    expect(await listStatuses(platform, accessToken, 4)).toEqual([200, 200, 429, 429]);

    const { config, accounts } = await stats(platform);
    expect(config).toMatchObject({ rateLimit: 2, rateWindowMs: 60_000 });
    expect(accounts[REFERENCE_ACCOUNT.id]).toEqual({
      ...EMPTY_SUMMARY,
      tokensIssued: 1,
      requests: { auth: { 200: 1, 401: 1 }, list: { 200: 2, 429: 2 } },
      rateLimited: 2,
      injected429: 0,
      maxArrivalsInWindow: 4,
      maxAcceptedInWindow: 2,
    });
  });
});

describe('POST /__mock/reset', () => {
  test('clears the counts and the rate windows; issued tokens stay valid', async () => {
    const platform = await startMock({ rateLimit: 1, rateWindowMs: 60_000 });
    const accessToken = await token(platform);
    expect(await listStatuses(platform, accessToken, 2)).toEqual([200, 429]);
    expect((await accountStats(platform)).rateLimited).toBe(1);

    const reset = await call(platform, '/__mock/reset', { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(await accountStats(platform)).toEqual(EMPTY_SUMMARY);

    expect(await listStatuses(platform, accessToken, 1)).toEqual([200]);
  });
});

describe('PATCH /__mock/config', () => {
  test('changes rate503 at run time', async () => {
    const platform = await startMock({ rate503: 0 });
    const accessToken = await token(platform);
    expect(await listStatuses(platform, accessToken, 1)).toEqual([200]);

    const patched = await patchConfig(platform, { rate503: 1 });
    expect(patched.status).toBe(200);
    expect(patched.body.rate503).toBe(1);
    const unavailable = await listCampaigns(platform, accessToken);
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toEqual({ error: 'Service temporarily unavailable', message: expect.any(String) });

    await patchConfig(platform, { rate503: 0 });
    expect(await listStatuses(platform, accessToken, 1)).toEqual([200]);
    expect((await stats(platform)).config.rate503).toBe(0);
  });

  test('rejects unknown keys with 400 and applies nothing from that request', async () => {
    const platform = await startMock({ rate503: 0 });
    const reply = await patchConfig(platform, { rate503: 1, seed: 7, port: 1234 });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'Bad Request', message: expect.stringMatching(/seed.*port/) });
    expect((await stats(platform)).config).toMatchObject({ rate503: 0, seed: 42 });
    expect(await listStatuses(platform, await token(platform), 1)).toEqual([200]);
  });

  test('rejects values of the wrong type or range with a message naming the key', async () => {
    const platform = await startMock({ rateWindowMs: 1000 });
    for (const [change, key] of [
      [{ rateWindowMs: 'abc' }, 'rateWindowMs'],
      [{ rate503: 2 }, 'rate503'],
    ] as const) {
      const reply = await patchConfig(platform, change);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ error: 'Bad Request', message: expect.stringContaining(key) });
    }
    expect((await stats(platform)).config).toMatchObject({ rateWindowMs: 1000, rate503: 0 });
  });

  test('changes rateLimit and rateWindowMs at run time', async () => {
    const platform = await startMock({ rateLimit: 1, rateWindowMs: 60_000 });
    const accessToken = await token(platform);
    expect(await listStatuses(platform, accessToken, 2)).toEqual([200, 429]);

    expect((await patchConfig(platform, { rateLimit: 2, rateWindowMs: 500 })).status).toBe(200);
    await sleep(600); // longer than the new window, far shorter than the old one
    expect(await listStatuses(platform, accessToken, 3)).toEqual([200, 200, 429]);
  });
});

describe('DELETE /__mock/accounts/ID/campaigns/CID', () => {
  test('the platform stops listing the campaign and refuses to sync it; an unknown one is a 404', async () => {
    const platform = await startMock();
    const accessToken = await token(platform);
    const before = (await listCampaigns(platform, accessToken, '?limit=100')).body;
    const gone = before.data[3].id as string;

    expect(
      await call(platform, `/__mock/accounts/${REFERENCE_ACCOUNT.id}/campaigns/${encodeURIComponent(gone)}`, { method: 'DELETE' }),
    ).toMatchObject({
      status: 200,
      body: { removed: gone },
    });

    const after = (await listCampaigns(platform, accessToken, '?limit=100')).body;
    expect(after.pagination.total).toBe(before.pagination.total - 1);
    expect(after.data.map((c: { id: string }) => c.id)).not.toContain(gone);
    expect((await syncCampaign(platform, accessToken, gone)).status).toBe(404);
    expect(
      (await call(platform, `/__mock/accounts/${REFERENCE_ACCOUNT.id}/campaigns/${encodeURIComponent(gone)}`, { method: 'DELETE' })).status,
    ).toBe(404);
    expect((await call(platform, '/__mock/accounts/nobody/campaigns/x', { method: 'DELETE' })).status).toBe(404);
  });
});
