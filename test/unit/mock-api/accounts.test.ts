import { buildAccounts, generatedAccountCredentials } from '../../../mock-api/accounts';
import { defaultMockConfig } from '../../../mock-api/config';
import type { MockPlatform } from '../../../mock-api/server';
import {
  REFERENCE_ACCOUNT,
  call,
  isIsoTimestamp,
  listCampaigns,
  requestToken,
  startMock,
  stats,
  stopMocks,
  token,
  type Json,
} from '../../helpers/mock-platform';

afterEach(stopMocks);

/** Follows has_more from page 1 (at most `maxPages` pages) and returns every page's body. */
async function allPages(platform: MockPlatform, accessToken: string, limit: number, maxPages = 50): Promise<Json[]> {
  const pages: Json[] = [];
  for (let page = 1; page <= maxPages; page++) {
    const reply = await listCampaigns(platform, accessToken, `?page=${page}&limit=${limit}`);
    expect(reply.status).toBe(200);
    pages.push(reply.body);
    if (!reply.body.pagination.has_more) break;
  }
  return pages;
}

const campaignIds = (count: number) => Array.from({ length: count }, (_, i) => `campaign_${i + 1}`);

describe('the reference account', () => {
  test('is the only account by default', async () => {
    const platform = await startMock();
    expect(Object.keys((await stats(platform)).accounts)).toEqual([REFERENCE_ACCOUNT.id]);
  });

  test('admin@mixoads.com pages through exactly campaign_1..campaign_100 with limit 10', async () => {
    const platform = await startMock();
    const pages = await allPages(platform, await token(platform, 'admin@mixoads.com', 'SuperSecret123!'), 10);

    expect(pages).toHaveLength(10);
    pages.forEach((body, i) => {
      expect(body.pagination).toEqual({ page: i + 1, limit: 10, total: 100, has_more: i < 9 });
      expect(body.data).toHaveLength(10);
    });
    expect(pages.flatMap((body) => body.data.map((campaign: Json) => campaign.id))).toEqual(campaignIds(100));
  });

  test('campaigns have the shape of the contract', async () => {
    const platform = await startMock();
    const { body } = await listCampaigns(platform, await token(platform), '?limit=100');
    expect(body.data).toHaveLength(100);
    for (const campaign of body.data as Json[]) {
      const n = Number(/^campaign_(\d+)$/.exec(campaign.id)?.[1]);
      expect(campaign).toEqual({
        id: `campaign_${n}`,
        name: `Campaign ${n}`,
        status: expect.stringMatching(/^(active|paused|completed)$/),
        budget: expect.any(Number),
        impressions: expect.any(Number),
        clicks: expect.any(Number),
        conversions: expect.any(Number),
        created_at: expect.any(String),
      });
      for (const metric of ['impressions', 'clicks', 'conversions']) {
        expect(Number.isInteger(campaign[metric]) && campaign[metric] >= 0).toBe(true);
      }
      expect(isIsoTimestamp(campaign.created_at)).toBe(true);
    }
  });
});

describe('accounts are isolated', () => {
  const one = generatedAccountCredentials(1);
  const two = generatedAccountCredentials(2);

  test('generated accounts are client-001 and client-002, each with its own password', async () => {
    const platform = await startMock({ generatedAccounts: 2 });
    expect(one).toEqual({ id: 'client-001', email: 'client-001@mock.test', password: 'password-001' });
    expect(Object.keys((await stats(platform)).accounts).sort()).toEqual(['client-001', 'client-002', 'mixoads']);
    expect((await requestToken(platform, two.email, two.password)).status).toBe(200);
    expect((await requestToken(platform, two.email, one.password)).body.error).toBe('Invalid credentials');
  });

  test('one account exhausting its window affects neither another account nor the reference account', async () => {
    const platform = await startMock({ generatedAccounts: 2, rateLimit: 2, rateWindowMs: 60_000 });
    const [oneToken, twoToken, referenceToken] = [
      await token(platform, one.email, one.password),
      await token(platform, two.email, two.password),
      await token(platform),
    ];

    const oneStatuses: number[] = [];
    for (let i = 0; i < 3; i++) oneStatuses.push((await listCampaigns(platform, oneToken)).status);
    expect(oneStatuses).toEqual([200, 200, 429]);
    expect((await listCampaigns(platform, twoToken)).status).toBe(200);
    expect((await listCampaigns(platform, referenceToken)).status).toBe(200);

    const { accounts } = await stats(platform);
    expect(accounts[one.id]).toMatchObject({
      requests: { auth: { 200: 1 }, list: { 200: 2, 429: 1 } },
      rateLimited: 1,
      maxArrivalsInWindow: 3,
    });
    expect(accounts[two.id]).toMatchObject({ requests: { auth: { 200: 1 }, list: { 200: 1 } }, rateLimited: 0, maxArrivalsInWindow: 1 });
    expect(accounts[REFERENCE_ACCOUNT.id]).toMatchObject({ requests: { auth: { 200: 1 }, list: { 200: 1 } }, rateLimited: 0 });
  });

  test('each account lists its own campaigns', async () => {
    const platform = await startMock({ generatedAccounts: 2, campaignsPerAccount: 5 });
    const listAll = async (accountEmail: string, accountPassword: string) =>
      (await listCampaigns(platform, await token(platform, accountEmail, accountPassword), '?limit=100')).body;

    const [oneList, twoList, referenceList] = [
      await listAll(one.email, one.password),
      await listAll(two.email, two.password),
      await listAll(REFERENCE_ACCOUNT.email, REFERENCE_ACCOUNT.password),
    ];
    expect(oneList.pagination.total).toBe(5);
    expect(twoList.pagination.total).toBe(5);
    expect(referenceList.pagination.total).toBe(100);
    expect(oneList.data).not.toEqual(twoList.data);
    expect(oneList.data).not.toEqual(referenceList.data.slice(0, 5));
    for (const [id, list] of [
      [one.id, oneList],
      [two.id, twoList],
      [REFERENCE_ACCOUNT.id, referenceList],
    ] as const) {
      expect((await call(platform, `/__mock/accounts/${id}/campaigns`)).body).toEqual(list.data);
    }
  });
});

describe('the big account (MOCK_BIG_ACCOUNT_CAMPAIGNS)', () => {
  const big = generatedAccountCredentials(1);
  const campaignsOf = async (platform: MockPlatform, id: string): Promise<Json[]> =>
    (await call(platform, `/__mock/accounts/${id}/campaigns`)).body;

  test('is off by default: generated account 1 has campaignsPerAccount like the others', async () => {
    const platform = await startMock({ generatedAccounts: 2, campaignsPerAccount: 5 });
    expect((await stats(platform)).config).toMatchObject({ bigAccountCampaigns: 0, bigAccountRateLimit: 0, bigAccountRateWindowMs: 0 });
    expect(await campaignsOf(platform, big.id)).toHaveLength(5);
  });

  test('generated account 1 lists that many campaigns, page by page; the others keep campaignsPerAccount', async () => {
    const platform = await startMock({ generatedAccounts: 3, campaignsPerAccount: 5, bigAccountCampaigns: 250 });
    const pages = await allPages(platform, await token(platform, big.email, big.password), 100);
    expect(pages.map((body) => body.pagination)).toEqual([
      { page: 1, limit: 100, total: 250, has_more: true },
      { page: 2, limit: 100, total: 250, has_more: true },
      { page: 3, limit: 100, total: 250, has_more: false },
    ]);
    expect(pages.flatMap((body) => body.data.map((campaign: Json) => campaign.id))).toEqual(campaignIds(250));
    expect(await campaignsOf(platform, generatedAccountCredentials(2).id)).toHaveLength(5);
    expect(await campaignsOf(platform, generatedAccountCredentials(3).id)).toHaveLength(5);
    expect(await campaignsOf(platform, REFERENCE_ACCOUNT.id)).toHaveLength(100);
  });

  test('leaves every other account’s campaigns as they were, and starts with the ones account 1 had', () => {
    const config = defaultMockConfig({ seed: 7, generatedAccounts: 3, campaignsPerAccount: 5, hostileAccount: true });
    const [reference, one, ...rest] = buildAccounts(config);
    const [skewedReference, bigOne, ...skewedRest] = buildAccounts({ ...config, bigAccountCampaigns: 40 });
    expect(bigOne!.campaigns).toHaveLength(40);
    expect(bigOne!.campaigns.slice(0, 5)).toEqual(one!.campaigns);
    expect(skewedReference).toEqual(reference);
    expect(skewedRest).toEqual(rest);
  });

  test('with no generated accounts there is none to make big', async () => {
    const platform = await startMock({ bigAccountCampaigns: 250 });
    expect(Object.keys((await stats(platform)).accounts)).toEqual([REFERENCE_ACCOUNT.id]);
  });
});
