import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { MockConfig } from './config';

export interface Campaign {
  id: string;
  name: string;
  status: 'active' | 'paused' | 'completed';
  budget: number;
  impressions: number;
  clicks: number;
  conversions: number;
  created_at: string;
}

export interface Account {
  id: string;
  email: string;
  password: string;
  campaigns: Campaign[];
}

/** What logs in to an account, and the id the admin endpoints know it by. */
export type AccountLogin = Pick<Account, 'id' | 'email' | 'password'>;

export const REFERENCE_ACCOUNT = { id: 'mixoads', email: 'admin@mixoads.com', password: 'SuperSecret123!' } as const;

const STATUSES = ['active', 'paused', 'completed'] as const;
const CREATED_BASE = Date.UTC(2025, 0, 1);
const DAY_MS = 86_400_000;

/** The same seed and account always give the same campaigns, so tests can compare values. */
export function generateCampaigns(seed: number, accountIndex: number, count: number): Campaign[] {
  const rng = xoroshiro128plus(seed * 1_000_003 + accountIndex);
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const impressions = uniformInt(rng, 1_000, 500_000);
    const clicks = uniformInt(rng, 0, Math.floor(impressions / 10));
    const conversions = uniformInt(rng, 0, Math.floor(clicks / 5));
    return {
      id: `campaign_${n}`,
      name: `Campaign ${n}`,
      status: STATUSES[n % STATUSES.length]!,
      budget: 1000 + n * 100,
      impressions,
      clicks,
      conversions,
      created_at: new Date(CREATED_BASE + n * DAY_MS).toISOString(),
    };
  });
}

/** Generated account i (1-based): id client-00i, email client-00i@mock.test, password password-00i. */
export function generatedAccountCredentials(index: number): AccountLogin {
  const id = `client-${String(index).padStart(3, '0')}`;
  return { id, email: `${id}@mock.test`, password: `password-${String(index).padStart(3, '0')}` };
}

/** The generated account that MOCK_BIG_ACCOUNT_CAMPAIGNS makes big: a skewed fleet's one big client syncs it. */
export const BIG_ACCOUNT_INDEX = 1;
const BIG_ACCOUNT_ID = generatedAccountCredentials(BIG_ACCOUNT_INDEX).id;

/** Whether the account is the big one: generated account BIG_ACCOUNT_INDEX, when MOCK_BIG_ACCOUNT_CAMPAIGNS asks for one. */
export const isBigAccount = (config: Pick<MockConfig, 'bigAccountCampaigns'>, accountId: string) =>
  config.bigAccountCampaigns > 0 && accountId === BIG_ACCOUNT_ID;

/** An account's own rate limit: requests per sliding window. */
export type AccountRateLimit = Pick<MockConfig, 'rateLimit' | 'rateWindowMs'>;

/** The account's own limit and window: the accounts' settings, or the big account's where they are set (not 0). */
export function accountRateLimit(
  config: AccountRateLimit & Pick<MockConfig, 'bigAccountCampaigns' | 'bigAccountRateLimit' | 'bigAccountRateWindowMs'>,
  accountId: string,
): AccountRateLimit {
  const { rateLimit, rateWindowMs } = config;
  if (!isBigAccount(config, accountId)) return { rateLimit, rateWindowMs };
  return { rateLimit: config.bigAccountRateLimit || rateLimit, rateWindowMs: config.bigAccountRateWindowMs || rateWindowMs };
}

export function buildAccounts(
  config: Pick<MockConfig, 'seed' | 'generatedAccounts' | 'campaignsPerAccount' | 'bigAccountCampaigns' | 'hostileAccount'>,
): Account[] {
  const { seed } = config;
  return [
    { ...REFERENCE_ACCOUNT, campaigns: generateCampaigns(seed, 0, 100) },
    ...Array.from({ length: config.generatedAccounts }, (_, i) => {
      const login = generatedAccountCredentials(i + 1);
      // Each account draws from its own seeded sequence, so the big one leaves the others' campaigns as they were.
      const count = isBigAccount(config, login.id) ? config.bigAccountCampaigns : config.campaignsPerAccount;
      return { ...login, campaigns: generateCampaigns(seed, i + 1, count) };
    }),
    ...(config.hostileAccount ? [{ ...HOSTILE_ACCOUNT, campaigns: generateHostileCampaigns(seed) }] : []),
  ];
}

export const HOSTILE_ACCOUNT = { id: 'hostile', email: 'hostile@mock.test', password: 'p\'a"ss;--word' } as const;

const HOSTILE_IDS = [
  "camp'aign",
  'camp"aign',
  "x'); DROP TABLE campaigns; --",
  'キャンペーン',
  'emoji-🚀',
  'back\\slash',
  'per%20cent',
  'slash/ed',
  'spa ce',
  'a'.repeat(200),
];
const HOSTILE_NAMES = [
  'O\'Reilly "quoted"',
  "Robert'); DROP TABLE campaigns;--",
  'x'.repeat(10 * 1024),
  'Ünïcödé 漢字 🎉 \u202e',
  '<script>alert(1)</script>',
  '\\N',
  'null',
  '',
  ' leading and trailing ',
  '$1 $2 ::text',
];

/** Campaigns whose ids and names are what a careless client breaks on: quotes, SQL, unicode, 10 KB. */
export function generateHostileCampaigns(seed: number, count = 30): Campaign[] {
  return generateCampaigns(seed, 9_999, count).map((campaign, i) => ({
    ...campaign,
    id: `${HOSTILE_IDS[i % HOSTILE_IDS.length]}#${i + 1}`,
    name: HOSTILE_NAMES[i % HOSTILE_NAMES.length]!,
  }));
}
