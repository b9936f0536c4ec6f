import { accountStats, call, isIsoTimestamp, listCampaigns, startMock, stopMocks, syncCampaign, token } from '../../helpers/mock-platform';

afterEach(stopMocks);

describe('POST /api/campaigns/:id/sync', () => {
  const SYNC_LATENCY_MS = 300;

  test('answers {success, campaign_id, synced_at} after about syncLatencyMs, and stats record the ids', async () => {
    const platform = await startMock({ syncLatencyMs: SYNC_LATENCY_MS });
    const accessToken = await token(platform);

    const started = Date.now();
    const reply = await syncCampaign(platform, accessToken, 'campaign_7');
    const elapsed = Date.now() - started;

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ success: true, campaign_id: 'campaign_7', synced_at: expect.any(String), message: expect.any(String) });
    expect(isIsoTimestamp(reply.body.synced_at)).toBe(true);
    // Timers may fire a millisecond or so early; the point is that the answer waits for the latency.
    expect(elapsed).toBeGreaterThanOrEqual(SYNC_LATENCY_MS - 10);
    expect(Date.parse(reply.body.synced_at)).toBeGreaterThanOrEqual(started + SYNC_LATENCY_MS - 10);

    await Promise.all([syncCampaign(platform, accessToken, 'campaign_7'), syncCampaign(platform, accessToken, 'campaign_42')]);
    const summary = await accountStats(platform);
    expect(summary.requests.sync).toEqual({ 200: 3 });
    expect([...summary.syncedCampaignIds].sort()).toEqual(['campaign_42', 'campaign_7']);
    expect(summary.syncCalls).toEqual({ campaign_7: 2, campaign_42: 1 });
  });

  test.each(['campaign_101', 'campaign_0', 'nope'])('404 for the unknown campaign %s, not recorded as synced', async (campaignId) => {
    const platform = await startMock({ syncLatencyMs: SYNC_LATENCY_MS });
    const reply = await syncCampaign(platform, await token(platform), campaignId);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: 'Not Found', message: expect.stringContaining(campaignId) });
    const summary = await accountStats(platform);
    expect(summary.requests.sync).toEqual({ 404: 1 });
    expect(summary.syncedCampaignIds).toEqual([]);
  });
});

describe('GET /api/campaigns query values', () => {
  test('page and limit default to 1 and 10', async () => {
    const platform = await startMock();
    const { status, body } = await listCampaigns(platform, await token(platform));
    expect(status).toBe(200);
    expect(body.pagination).toEqual({ page: 1, limit: 10, total: 100, has_more: true });
    expect(body.data).toHaveLength(10);
  });

  test.each([
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=2.5', 'limit'],
    ['limit=101', 'limit'], // the default maxPageLimit is 100
    ['page=-1', 'page'],
    ['page=0', 'page'],
    ['page=abc', 'page'],
  ])('400 with a message for %s', async (query, parameter) => {
    const platform = await startMock();
    const reply = await listCampaigns(platform, await token(platform), `?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'Bad Request', message: expect.stringContaining(parameter) });
  });

  test('limit is capped at maxPageLimit', async () => {
    const platform = await startMock({ maxPageLimit: 20 });
    const accessToken = await token(platform);
    const atCap = await listCampaigns(platform, accessToken, '?limit=20');
    expect(atCap.status).toBe(200);
    expect(atCap.body.data).toHaveLength(20);
    const aboveCap = await listCampaigns(platform, accessToken, '?limit=21');
    expect(aboveCap.status).toBe(400);
    expect(aboveCap.body.message).toMatch(/limit.*20/);
  });

  test('a page past the end is empty, with has_more false', async () => {
    const platform = await startMock();
    const { status, body } = await listCampaigns(platform, await token(platform), '?page=11&limit=10');
    expect(status).toBe(200);
    expect(body).toEqual({ data: [], pagination: { page: 11, limit: 10, total: 100, has_more: false } });
  });
});

describe('other routes', () => {
  test('GET /health answers {status: "ok"} without a token', async () => {
    const platform = await startMock();
    const reply = await call(platform, '/health');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'ok' });
  });

  test('an unknown route answers 404', async () => {
    const platform = await startMock();
    expect((await call(platform, '/api/nothing-here', { token: await token(platform) })).status).toBe(404);
  });
});
