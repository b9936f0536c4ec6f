import { REFERENCE_ACCOUNT } from '../../mock-api/accounts';
import { defaultMockConfig, type MockConfig } from '../../mock-api/config';
import { createMockPlatform, type MockPlatform } from '../../mock-api/server';
import type { AccountStats } from '../../mock-api/stats';

export { REFERENCE_ACCOUNT };

/** Faults and latency off, a limit nobody reaches: tests switch on only what they look at. */
const QUIET: Partial<MockConfig> = { rate503: 0, hangRate: 0, latencyMs: 0, syncLatencyMs: 0, rateLimit: 10_000 };

const running: MockPlatform[] = [];

/** Starts a mock with exactly this config; `stopMocks` (call it in afterEach) closes it. */
export async function startMockWith(config: MockConfig): Promise<MockPlatform> {
  const platform = await createMockPlatform(config).listen();
  running.push(platform);
  return platform;
}

/** Starts a quiet mock (see QUIET) on a free port of 127.0.0.1, with these changes. */
export const startMock = (overrides: Partial<MockConfig> = {}) => startMockWith(defaultMockConfig({ port: 0, ...QUIET, ...overrides }));

export async function stopMocks(): Promise<void> {
  await Promise.all(running.splice(0).map((platform) => platform.close()));
}

// Response bodies are whatever JSON the mock sent; the assertions check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index into arbitrary JSON
export type Json = any;

export interface Reply {
  status: number;
  headers: Headers;
  body: Json;
}

export interface CallOptions {
  method?: string;
  /** The whole Authorization header value. */
  authorization?: string;
  /** Shorthand for `authorization: Bearer <token>`. */
  token?: string;
  body?: unknown;
  signal?: AbortSignal;
}

/** A reply's body as the text it was, for bytes JSON.parse would hide. */
export interface TextReply {
  status: number;
  headers: Headers;
  text: string;
}

export async function callText(platform: MockPlatform, path: string, options: CallOptions = {}): Promise<TextReply> {
  const headers: Record<string, string> = {};
  const authorization = options.token === undefined ? options.authorization : `Bearer ${options.token}`;
  if (authorization !== undefined) headers.authorization = authorization;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${platform.url}${path}`, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export async function call(platform: MockPlatform, path: string, options: CallOptions = {}): Promise<Reply> {
  const { status, headers, text } = await callText(platform, path, options);
  return { status, headers, body: text ? JSON.parse(text) : undefined };
}

export const basicAuth = (email: string, password: string) => `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;

export const requestToken = (platform: MockPlatform, email: string, password: string) =>
  call(platform, '/auth/token', { method: 'POST', authorization: basicAuth(email, password) });

/** A fresh access token for the account (the reference account unless told otherwise). */
export async function token(
  platform: MockPlatform,
  email: string = REFERENCE_ACCOUNT.email,
  password: string = REFERENCE_ACCOUNT.password,
): Promise<string> {
  const reply = await requestToken(platform, email, password);
  if (reply.status !== 200) throw new Error(`POST /auth/token for ${email} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body.access_token as string;
}

export const listCampaigns = (platform: MockPlatform, accessToken: string, query = '', signal?: AbortSignal) =>
  call(platform, `/api/campaigns${query}`, { token: accessToken, signal });

export const syncCampaign = (platform: MockPlatform, accessToken: string, campaignId: string) =>
  call(platform, `/api/campaigns/${encodeURIComponent(campaignId)}/sync`, { method: 'POST', token: accessToken });

/** Sends `count` list requests one after another and returns their statuses. */
export async function listStatuses(platform: MockPlatform, accessToken: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await listCampaigns(platform, accessToken)).status);
  return statuses;
}

export type AccountSummary = ReturnType<AccountStats['summary']>;

export async function stats(
  platform: MockPlatform,
): Promise<{ config: MockConfig; poisonsServed: Record<string, number>; accounts: Record<string, AccountSummary> }> {
  return (await call(platform, '/__mock/stats')).body;
}

export async function accountStats(platform: MockPlatform, accountId: string = REFERENCE_ACCOUNT.id): Promise<AccountSummary> {
  const summary = (await stats(platform)).accounts[accountId];
  if (!summary) throw new Error(`no stats for account ${accountId}`);
  return summary;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Settles with the promise's value, or with 'timer' if `ms` pass first; the timer never outlives the race. */
export async function raceTimer<T>(promise: Promise<T>, ms: number): Promise<T | 'timer'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<'timer'>((resolve) => (timer = setTimeout(() => resolve('timer'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `task(0..count-1)` on `concurrency` workers and returns the results in index order. */
export async function runPool<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

export const isIsoTimestamp = (value: unknown) =>
  typeof value === 'string' && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;
