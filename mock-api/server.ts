import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { buildAccounts, type Account } from './accounts';
import { runtimeChangesSchema, type MockConfig } from './config';
import { listAnswer, scenarioSchema, type ListAnswer, type Scenario } from './scenarios';
import { SlidingWindow } from './sliding-window';
import { AccountStats, type Endpoint, type RequestRecord } from './stats';

interface AccountState {
  account: Account;
  stats: AccountStats;
  /** Requests the rate limiter let through (what it enforces). */
  accepted: SlidingWindow;
  /** Every request that reached the limiter, rejected or not (what a well-behaved client keeps under the limit). */
  arrivals: SlidingWindow;
  /** An injected burst of 429s lasts until then. */
  burstUntil: number;
}

interface Token {
  accountId: string;
  expiresAt: number;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly error: string, message: string, readonly headers: Record<string, string> = {}, readonly extra: object = {}) {
    super(message);
  }
}

export interface MockPlatform {
  server: Server;
  config: MockConfig;
  url: string;
  close(): Promise<void>;
}

export function createMockPlatform(config: MockConfig) {
  const accounts = new Map<string, AccountState>();
  const byEmail = new Map<string, AccountState>();
  const tokens = new Map<string, Token>();
  const rng = xoroshiro128plus(config.seed);

  const freshState = (account: Account): AccountState => ({
    account,
    stats: new AccountStats(),
    accepted: new SlidingWindow(() => config.rateWindowMs),
    arrivals: new SlidingWindow(() => config.rateWindowMs),
    burstUntil: 0,
  });
  const scenarios = new Map<string, Scenario>();
  const chance = (probability: number) => probability > 0 && uniformFloat64(rng) < probability;
  for (const account of buildAccounts(config.seed, config.generatedAccounts, config.campaignsPerAccount, config.hostileAccount)) {
    const state = freshState(account);
    accounts.set(account.id, state);
    byEmail.set(account.email, state);
  }
  const resetStats = () => {
    for (const [id, state] of accounts) {
      const fresh = freshState(state.account);
      accounts.set(id, fresh);
      byEmail.set(state.account.email, fresh);
    }
  };

  function issueToken(req: IncomingMessage) {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) throw new HttpError(401, 'Unauthorized', 'Missing Basic authorization header');
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const state = byEmail.get(decoded.slice(0, colon));
    if (colon < 0 || !state || state.account.password !== decoded.slice(colon + 1)) {
      throw new HttpError(401, 'Invalid credentials', 'The email or password is wrong');
    }
    const accessToken = `mock_${randomBytes(24).toString('hex')}`;
    const issuedAt = Date.now();
    tokens.set(accessToken, { accountId: state.account.id, expiresAt: issuedAt + config.tokenTtlSeconds * 1000 });
    state.stats.tokensIssued += 1;
    state.stats.add({ at: issuedAt, endpoint: 'auth', status: 200 });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: config.tokenTtlSeconds,
      issued_at: Math.floor(issuedAt / 1000),
    };
  }

  function authenticate(req: IncomingMessage): AccountState {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) throw new HttpError(401, 'Unauthorized', 'Missing Bearer token');
    const token = tokens.get(header.slice(7));
    if (!token) throw new HttpError(401, 'Unauthorized', 'Unknown access token');
    if (Date.now() >= token.expiresAt) throw new HttpError(401, 'Token expired', 'The access token has expired; request a new one');
    return accounts.get(token.accountId)!;
  }

  const tooManyRequests = (retryAfter: number, message: string) =>
    new HttpError(429, 'Rate limit exceeded', message, config.retryAfterHeader ? { 'retry-after': String(retryAfter) } : {}, { retry_after: retryAfter });

  /** A 429 the window did not cause: the platform throttling a whole account for a while. */
  function rejectDuringBurst(state: AccountState, record: RequestRecord, now: number) {
    if (now >= state.burstUntil && chance(config.burst429Rate)) state.burstUntil = now + config.burst429Ms;
    if (now < state.burstUntil) {
      record.injected = true;
      throw tooManyRequests(config.retryAfterSeconds ?? Math.max(1, Math.ceil((state.burstUntil - now) / 1000)), 'Throttled; try again later');
    }
  }

  function admitUnderRateLimit(state: AccountState, record: RequestRecord, now: number) {
    state.arrivals.record(now);
    rejectDuringBurst(state, record, now);
    if (state.accepted.count(now) >= config.rateLimit) {
      const retryAfter = config.retryAfterSeconds ?? Math.max(1, Math.ceil(state.accepted.msUntilSlotFrees(now) / 1000));
      throw tooManyRequests(retryAfter, `At most ${config.rateLimit} requests per ${config.rateWindowMs / 1000} s`);
    }
    state.accepted.record(now);
  }

  function positiveInteger(value: string | null, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
    if (value === null) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new HttpError(400, 'Bad Request', `${name} must be an integer from 1 to ${max}`);
    }
    return Number(value);
  }

  function listCampaigns(state: AccountState, url: URL) {
    const page = positiveInteger(url.searchParams.get('page'), 'page', 1);
    const limit = positiveInteger(url.searchParams.get('limit'), 'limit', 10, config.maxPageLimit);
    return { page, limit, answer: listAnswer(state.account.campaigns, page, limit, scenarios.get(state.account.id)) };
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Writes an answer, honestly or with an injected reset (half a body, then a dead socket) or drip. */
  async function deliver(res: ServerResponse, record: RequestRecord, answer: ListAnswer) {
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    if (chance(config.resetRate)) {
      record.fault = 'reset';
      res.write(answer.body.slice(0, Math.floor(answer.body.length / 2)));
      res.socket?.destroy();
      return;
    }
    if (chance(config.dripRate)) {
      record.fault = 'drip';
      const chunk = Math.ceil(answer.body.length / 10);
      for (let i = 0; i < answer.body.length && !res.destroyed; i += chunk) {
        res.write(answer.body.slice(i, i + chunk));
        await delay(config.dripChunkMs);
      }
      res.end();
      return;
    }
    res.end(answer.body);
  }

  /** /api/*: auth first, then the rate limit, then injected faults, then the answer. */
  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, endpoint: Exclude<Endpoint, 'auth'>, campaignId?: string) {
    const state = authenticate(req);
    const now = Date.now();
    const record: RequestRecord = { at: now, endpoint, status: 200, clientIdHeader: req.headers['x-client-id'] as string | undefined };
    if (campaignId) record.campaignId = campaignId;
    state.stats.add(record);
    try {
      admitUnderRateLimit(state, record, now);
      const listed = endpoint === 'list' ? listCampaigns(state, url) : undefined;
      if (listed) Object.assign(record, { page: listed.page, limit: listed.limit });
      if (endpoint === 'sync' && !state.account.campaigns.some((c) => c.id === campaignId)) {
        throw new HttpError(404, 'Not Found', `No campaign ${campaignId}`);
      }
      if (chance(config.rate503)) throw new HttpError(503, 'Service temporarily unavailable', 'Try again later');
      if (chance(config.hangRate)) {
        record.status = 'hung';
        return; // never answered: the client has to time out
      }
      const spike = chance(config.spikeRate) ? config.spikeMs : 0;
      await delay(config.latencyMs + spike + (endpoint === 'sync' ? config.syncLatencyMs : 0));
      if (listed) {
        record.status = listed.answer.status;
        return deliver(res, record, listed.answer);
      }
      const syncedAt = new Date().toISOString();
      state.stats.syncedCampaignIds.set(campaignId!, (state.stats.syncedCampaignIds.get(campaignId!) ?? 0) + 1);
      const body = { success: true, campaign_id: campaignId, synced_at: syncedAt, message: `Campaign ${campaignId} synced` };
      return deliver(res, record, { status: 200, body: JSON.stringify(body) });
    } catch (err) {
      if (err instanceof HttpError) record.status = err.status;
      throw err;
    }
  }

  function parseJsonBody(body: string): unknown {
    try {
      return JSON.parse(body || '{}');
    } catch {
      throw new HttpError(400, 'Bad Request', 'The body is not JSON');
    }
  }

  function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, body: string) {
    const path = url.pathname;
    if (req.method === 'GET' && path === '/__mock/stats') {
      const summaries = Object.fromEntries(
        [...accounts].map(([id, s]) => [id, s.stats.summary(s.arrivals.maxInWindow, s.accepted.maxInWindow)]),
      );
      return send(res, 200, { config, accounts: summaries });
    }
    if (req.method === 'GET' && path === '/__mock/requests') {
      const state = accounts.get(url.searchParams.get('account') ?? '');
      if (!state) throw new HttpError(404, 'Not Found', 'Unknown account');
      return send(res, 200, state.stats.requests);
    }
    if (req.method === 'GET' && path === '/__mock/tokens') {
      // Every token issued to an account, so tests can prove none leaked anywhere.
      const accountId = url.searchParams.get('account') ?? '';
      return send(res, 200, [...tokens].filter(([, t]) => t.accountId === accountId).map(([token]) => token));
    }
    const campaignsMatch = /^\/__mock\/accounts\/([^/]+)\/campaigns$/.exec(path);
    if (req.method === 'GET' && campaignsMatch) {
      const state = accounts.get(decodeURIComponent(campaignsMatch[1]!));
      if (!state) throw new HttpError(404, 'Not Found', 'Unknown account');
      return send(res, 200, state.account.campaigns);
    }
    // A campaign the platform stops listing (deleted on the platform), for tests of removals.
    const campaignMatch = /^\/__mock\/accounts\/([^/]+)\/campaigns\/([^/]+)$/.exec(path);
    if (req.method === 'DELETE' && campaignMatch) {
      const state = accounts.get(decodeURIComponent(campaignMatch[1]!));
      const campaignId = decodeURIComponent(campaignMatch[2]!);
      const index = state?.account.campaigns.findIndex((c) => c.id === campaignId) ?? -1;
      if (index < 0) throw new HttpError(404, 'Not Found', 'Unknown account or campaign');
      state!.account.campaigns.splice(index, 1);
      return send(res, 200, { removed: campaignId });
    }
    const accountMatch = /^\/__mock\/accounts\/([^/]+)$/.exec(path);
    if (req.method === 'PATCH' && accountMatch) {
      const id = decodeURIComponent(accountMatch[1]!);
      if (!accounts.has(id)) throw new HttpError(404, 'Not Found', 'Unknown account');
      const parsed = z.object({ scenario: scenarioSchema.nullable() }).strict().safeParse(parseJsonBody(body));
      if (!parsed.success) throw new HttpError(400, 'Bad Request', `Invalid scenario: ${parsed.error.issues[0]!.message}`);
      if (parsed.data.scenario) scenarios.set(id, parsed.data.scenario);
      else scenarios.delete(id);
      return send(res, 200, { account: id, scenario: parsed.data.scenario });
    }
    if (req.method === 'POST' && path === '/__mock/reset') {
      resetStats();
      return send(res, 200, { ok: true });
    }
    if (req.method === 'PATCH' && path === '/__mock/config') {
      const parsed = runtimeChangesSchema.safeParse(parseJsonBody(body));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new HttpError(400, 'Bad Request', `Invalid config change${issue.path.length ? ` ${issue.path.join('.')}` : ''}: ${issue.message}`);
      }
      const changes = parsed.data;
      Object.assign(config, changes);
      return send(res, 200, config);
    }
    throw new HttpError(404, 'Not Found', `No route ${req.method} ${path}`);
  }

  async function route(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', 'http://mock');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok', timestamp: new Date().toISOString() });
    if (req.method === 'POST' && path === '/auth/token') return send(res, 200, issueToken(req));
    if (req.method === 'GET' && path === '/api/campaigns') return handleApi(req, res, url, 'list');
    const syncMatch = /^\/api\/campaigns\/([^/]+)\/sync$/.exec(path);
    if (req.method === 'POST' && syncMatch) return handleApi(req, res, url, 'sync', decodeURIComponent(syncMatch[1]!));
    if (path.startsWith('/__mock/')) return handleAdmin(req, res, url, body);
    throw new HttpError(404, 'Not Found', `No route ${req.method} ${path}`);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      route(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        if (err instanceof HttpError) {
          if (err.status === 401 && req.url === '/auth/token') {
            const state = byEmail.get(Buffer.from((req.headers.authorization ?? '').slice(6), 'base64').toString('utf8').split(':')[0]!);
            state?.stats.add({ at: Date.now(), endpoint: 'auth', status: 401 });
          }
          return send(res, err.status, { error: err.error, message: err.message, ...err.extra }, err.headers);
        }
        send(res, 500, { error: 'Internal Server Error', message: err instanceof Error ? err.message : String(err) });
      });
    });
  });

  return {
    server,
    config,
    async listen(): Promise<MockPlatform> {
      await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
      const { port } = server.address() as AddressInfo;
      return {
        server,
        config,
        url: `http://${config.host}:${port}`,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections(); // hung requests included
          }),
      };
    },
  };
}
