import { join } from 'node:path';
import { spawnTied, waitFor, type TiedProcess } from '../../src/infra/child-process';
import { startMockPlatformProcess } from '../../src/infra/mock-platform-process';

const DIST = join(__dirname, '..', '..');

export interface MockProcess {
  url: string;
  process: TiedProcess;
  stats(): Promise<MockStats>;
  requests(account: string): Promise<MockRequest[]>;
  campaigns(account: string): Promise<Record<string, unknown>[]>;
  tokens(account: string): Promise<string[]>;
  configure(changes: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

export interface MockRequest {
  at: number;
  endpoint: 'auth' | 'list' | 'sync';
  status: number | 'hung';
  page?: number;
  limit?: number;
  campaignId?: string;
}

export interface MockAccountStats {
  tokensIssued: number;
  requests: Record<string, Record<string, number>>;
  rateLimited: number;
  maxArrivalsInWindow: number;
  syncedCampaignIds: string[];
  /** Successful sync calls per campaign id. */
  syncCalls: Record<string, number>;
}

export interface MockStats {
  accounts: Record<string, MockAccountStats>;
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The mock platform as its own process (node dist/mock-api/main.js) on a free port. */
export async function startMockProcess(env: Record<string, string> = {}): Promise<MockProcess> {
  const { url, process: mock } = await startMockPlatformProcess({ ...process.env, PORT: '0', ...env });
  return {
    url,
    process: mock,
    stats: () => getJson<MockStats>(`${url}/__mock/stats`),
    requests: (account) => getJson<MockRequest[]>(`${url}/__mock/requests?account=${encodeURIComponent(account)}`),
    campaigns: (account) => getJson(`${url}/__mock/accounts/${encodeURIComponent(account)}/campaigns`),
    tokens: (account) => getJson(`${url}/__mock/tokens?account=${encodeURIComponent(account)}`),
    configure: async (changes) => {
      await getJson(`${url}/__mock/config`, { method: 'PATCH', body: JSON.stringify(changes) });
    },
    stop: () => mock.stop('SIGTERM', 5000),
  };
}

/** A worker as its own process (node dist/src/worker.js, or another build's `script`), so tests can SIGKILL it. */
export async function startWorkerProcess(env: Record<string, string>, script = join(DIST, 'src', 'worker.js')): Promise<TiedProcess & { output: () => string }> {
  let output = '';
  const worker = spawnTied(process.execPath, [script], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    onOutput: (chunk) => (output += chunk),
  });
  await waitFor('worker', async () => {
    if (!output.includes('worker started')) throw new Error('not started yet');
  }, { timeoutMs: 60_000, intervalMs: 100, gaveUp: () => (worker.child.exitCode !== null ? output : undefined) });
  return Object.assign(worker, { output: () => output });
}
