import { mockEnv, type MockConfig } from '../mock-api/config';
import type { Poison } from '../mock-api/poison-names';
import { waitFor } from '../src/infra/wait-for';
import { BUILT } from './built';
import { spawnTied, type TiedProcess } from './processes';

/**
 * Starts the mock ad platform (mock-api/) as its own process with these settings over this
 * process's environment; port 0 picks a free port.
 */
export async function startMockPlatformProcess(settings: Partial<MockConfig>): Promise<{ url: string; process: TiedProcess }> {
  let output = '';
  const env = { ...process.env, ...mockEnv(settings) };
  const mock = spawnTied(process.execPath, [BUILT.mockPlatform], { env, onOutput: (chunk) => (output += chunk) });
  const url = await waitFor(
    'mock platform',
    async () => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (!match) throw new Error('not listening yet');
      return match[1]!;
    },
    { timeoutMs: 20_000, intervalMs: 50, gaveUp: () => (mock.child.exitCode !== null ? output.trim() : undefined) },
  );
  return { url, process: mock };
}

export interface MockProcess {
  url: string;
  process: TiedProcess;
  stats(): Promise<MockStats>;
  requests(account: string): Promise<MockRequest[]>;
  campaigns(account: string): Promise<Record<string, unknown>[]>;
  /** Every token issued to `account`; without it, to any account. */
  tokens(account?: string): Promise<string[]>;
  configure(changes: Partial<MockConfig>): Promise<void>;
  stop(): Promise<void>;
}

export interface MockRequest {
  at: number;
  endpoint: 'auth' | 'list' | 'sync';
  status: number | 'hung';
  page?: number;
  limit?: number;
  campaignId?: string;
  /** The poison the answer carried (mock-api/poisons.ts). */
  poison?: Poison;
  /** A 429 from a rate window: the account's own, or the application's that all accounts share. */
  limitedBy?: 'account' | 'application';
}

/**
 * The most requests (tokens aside) the platform saw inside one window of `windowMs`, as one line:
 * each arrival's time from the first, what it was and its answer. What a test or a benchmark says
 * when a window held more than its limit, so the cause can be read from its log.
 */
export function describeFullestWindow(requests: MockRequest[], windowMs: number): { count: number; line: string } {
  const arrivals = requests.filter((r) => r.endpoint !== 'auth').sort((a, b) => a.at - b.at);
  let fullest: MockRequest[] = [];
  for (let first = 0, last = 0; last < arrivals.length; last++) {
    while (arrivals[last]!.at - arrivals[first]!.at >= windowMs) first++;
    if (last - first + 1 > fullest.length) fullest = arrivals.slice(first, last + 1);
  }
  const start = fullest[0]?.at ?? 0;
  const seen = fullest.map((r) => `+${r.at - start} ms ${r.endpoint} ${r.campaignId ?? `page ${r.page}`} ${r.status}`);
  return { count: fullest.length, line: `${fullest.length} requests within ${windowMs} ms: ${seen.join('; ')}` };
}

export interface MockAccountStats {
  tokensIssued: number;
  requests: Record<string, Record<string, number>>;
  /** 429s from the account's own window. */
  rateLimited: number;
  /** 429s from the application's window. */
  appRateLimited: number;
  maxArrivalsInWindow: number;
  syncedCampaignIds: string[];
  /** Successful sync calls per campaign id. */
  syncCalls: Record<string, number>;
}

/** The application-wide rate limit all accounts share (MOCK_APP_RATE_LIMIT, 0: off) and what its windows saw. */
export interface MockApplicationStats {
  rateLimit: number;
  rateWindowMs: number;
  maxArrivalsInWindow: number;
  maxAcceptedInWindow: number;
  /** 429s from the application's window, over all accounts. */
  rateLimited: number;
}

export interface MockStats {
  accounts: Record<string, MockAccountStats>;
  /** How many answers carried each poison. */
  poisonsServed: Record<Poison, number>;
  application: MockApplicationStats;
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The mock platform as its own process (node dist/mock-api/main.js) on a free port. */
export async function startMockProcess(settings: Partial<MockConfig> = {}): Promise<MockProcess> {
  const { url, process: mock } = await startMockPlatformProcess({ port: 0, ...settings });
  return {
    url,
    process: mock,
    stats: () => getJson<MockStats>(`${url}/__mock/stats`),
    requests: (account) => getJson<MockRequest[]>(`${url}/__mock/requests?account=${encodeURIComponent(account)}`),
    campaigns: (account) => getJson(`${url}/__mock/accounts/${encodeURIComponent(account)}/campaigns`),
    tokens: (account) =>
      getJson(account === undefined ? `${url}/__mock/tokens` : `${url}/__mock/tokens?account=${encodeURIComponent(account)}`),
    configure: async (changes) => {
      await getJson(`${url}/__mock/config`, { method: 'PATCH', body: JSON.stringify(changes) });
    },
    stop: () => mock.stop('SIGTERM', 5000),
  };
}
