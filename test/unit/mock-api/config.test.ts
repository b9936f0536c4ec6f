import { defaultMockConfig, mockConfigFromEnv, type MockConfig } from '../../../mock-api/config';
import { listCampaigns, listStatuses, startMockWith, stopMocks, token } from '../../helpers/mock-platform';

afterEach(stopMocks);

const REFERENCE_DEFAULTS: MockConfig = {
  port: 3001,
  host: '127.0.0.1',
  seed: 42,
  rate503: 0.1,
  hangRate: 0.05,
  latencyMs: 0,
  syncLatencyMs: 2000,
  rateLimit: 10,
  rateWindowMs: 60_000,
  appRateLimit: 0,
  appRateWindowMs: 60_000,
  retryAfterHeader: true,
  retryAfterSeconds: undefined,
  tokenTtlSeconds: 3600,
  generatedAccounts: 0,
  campaignsPerAccount: 100,
  bigAccountCampaigns: 0,
  bigAccountRateLimit: 0,
  bigAccountRateWindowMs: 0,
  maxPageLimit: 100,
  burst429Rate: 0,
  burst429Ms: 3000,
  spikeRate: 0,
  spikeMs: 5000,
  dripRate: 0,
  dripChunkMs: 1000,
  resetRate: 0,
  hostileAccount: false,
  poisonRetryAfterInfinite: 'off',
  poisonRetryAfterHuge: 'off',
  poisonExtraRecords: 'off',
  poisonHugeBody: 'off',
  poisonLongId: 'off',
  poisonNulCharacter: 'off',
  poisonDeepNesting: 'off',
  poisonLoneSurrogate: 'off',
  poisonCounterOverflow: 'off',
};

describe('mockConfigFromEnv', () => {
  test('without variables gives the reference defaults', () => {
    expect(mockConfigFromEnv({})).toEqual(REFERENCE_DEFAULTS);
  });

  test('reads every variable', () => {
    const env = {
      PORT: '4010',
      HOST: '0.0.0.0',
      MOCK_SEED: '7',
      MOCK_503_RATE: '0.25',
      MOCK_HANG_RATE: '0',
      MOCK_LATENCY_MS: '15',
      MOCK_SYNC_LATENCY_MS: '250',
      MOCK_RATE_LIMIT: '3',
      MOCK_RATE_WINDOW_MS: '1500',
      MOCK_APP_RATE_LIMIT: '20',
      MOCK_APP_RATE_WINDOW_MS: '2500',
      MOCK_RETRY_AFTER_HEADER: 'false',
      MOCK_RETRY_AFTER_S: '5',
      MOCK_TOKEN_TTL_S: '2',
      MOCK_ACCOUNTS: '4',
      MOCK_CAMPAIGNS_PER_ACCOUNT: '12',
      MOCK_BIG_ACCOUNT_CAMPAIGNS: '5000',
      MOCK_BIG_ACCOUNT_RATE_LIMIT: '100',
      MOCK_BIG_ACCOUNT_RATE_WINDOW_MS: '6000',
      MOCK_MAX_PAGE_LIMIT: '50',
      MOCK_429_BURST_RATE: '0.01',
      MOCK_429_BURST_MS: '800',
      MOCK_LATENCY_SPIKE_RATE: '0.02',
      MOCK_LATENCY_SPIKE_MS: '900',
      MOCK_DRIP_RATE: '0.03',
      MOCK_DRIP_CHUNK_MS: '700',
      MOCK_RESET_RATE: '0.04',
      MOCK_HOSTILE_ACCOUNT: 'true',
      MOCK_POISON_RETRY_AFTER_INFINITE: 'once',
      MOCK_POISON_RETRY_AFTER_HUGE: 'always',
      MOCK_POISON_EXTRA_RECORDS: 'once',
      MOCK_POISON_HUGE_BODY: 'always',
      MOCK_POISON_LONG_ID: 'once',
      MOCK_POISON_NUL_CHARACTER: 'always',
      MOCK_POISON_DEEP_NESTING: 'once',
      MOCK_POISON_LONE_SURROGATE: 'always',
      MOCK_POISON_COUNTER_OVERFLOW: 'off',
      UNRELATED: 'ignored',
    };
    expect(mockConfigFromEnv(env)).toEqual({
      port: 4010,
      host: '0.0.0.0',
      seed: 7,
      rate503: 0.25,
      hangRate: 0,
      latencyMs: 15,
      syncLatencyMs: 250,
      rateLimit: 3,
      rateWindowMs: 1500,
      appRateLimit: 20,
      appRateWindowMs: 2500,
      retryAfterHeader: false,
      retryAfterSeconds: 5,
      tokenTtlSeconds: 2,
      generatedAccounts: 4,
      campaignsPerAccount: 12,
      bigAccountCampaigns: 5000,
      bigAccountRateLimit: 100,
      bigAccountRateWindowMs: 6000,
      maxPageLimit: 50,
      burst429Rate: 0.01,
      burst429Ms: 800,
      spikeRate: 0.02,
      spikeMs: 900,
      dripRate: 0.03,
      dripChunkMs: 700,
      resetRate: 0.04,
      hostileAccount: true,
      poisonRetryAfterInfinite: 'once',
      poisonRetryAfterHuge: 'always',
      poisonExtraRecords: 'once',
      poisonHugeBody: 'always',
      poisonLongId: 'once',
      poisonNulCharacter: 'always',
      poisonDeepNesting: 'once',
      poisonLoneSurrogate: 'always',
      poisonCounterOverflow: 'off',
    });
  });

  test.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('MOCK_RETRY_AFTER_HEADER=%s reads as %s', (value, expected) => {
    expect(mockConfigFromEnv({ MOCK_RETRY_AFTER_HEADER: value }).retryAfterHeader).toBe(expected);
  });

  test('an empty value means the default', () => {
    expect(mockConfigFromEnv({ PORT: '', MOCK_503_RATE: '', MOCK_RETRY_AFTER_S: '' })).toEqual(REFERENCE_DEFAULTS);
  });

  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['MOCK_SEED', '1.5'],
    ['MOCK_503_RATE', '1.5'],
    ['MOCK_HANG_RATE', '-0.1'],
    ['MOCK_RATE_LIMIT', '0'],
    ['MOCK_APP_RATE_LIMIT', '-1'],
    ['MOCK_APP_RATE_WINDOW_MS', '0'],
    ['MOCK_BIG_ACCOUNT_CAMPAIGNS', '-1'],
    ['MOCK_BIG_ACCOUNT_RATE_LIMIT', '2.5'],
    ['MOCK_BIG_ACCOUNT_RATE_WINDOW_MS', 'abc'],
    ['MOCK_RETRY_AFTER_HEADER', 'no'],
    ['MOCK_TOKEN_TTL_S', '0'],
    ['MOCK_POISON_HUGE_BODY', 'sometimes'],
  ])('rejects %s=%s with an error naming the variable', (name, value) => {
    expect(() => mockConfigFromEnv({ [name]: value })).toThrow(new RegExp(`^Invalid ${name}: `));
  });

  test('defaultMockConfig ignores process.env', () => {
    const saved = process.env.MOCK_503_RATE;
    process.env.MOCK_503_RATE = '0.9';
    try {
      expect(defaultMockConfig({ seed: 3 })).toEqual({ ...REFERENCE_DEFAULTS, seed: 3 });
    } finally {
      if (saved === undefined) delete process.env.MOCK_503_RATE;
      else process.env.MOCK_503_RATE = saved;
    }
  });

  test('a platform started from the environment behaves as configured', async () => {
    const platform = await startMockWith(
      mockConfigFromEnv({
        PORT: '0',
        MOCK_503_RATE: '0',
        MOCK_HANG_RATE: '0',
        MOCK_RATE_LIMIT: '1',
        MOCK_RETRY_AFTER_HEADER: 'false',
        MOCK_RETRY_AFTER_S: '5',
      }),
    );
    const accessToken = await token(platform);
    expect(await listStatuses(platform, accessToken, 1)).toEqual([200]);
    const limited = await listCampaigns(platform, accessToken);
    expect(limited.status).toBe(429);
    expect(limited.body.retry_after).toBe(5);
    expect(limited.headers.get('retry-after')).toBeNull();
  });
});
