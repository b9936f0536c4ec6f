import { z } from 'zod';

const rate = z.number().min(0).max(1);
const count = z.number().int().min(0);
const positive = z.number().int().min(1);
/** A poison (mock-api/poisons.ts) is off, served on the first answer that can carry it, or on every such answer. */
export const poisonMode = z.enum(['off', 'once', 'always']);
export type PoisonMode = z.output<typeof poisonMode>;

interface MockSetting<V extends z.ZodType> {
  /** The environment variable that sets it. */
  env: string;
  /** Its type as the config holds it and PATCH /__mock/config takes it (JSON, not env text). */
  value: V;
  /** Used when the variable is unset or empty; matches the reference mock where it has the knob. */
  default: z.output<V>;
  /** PATCH /__mock/config may change it while the mock runs. */
  live?: true;
  /** One line for the table in docs/mock-platform.md. */
  about: string;
}

const setting = <V extends z.ZodType>(s: MockSetting<V>) => s;
const poisonModeSetting = (env: string, about: string) => setting({ env, value: poisonMode, default: 'off', live: true, about });

/**
 * Every knob of the mock platform, once: the config type, the environment parser, the defaults,
 * the run-time changes PATCH /__mock/config accepts and the table in docs/mock-platform.md all come from here.
 */
export const MOCK_SETTINGS = {
  // Where it listens, and the seed that makes a run repeatable.
  port: setting({
    env: 'PORT',
    value: z.number().int().min(0).max(65535),
    default: 3001,
    about: 'where it listens (`0`: a free port, printed at start)',
  }),
  host: setting({ env: 'HOST', value: z.string(), default: '127.0.0.1', about: 'the address it listens on' }),
  seed: setting({
    env: 'MOCK_SEED',
    value: z.number().int(),
    default: 42,
    about: 'PRNG seed for faults and campaign values: same seed, same run',
  }),
  // Accounts and their campaigns.
  generatedAccounts: setting({ env: 'MOCK_ACCOUNTS', value: count, default: 0, about: 'generated accounts besides the reference one' }),
  campaignsPerAccount: setting({
    env: 'MOCK_CAMPAIGNS_PER_ACCOUNT',
    value: count,
    default: 100,
    about: 'campaigns of each generated account',
  }),
  bigAccountCampaigns: setting({
    env: 'MOCK_BIG_ACCOUNT_CAMPAIGNS',
    value: count,
    default: 0,
    about:
      'campaigns of generated account 1 (`client-001`), the big account, in place of `MOCK_CAMPAIGNS_PER_ACCOUNT` (`0`: no big account)',
  }),
  maxPageLimit: setting({ env: 'MOCK_MAX_PAGE_LIMIT', value: positive, default: 100, about: 'largest `limit` accepted (400 above)' }),
  hostileAccount: setting({
    env: 'MOCK_HOSTILE_ACCOUNT',
    value: z.boolean(),
    default: false,
    about: 'adds account `hostile` whose campaigns have quotes, SQL, unicode and 10 KB strings in ids and names',
  }),
  // Tokens, and the rate limits of each account and of the application all accounts share.
  tokenTtlSeconds: setting({
    env: 'MOCK_TOKEN_TTL_S',
    value: positive,
    default: 3600,
    live: true,
    about: 'token lifetime; unknown and expired tokens get 401',
  }),
  rateLimit: setting({
    env: 'MOCK_RATE_LIMIT',
    value: positive,
    default: 10,
    live: true,
    about: 'requests per sliding window, per account',
  }),
  rateWindowMs: setting({
    env: 'MOCK_RATE_WINDOW_MS',
    value: positive,
    default: 60_000,
    live: true,
    about: 'the sliding window of the rate limit',
  }),
  bigAccountRateLimit: setting({
    env: 'MOCK_BIG_ACCOUNT_RATE_LIMIT',
    value: count,
    default: 0,
    live: true,
    about: "the big account's own requests per sliding window (`0`: `MOCK_RATE_LIMIT`)",
  }),
  bigAccountRateWindowMs: setting({
    env: 'MOCK_BIG_ACCOUNT_RATE_WINDOW_MS',
    value: count,
    default: 0,
    live: true,
    about: "the big account's own sliding window (`0`: `MOCK_RATE_WINDOW_MS`)",
  }),
  appRateLimit: setting({
    env: 'MOCK_APP_RATE_LIMIT',
    value: count,
    default: 0,
    live: true,
    about: "requests per sliding window over all accounts together, the application's limit (`0`: none)",
  }),
  appRateWindowMs: setting({
    env: 'MOCK_APP_RATE_WINDOW_MS',
    value: positive,
    default: 60_000,
    live: true,
    about: "the sliding window of the application's rate limit",
  }),
  retryAfterHeader: setting({
    env: 'MOCK_RETRY_AFTER_HEADER',
    value: z.boolean(),
    default: true,
    live: true,
    about: 'send `Retry-After` on 429 (`false`: body only, like the reference)',
  }),
  retryAfterSeconds: setting({
    env: 'MOCK_RETRY_AFTER_S',
    value: count.optional(),
    default: undefined,
    live: true,
    about: 'fixed wait announced on 429 (unset: the time until a slot frees)',
  }),
  // Injected faults.
  burst429Rate: setting({
    env: 'MOCK_429_BURST_RATE',
    value: rate,
    default: 0,
    live: true,
    about: 'chance that a request starts a burst of 429s for its account (not caused by the window)',
  }),
  burst429Ms: setting({ env: 'MOCK_429_BURST_MS', value: count, default: 3000, live: true, about: 'how long such a burst lasts' }),
  rate503: setting({ env: 'MOCK_503_RATE', value: rate, default: 0.1, live: true, about: 'share of `/api` requests answered 503' }),
  hangRate: setting({ env: 'MOCK_HANG_RATE', value: rate, default: 0.05, live: true, about: 'share of `/api` requests never answered' }),
  latencyMs: setting({ env: 'MOCK_LATENCY_MS', value: count, default: 0, live: true, about: 'extra latency on every `/api` answer' }),
  syncLatencyMs: setting({
    env: 'MOCK_SYNC_LATENCY_MS',
    value: count,
    default: 2000,
    live: true,
    about: 'how long `/api/campaigns/:id/sync` takes',
  }),
  spikeRate: setting({
    env: 'MOCK_LATENCY_SPIKE_RATE',
    value: rate,
    default: 0,
    live: true,
    about: 'chance of a latency spike on an `/api` answer',
  }),
  spikeMs: setting({ env: 'MOCK_LATENCY_SPIKE_MS', value: count, default: 5000, live: true, about: 'how long a spike adds' }),
  dripRate: setting({
    env: 'MOCK_DRIP_RATE',
    value: rate,
    default: 0,
    live: true,
    about: 'chance that a body is sent in ten chunks, `MOCK_DRIP_CHUNK_MS` apart',
  }),
  dripChunkMs: setting({ env: 'MOCK_DRIP_CHUNK_MS', value: count, default: 1000, live: true, about: 'the pause between dripped chunks' }),
  resetRate: setting({
    env: 'MOCK_RESET_RATE',
    value: rate,
    default: 0,
    live: true,
    about: 'chance that the connection is reset after the headers and half the body',
  }),
  // Poisons (mock-api/poisons.ts): well-formed answers that are absurd; an answer carries at most one, the first in this order.
  poisonRetryAfterInfinite: poisonModeSetting(
    'MOCK_POISON_RETRY_AFTER_INFINITE',
    '`/api` answered 429 with `retry_after` 1e306 in the body and no `Retry-After`',
  ),
  poisonRetryAfterHuge: poisonModeSetting(
    'MOCK_POISON_RETRY_AFTER_HUGE',
    '`/sync` answered 429 with `Retry-After: 99999999` and the same `retry_after`',
  ),
  poisonExtraRecords: poisonModeSetting(
    'MOCK_POISON_EXTRA_RECORDS',
    'a list page carries 5,000 more valid-looking campaigns, `foreign_1` to `foreign_5000`',
  ),
  poisonHugeBody: poisonModeSetting('MOCK_POISON_HUGE_BODY', 'a list page padded to a 64 MB body (valid JSON, streamed)'),
  poisonLongId: poisonModeSetting(
    'MOCK_POISON_LONG_ID',
    'a list page short of `limit` gets one more campaign whose id is 10,000 random characters long',
  ),
  poisonNulCharacter: poisonModeSetting(
    'MOCK_POISON_NUL_CHARACTER',
    'a list page short of `limit` gets one more campaign with a NUL character in a `note` field',
  ),
  poisonDeepNesting: poisonModeSetting(
    'MOCK_POISON_DEEP_NESTING',
    'a list page short of `limit` gets one more campaign with an extra field nested 10,000 levels deep',
  ),
  poisonLoneSurrogate: poisonModeSetting(
    'MOCK_POISON_LONE_SURROGATE',
    'a list page short of `limit` gets one more campaign whose name holds an unpaired surrogate (`\\ud800`)',
  ),
  poisonCounterOverflow: poisonModeSetting(
    'MOCK_POISON_COUNTER_OVERFLOW',
    'a list page short of `limit` gets one more campaign with 1e20 impressions',
  ),
};

type Settings = typeof MOCK_SETTINGS;
export type MockConfig = { -readonly [K in keyof Settings]: z.output<Settings[K]['value']> };
type LiveKey = { [K in keyof Settings]: Settings[K] extends { live: true } ? K : never }[keyof Settings];

const entries = Object.entries(MOCK_SETTINGS) as [keyof MockConfig, MockSetting<z.ZodType>][];

const flag = z.enum(['true', 'false', '1', '0']).transform((text) => text === 'true' || text === '1');

/** Environment text to the setting's value: numbers and flags are parsed, then checked like JSON ones. */
function envParser(value: z.ZodType): z.ZodType {
  const inner = value instanceof z.ZodOptional ? value.unwrap() : value;
  if (inner instanceof z.ZodNumber) return z.coerce.number().pipe(value as z.ZodType<unknown, number>);
  if (inner instanceof z.ZodBoolean) return flag.pipe(value as z.ZodType<unknown, boolean>);
  return value;
}

export function mockConfigFromEnv(env: NodeJS.ProcessEnv = process.env): MockConfig {
  const config: Record<string, unknown> = {};
  for (const [key, s] of entries) {
    const text = env[s.env];
    if (text === undefined || text === '') {
      config[key] = s.default;
      continue;
    }
    const parsed = envParser(s.value).safeParse(text);
    if (!parsed.success) throw new Error(`Invalid ${s.env}: ${parsed.error.issues[0]!.message}`);
    config[key] = parsed.data;
  }
  return config as MockConfig;
}

export const defaultMockConfig = (overrides: Partial<MockConfig> = {}): MockConfig => ({
  ...mockConfigFromEnv({}),
  ...overrides,
});

/** Settings as the environment of a mock process (what `node dist/mock-api/main.js` reads). */
export function mockEnv(settings: Partial<MockConfig>): Record<string, string> {
  return Object.fromEntries(entries.filter(([key]) => settings[key] !== undefined).map(([key, s]) => [s.env, String(settings[key])]));
}

/** What PATCH /__mock/config may change while the mock runs; anything else is refused. */
export const runtimeChangesSchema = z
  .object(Object.fromEntries(entries.filter(([, s]) => s.live).map(([key, s]) => [key, s.value])))
  .partial()
  .strict() as unknown as z.ZodType<Partial<Pick<MockConfig, LiveKey>>>;
