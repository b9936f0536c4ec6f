import { HOSTILE_ACCOUNT, REFERENCE_ACCOUNT } from '../../../mock-api/accounts';
import type { MockPlatform } from '../../../mock-api/server';
import { call, listCampaigns, startMock, stats, stopMocks, syncCampaign, token } from '../../helpers/mock-platform';

afterEach(stopMocks);

const setScenario = (platform: MockPlatform, scenario: string | null, account: string = REFERENCE_ACCOUNT.id) =>
  call(platform, `/__mock/accounts/${account}`, { method: 'PATCH', body: { scenario } });

async function rawList(platform: MockPlatform, accessToken: string, query: string) {
  const response = await fetch(`${platform.url}/api/campaigns${query}`, {
    headers: { authorization: `Bearer ${accessToken}` },
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location'), text: await response.text() };
}

describe('injected transport faults', () => {
  test('a 429 burst throttles the account for its length, announces the remaining wait, and is not counted as a window 429', async () => {
    const platform = await startMock({ burst429Rate: 1, burst429Ms: 2500 });
    const accessToken = await token(platform);
    const first = await listCampaigns(platform, accessToken);
    expect(first.status).toBe(429);
    expect(first.body.retry_after).toBe(3);
    expect(first.headers.get('retry-after')).toBe('3');
    const summary = (await stats(platform)).accounts[REFERENCE_ACCOUNT.id];
    expect(summary).toMatchObject({ rateLimited: 0, injected429: 1 });
  });

  test('a reset answer breaks the connection after half the body', async () => {
    const platform = await startMock({ resetRate: 1 });
    const reply = await listCampaigns(platform, await token(platform)).catch((err: unknown) => err);
    // fetch's TypeError comes from another realm under jest, so its message is checked instead.
    expect((reply as Error).message).toMatch(/terminated|fetch failed/);
  });

  test('a dripping answer arrives in ten chunks, dripChunkMs apart', async () => {
    const platform = await startMock({ dripRate: 1, dripChunkMs: 100 });
    const started = Date.now();
    const reply = await listCampaigns(platform, await token(platform));
    expect(reply.status).toBe(200);
    expect(reply.body.data).toHaveLength(10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  test('a latency spike delays the answer by spikeMs', async () => {
    const platform = await startMock({ spikeRate: 1, spikeMs: 500 });
    const accessToken = await token(platform);
    const started = Date.now();
    expect((await listCampaigns(platform, accessToken)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(480);
  });
});

describe('hostile list answers per account', () => {
  test('malformed JSON, another shape, an error body with 200, and a redirect', async () => {
    const platform = await startMock();
    const accessToken = await token(platform);
    await setScenario(platform, 'malformed-json');
    const malformed = await rawList(platform, accessToken, '');
    expect(malformed.status).toBe(200);
    expect(() => JSON.parse(malformed.text)).toThrow();
    await setScenario(platform, 'wrong-shape');
    expect(JSON.parse((await rawList(platform, accessToken, '')).text)).toEqual({ items: expect.any(Array), count: 100 });
    await setScenario(platform, 'error-200');
    expect(JSON.parse((await rawList(platform, accessToken, '')).text)).toMatchObject({ error: 'Internal error' });
    await setScenario(platform, 'redirect');
    expect(await rawList(platform, accessToken, '')).toMatchObject({ status: 302, location: expect.stringContaining('/api/campaigns') });
    await setScenario(platform, null);
    expect((await rawList(platform, accessToken, '')).status).toBe(200);
  });

  test('bad records, repeated ids, endless has_more and impossible totals', async () => {
    const platform = await startMock();
    const accessToken = await token(platform);
    await setScenario(platform, 'bad-records');
    const bad = (await listCampaigns(platform, accessToken, '?page=1&limit=20')).body.data;
    expect(bad[6].name).toBeUndefined();
    expect(bad[10].budget).toBe('2100');
    await setScenario(platform, 'duplicate-ids');
    const second = (await listCampaigns(platform, accessToken, '?page=2&limit=10')).body;
    expect(second.data.map((c: { id: string }) => c.id)).toEqual(Array.from({ length: 10 }, (_, i) => `campaign_${10 + i}`));
    expect(second.pagination).toMatchObject({ total: 101, has_more: true });
    const last = (await listCampaigns(platform, accessToken, '?page=11&limit=10')).body;
    expect(last.data.map((c: { id: string }) => c.id)).toEqual(['campaign_100']);
    expect(last.pagination).toMatchObject({ total: 101, has_more: false });
    await setScenario(platform, 'endless-has-more');
    expect((await listCampaigns(platform, accessToken, '?page=50&limit=10')).body.pagination).toMatchObject({ total: 100, has_more: true });
    await setScenario(platform, 'negative-total');
    expect((await listCampaigns(platform, accessToken)).body.pagination.total).toBe(-5);
    await setScenario(platform, 'absurd-total');
    expect((await listCampaigns(platform, accessToken)).body.pagination.total).toBe(1e12);
  });

  test('an unknown scenario or account is refused', async () => {
    const platform = await startMock();
    expect((await setScenario(platform, 'chaos-monkey')).status).toBe(400);
    expect((await setScenario(platform, 'redirect', 'nobody')).status).toBe(404);
  });

  test('the hostile account serves quotes, SQL, unicode and 10 KB names, and syncs its odd ids', async () => {
    const platform = await startMock({ hostileAccount: true });
    const accessToken = await token(platform, HOSTILE_ACCOUNT.email, HOSTILE_ACCOUNT.password);
    const { data } = (await listCampaigns(platform, accessToken, '?limit=30')).body;
    expect(data).toHaveLength(30);
    expect(data.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(["Robert'); DROP TABLE campaigns;--", 'x'.repeat(10 * 1024)]),
    );
    for (const id of ["camp'aign#1", 'slash/ed#8', 'キャンペーン#4']) {
      expect((await syncCampaign(platform, accessToken, id)).body).toMatchObject({ success: true, campaign_id: id });
    }
  });
});
