import { z } from 'zod';

const rate = z.coerce.number().min(0).max(1);
const count = z.coerce.number().int().min(0);
const flag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

/**
 * Every knob of the mock platform, read from the environment. Defaults match the reference mock
 * (port 3001, 10 requests per 60 s sliding window, 100 campaigns, /sync taking about 2 s).
 */
export const mockConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  HOST: z.string().default('127.0.0.1'),
  MOCK_SEED: z.coerce.number().int().default(42),
  MOCK_503_RATE: rate.default(0.1),
  MOCK_HANG_RATE: rate.default(0.05),
  MOCK_LATENCY_MS: count.default(0),
  MOCK_SYNC_LATENCY_MS: count.default(2000),
  MOCK_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  MOCK_RATE_WINDOW_MS: z.coerce.number().int().min(1).default(60_000),
  MOCK_RETRY_AFTER_HEADER: flag.default(true),
  /** Fixed wait announced on 429; unset means the real time until a slot frees in the window. */
  MOCK_RETRY_AFTER_S: count.optional(),
  MOCK_TOKEN_TTL_S: z.coerce.number().int().min(1).default(3600),
  MOCK_ACCOUNTS: count.default(0),
  MOCK_CAMPAIGNS_PER_ACCOUNT: count.default(100),
  MOCK_MAX_PAGE_LIMIT: z.coerce.number().int().min(1).default(100),
  /** Chance that a request starts a burst of 429s for its account (not caused by the window). */
  MOCK_429_BURST_RATE: rate.default(0),
  MOCK_429_BURST_MS: count.default(3000),
  MOCK_LATENCY_SPIKE_RATE: rate.default(0),
  MOCK_LATENCY_SPIKE_MS: count.default(5000),
  /** Chance that a body is sent in ten chunks, MOCK_DRIP_CHUNK_MS apart. */
  MOCK_DRIP_RATE: rate.default(0),
  MOCK_DRIP_CHUNK_MS: count.default(1000),
  /** Chance that the connection is reset after the headers and half the body. */
  MOCK_RESET_RATE: rate.default(0),
  /** Adds account "hostile" whose campaigns have quotes, SQL, unicode and 10 KB strings in ids and names. */
  MOCK_HOSTILE_ACCOUNT: flag.default(false),
});

export type MockConfig = {
  port: number;
  host: string;
  seed: number;
  rate503: number;
  hangRate: number;
  latencyMs: number;
  syncLatencyMs: number;
  rateLimit: number;
  rateWindowMs: number;
  retryAfterHeader: boolean;
  retryAfterSeconds: number | undefined;
  tokenTtlSeconds: number;
  generatedAccounts: number;
  campaignsPerAccount: number;
  maxPageLimit: number;
  burst429Rate: number;
  burst429Ms: number;
  spikeRate: number;
  spikeMs: number;
  dripRate: number;
  dripChunkMs: number;
  resetRate: number;
  hostileAccount: boolean;
};

export function mockConfigFromEnv(env: NodeJS.ProcessEnv = process.env): MockConfig {
  const known = Object.keys(mockConfigSchema.shape);
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => known.includes(key) && value !== ''));
  const parsed = mockConfigSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Invalid ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    seed: e.MOCK_SEED,
    rate503: e.MOCK_503_RATE,
    hangRate: e.MOCK_HANG_RATE,
    latencyMs: e.MOCK_LATENCY_MS,
    syncLatencyMs: e.MOCK_SYNC_LATENCY_MS,
    rateLimit: e.MOCK_RATE_LIMIT,
    rateWindowMs: e.MOCK_RATE_WINDOW_MS,
    retryAfterHeader: e.MOCK_RETRY_AFTER_HEADER,
    retryAfterSeconds: e.MOCK_RETRY_AFTER_S,
    tokenTtlSeconds: e.MOCK_TOKEN_TTL_S,
    generatedAccounts: e.MOCK_ACCOUNTS,
    campaignsPerAccount: e.MOCK_CAMPAIGNS_PER_ACCOUNT,
    maxPageLimit: e.MOCK_MAX_PAGE_LIMIT,
    burst429Rate: e.MOCK_429_BURST_RATE,
    burst429Ms: e.MOCK_429_BURST_MS,
    spikeRate: e.MOCK_LATENCY_SPIKE_RATE,
    spikeMs: e.MOCK_LATENCY_SPIKE_MS,
    dripRate: e.MOCK_DRIP_RATE,
    dripChunkMs: e.MOCK_DRIP_CHUNK_MS,
    resetRate: e.MOCK_RESET_RATE,
    hostileAccount: e.MOCK_HOSTILE_ACCOUNT,
  };
}

export const defaultMockConfig = (overrides: Partial<MockConfig> = {}): MockConfig => ({
  ...mockConfigFromEnv({}),
  ...overrides,
});

/** What PATCH /__mock/config may change while the mock runs; anything else is refused. */
export const runtimeChangesSchema = z
  .object({
    rate503: z.number().min(0).max(1),
    hangRate: z.number().min(0).max(1),
    latencyMs: z.number().int().min(0),
    syncLatencyMs: z.number().int().min(0),
    rateLimit: z.number().int().min(1),
    rateWindowMs: z.number().int().min(1),
    retryAfterHeader: z.boolean(),
    retryAfterSeconds: z.number().int().min(0).optional(),
    tokenTtlSeconds: z.number().int().min(1),
    burst429Rate: z.number().min(0).max(1),
    burst429Ms: z.number().int().min(0),
    spikeRate: z.number().min(0).max(1),
    spikeMs: z.number().int().min(0),
    dripRate: z.number().min(0).max(1),
    dripChunkMs: z.number().int().min(0),
    resetRate: z.number().min(0).max(1),
  })
  .partial()
  .strict();
