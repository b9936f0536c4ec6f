import { Agent, request } from 'undici';
import { z } from 'zod';
import { campaignSchema, type Campaign } from './campaign';
import type { PlatformEndpoint } from '../metrics';
import { FailureType } from '../failure-types';
import { PlatformError } from './errors';

export interface PlatformTimeouts {
  connectMs: number;
  /** Time to the response headers: a hung request is abandoned after this. */
  headersMs: number;
  /** Longest silence while the body arrives. */
  bodyMs: number;
}

export interface Credentials {
  email: string;
  password: string;
}

export interface IssuedToken {
  accessToken: string;
  expiresInMs: number;
}

export interface RejectedRecord {
  position: number;
  id: string | null;
  reason: string;
}

export interface CampaignPage {
  campaigns: Campaign[];
  /** Records on the page that are not valid campaigns; the rest of the page still counts. */
  rejected: RejectedRecord[];
  total: number;
  hasMore: boolean;
}

const tokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
});

const pageSchema = z.object({
  data: z.array(z.unknown()),
  pagination: z.object({
    total: z.number().int().nonnegative(),
    has_more: z.boolean(),
  }),
});

const syncSchema = z.object({ success: z.literal(true), synced_at: z.iso.datetime({ offset: true }) });

const errorBodySchema = z.object({ error: z.string().optional(), message: z.string().optional(), retry_after: z.number().optional() });

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}${'code' in err ? ` ${String(err.code)}` : ''}: ${err.message}`;
  return String(err);
}

/** The wait a 429 asks for: the Retry-After header when present, else the body's retry_after. */
export function retryAfterMs(header: string | string[] | undefined, bodyRetryAfter: number | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value.trim() !== '') {
    if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  return bodyRetryAfter !== undefined && bodyRetryAfter >= 0 ? bodyRetryAfter * 1000 : undefined;
}

/** Told of every request's outcome: the HTTP status, or `timeout` / `network` when there was none. */
export type RequestObserver = (clientId: string, endpoint: PlatformEndpoint, status: string) => void;

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** How a request is counted: for which client, at which endpoint. */
interface ObservedAs {
  clientId: string;
  endpoint: PlatformEndpoint;
}

/** What the platform answered, read in full. */
interface Answer {
  status: number;
  text: string;
  retryAfterHeader: string | string[] | undefined;
}

const isSuccess = (status: number) => status >= 200 && status < 300;

/** The answer's JSON; an error page that is not JSON (a proxy's HTML, a redirect's text) is undefined, judged by its status alone. */
function parseAnswerBody(what: string, { status, text }: Answer): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    // The body is not quoted: it might hold a token in some other format.
    if (isSuccess(status))
      throw new PlatformError(
        FailureType.PlatformMalformedResponse,
        `${what} answered ${status} with a body that is not JSON (${text.length} bytes)`,
        { status },
      );
    return undefined;
  }
}

/** The failure a non-2xx answer stands for, by its status (and, for a 401, what it says). */
function failedAnswer(what: string, url: URL, { status, retryAfterHeader }: Answer, body: unknown): PlatformError {
  const error = errorBodySchema.safeParse(body ?? {});
  const said = error.success ? [error.data.error, error.data.message].filter(Boolean).join(': ') : '';
  const detail = `${what} answered ${status}${said ? ` (${said.slice(0, 200)})` : ''}`;
  if (status === 429) {
    const wait = retryAfterMs(retryAfterHeader, error.success ? error.data.retry_after : undefined);
    return new PlatformError(FailureType.PlatformRateLimited, detail, { status, retryAfterMs: wait });
  }
  if (status >= 500) return new PlatformError(FailureType.PlatformUnavailable, detail, { status });
  if (status === 401 && error.success && /expired/i.test(error.data.error ?? '')) {
    return new PlatformError(FailureType.PlatformTokenExpired, detail, { status });
  }
  if (status === 401 && url.pathname.endsWith('/auth/token')) {
    return new PlatformError(FailureType.PlatformBadCredentials, `${detail}: check the client's email and password`, { status });
  }
  if (status >= 300 && status < 400) {
    return new PlatformError(
      FailureType.PlatformRejectedRequest,
      `${detail}: the platform redirects; set the client's API URL to the final address`,
      { status },
    );
  }
  return new PlatformError(FailureType.PlatformRejectedRequest, detail, { status });
}

/** The ad platform's HTTP API (../shared/mock-ad-platform.md), over one undici connection pool. */
export class PlatformClient {
  private readonly agent: Agent;

  constructor(
    timeouts: PlatformTimeouts,
    private readonly observe: RequestObserver = () => undefined,
  ) {
    this.agent = new Agent({
      connectTimeout: timeouts.connectMs,
      headersTimeout: timeouts.headersMs,
      bodyTimeout: timeouts.bodyMs,
    });
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /** One request: the body of a 2xx answer, else the PlatformError that says what went wrong. */
  private async call(
    method: 'GET' | 'POST',
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    observed: ObservedAs,
  ): Promise<unknown> {
    const what = `${method} ${url.pathname}`;
    const answer = await this.send(what, method, url, headers, signal, observed);
    const body = parseAnswerBody(what, answer);
    if (isSuccess(answer.status)) return body;
    throw failedAnswer(what, url, answer, body);
  }

  /** Sends the request and reads the whole answer; no answer at all is a transient failure. */
  private async send(
    what: string,
    method: 'GET' | 'POST',
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    { clientId, endpoint }: ObservedAs,
  ): Promise<Answer> {
    try {
      const response = await request(url, { method, headers, signal, dispatcher: this.agent, maxRedirections: 0 });
      const text = await response.body.text();
      this.observe(clientId, endpoint, String(response.statusCode));
      return { status: response.statusCode, text, retryAfterHeader: response.headers['retry-after'] };
    } catch (err) {
      if (signal?.aborted) throw err;
      const code = (err as { code?: unknown }).code;
      this.observe(clientId, endpoint, typeof code === 'string' && TIMEOUT_CODES.has(code) ? 'timeout' : 'network');
      // Timeouts, resets and refused connections: the platform may answer next time.
      throw new PlatformError(FailureType.PlatformUnavailable, `${what} failed: ${describeError(err)}`);
    }
  }

  private static parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PlatformError(
        FailureType.PlatformMalformedResponse,
        `${what} returned an unexpected body: ${issue.path.join('.') || '(root)'} ${issue.message}`,
      );
    }
    return parsed.data;
  }

  async requestToken(baseUrl: string, clientId: string, credentials: Credentials, signal?: AbortSignal): Promise<IssuedToken> {
    const basic = Buffer.from(`${credentials.email}:${credentials.password}`).toString('base64');
    const body = await this.call('POST', new URL('/auth/token', baseUrl), { authorization: `Basic ${basic}` }, signal, {
      clientId,
      endpoint: 'auth',
    });
    const token = PlatformClient.parse(tokenSchema, body, 'POST /auth/token');
    return { accessToken: token.access_token, expiresInMs: token.expires_in * 1000 };
  }

  async listCampaigns(
    baseUrl: string,
    accessToken: string,
    clientId: string,
    page: number,
    limit: number,
    signal?: AbortSignal,
  ): Promise<CampaignPage> {
    const url = new URL('/api/campaigns', baseUrl);
    url.searchParams.set('page', String(page));
    url.searchParams.set('limit', String(limit));
    const body = await this.call('GET', url, { authorization: `Bearer ${accessToken}`, 'x-client-id': clientId }, signal, {
      clientId,
      endpoint: 'list',
    });
    const parsed = PlatformClient.parse(pageSchema, body, 'GET /api/campaigns');
    const campaigns: Campaign[] = [];
    const rejected: RejectedRecord[] = [];
    parsed.data.forEach((record, position) => {
      const campaign = campaignSchema.safeParse(record);
      if (campaign.success) campaigns.push(campaign.data);
      else {
        const issue = campaign.error.issues[0]!;
        const id = typeof (record as { id?: unknown })?.id === 'string' ? (record as { id: string }).id : null;
        rejected.push({ position, id, reason: `${issue.path.join('.') || '(record)'}: ${issue.message}` });
      }
    });
    return { campaigns, rejected, total: parsed.pagination.total, hasMore: parsed.pagination.has_more };
  }

  async syncCampaign(
    baseUrl: string,
    accessToken: string,
    clientId: string,
    campaignId: string,
    signal?: AbortSignal,
  ): Promise<{ syncedAt: string }> {
    const url = new URL(`/api/campaigns/${encodeURIComponent(campaignId)}/sync`, baseUrl);
    const body = await this.call('POST', url, { authorization: `Bearer ${accessToken}`, 'x-client-id': clientId }, signal, {
      clientId,
      endpoint: 'sync',
    });
    return { syncedAt: PlatformClient.parse(syncSchema, body, `POST /api/campaigns/:id/sync`).synced_at };
  }
}
