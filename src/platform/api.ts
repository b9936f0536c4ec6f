import { Agent, DecoratorHandler, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { DEFAULT_ANSWER_BOUNDS, MAX_ERROR_BODY_BYTES, recordProblem, reportedId } from './answer-bounds';
import { quotable } from '../printable';
import { campaignSchema, storableTimestamp } from './campaign';
import type { Campaign, CampaignPage, RejectedRecord } from '../contract/activities';
import { FailureType } from '../contract/failure-types';
import { PlatformError } from './errors';
import { askedWaitMs, boundedWait } from './retry-after';

/** How long PlatformApi waits for the platform, and how much of an answer it believes. */
export interface PlatformLimits {
  connectMs: number;
  /** Time to the response headers: a hung request is abandoned after this. */
  headersMs: number;
  /** Longest silence while the body arrives. */
  bodyMs: number;
  /** A successful answer's body, at most: reading stops there, and a longer one is malformed. */
  maxBodyBytes: number;
  /** The longest wait a 429 may impose; a longer one asked for is clamped to it (and reported). */
  maxRetryAfterMs: number;
}

export interface Credentials {
  email: string;
  password: string;
}

export interface IssuedToken {
  accessToken: string;
  expiresInMs: number;
}

const tokenSchema = z.object({
  // Sent back in every request's Authorization header, which cannot carry NUL, newlines or text
  // beyond Latin-1 (undici refuses the request) and loses spaces at the ends: visible ASCII only.
  access_token: z.string().regex(/^[\x21-\x7e]+$/, 'is not a token an Authorization header can carry'),
  expires_in: z.number().positive(),
});

const pageSchema = z.object({
  data: z.array(z.unknown()),
  pagination: z.object({
    total: z.number().int().nonnegative(),
    has_more: z.boolean(),
  }),
});

/** A confirmation's time is stored with the batch's others: one PostgreSQL refuses would fail them all. */
const syncSchema = z.object({ success: z.literal(true), synced_at: storableTimestamp });

const errorBodySchema = z.object({ error: z.string().optional(), message: z.string().optional(), retry_after: z.unknown().optional() });

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}${'code' in err ? ` ${String(err.code)}` : ''}: ${err.message}`;
  return String(err);
}

/**
 * A request that was not written to the platform because its rate slot had passed by the time
 * its connection was ready: the platform never saw it, so its slot can be given back.
 */
export class SlotPassedError extends Error {
  constructor(what: string, lateMs: number) {
    super(`${what} was not sent: ${lateMs} ms past its rate slot`);
    this.name = 'SlotPassedError';
  }
}

/** undici's DecoratorHandler forwards every handler method to the handler it wraps; its published types omit them. */
const ForwardingHandler = DecoratorHandler as unknown as new (handler: Dispatcher.DispatchHandlers) => {
  onConnect(abort: (err?: Error) => void): void;
};

/**
 * Checks the deadline when undici is about to write the request on its connection, after
 * everything the worker does before (timers firing together, a new connection): the last moment
 * a late request can still be kept from the platform.
 */
class SendByDeadline extends ForwardingHandler {
  constructor(
    handler: Dispatcher.DispatchHandlers,
    private readonly sendBy: number,
    private readonly what: string,
  ) {
    super(handler);
  }

  override onConnect(abort: (err?: Error) => void): void {
    const lateMs = Date.now() - this.sendBy;
    // Thrown, not abort()ed: undici then drops the request and keeps the connection for the next
    // (abort destroys the socket, so every request missed would cost the next one a new connection).
    if (lateMs > 0) throw new SlotPassedError(this.what, lateMs);
    super.onConnect(abort);
  }
}

/** Ways an answer can be absurd that PlatformApi counts (metric) and logs, beside refusing or clamping it. */
/** The platform's endpoints, as the mock's statistics name them. */
export type PlatformEndpoint = 'auth' | 'list' | 'sync';

export type PlatformMisbehaviour = 'oversized_body' | 'too_many_records' | 'malformed_answer' | 'retry_after_clamped';

/** Told of every request's outcome, and of every answer outside the bounds. */
export interface PlatformObserver {
  /** The HTTP status, or `timeout` / `network` when there was none. */
  request(clientId: string, endpoint: PlatformEndpoint, status: string): void;
  /** `detail` is our own text (never the platform's body). */
  misbehaved(clientId: string, endpoint: PlatformEndpoint, kind: PlatformMisbehaviour, detail: string): void;
}

const UNOBSERVED: PlatformObserver = { request: () => undefined, misbehaved: () => undefined };

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** How a request is counted: for which client, at which endpoint. */
interface ObservedAs {
  clientId: string;
  endpoint: PlatformEndpoint;
}

/** What the platform answered: its body as far as it was read. */
interface Answer {
  status: number;
  text: string;
  /** The body went on past the bound: `text` is empty. */
  oversized: boolean;
  retryAfterHeader: string | string[] | undefined;
}

/**
 * Reads a body up to `maxBytes`. A longer one (announced by Content-Length, or found while
 * streaming) is not read on: the stream is destroyed, so a 10 GB answer costs at most `maxBytes`.
 */
async function readBounded(body: Dispatcher.ResponseData['body'], announced: unknown, maxBytes: number) {
  const oversized = () => {
    // undici reports a body destroyed before its end as an 'error' event: one nobody listens to would end the process.
    body.on('error', () => undefined).destroy();
    return { text: '', oversized: true };
  };
  if (Number(announced) > maxBytes) return oversized();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return oversized();
    chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), oversized: false };
}

const isSuccess = (status: number) => status >= 200 && status < 300;

/** A listed record as a campaign, or why it is not one: first what no column could hold, then the schema's first issue. */
function asCampaign(record: unknown): { campaign: Campaign } | { reason: string } {
  const problem = recordProblem(record);
  if (problem !== undefined) return { reason: problem };
  const campaign = campaignSchema.safeParse(record);
  if (campaign.success) return { campaign: campaign.data };
  const issue = campaign.error.issues[0]!;
  return { reason: `${issue.path.join('.') || '(record)'}: ${issue.message}` };
}

/** The answer's JSON; an error page that is not JSON (a proxy's HTML, a redirect's text) is undefined, judged by its status alone. */
function parseAnswerBody(what: string, { status, text, oversized }: Answer, maxBodyBytes: number): unknown {
  if (oversized) {
    if (isSuccess(status))
      throw new PlatformError(FailureType.PlatformMalformedResponse, `${what} answered ${status} with a body over ${maxBodyBytes} bytes`, {
        status,
      });
    return undefined;
  }
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

/**
 * A 429's failure, with the wait it asked for bounded: finite, whole ms, at most `maxWaitMs`.
 * `clamped` says how much more it asked for, for the observer.
 */
function rateLimited(detail: string, status: number, asked: number | undefined, maxWaitMs: number, clamped: (text: string) => void) {
  if (asked === undefined) return new PlatformError(FailureType.PlatformRateLimited, detail, { status });
  const wait = boundedWait(asked, maxWaitMs);
  if (wait.clamped) clamped(`asked to wait ${asked / 1000} s; waiting ${wait.waitMs / 1000} s`);
  return new PlatformError(FailureType.PlatformRateLimited, detail, { status, retryAfterMs: wait.waitMs });
}

/** The failure a non-2xx answer stands for, by its status (and, for a 401, what it says). */
function failedAnswer(
  what: string,
  url: URL,
  { status, retryAfterHeader }: Answer,
  body: unknown,
  maxWaitMs: number,
  clamped: (text: string) => void,
): PlatformError {
  const error = errorBodySchema.safeParse(body ?? {});
  const said = error.success ? [error.data.error, error.data.message].filter(Boolean).join(': ') : '';
  const detail = `${what} answered ${status}${said ? ` (${quotable(said, 200)})` : ''}`;
  if (status === 429) {
    const asked = askedWaitMs(retryAfterHeader, error.success ? error.data.retry_after : undefined, Date.now());
    return rateLimited(detail, status, asked, maxWaitMs, clamped);
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

/**
 * The ad platform's HTTP API (../shared/mock-ad-platform.md), over one undici connection pool.
 * Every answer is bounded before it is believed: body size, records per page, each record's
 * size, depth and text, and a 429's wait (answer-bounds.ts, retry-after.ts).
 */
export class PlatformApi {
  private readonly agent: Agent;
  private readonly limits: PlatformLimits;

  constructor(
    limits: Omit<PlatformLimits, keyof typeof DEFAULT_ANSWER_BOUNDS> & Partial<PlatformLimits>,
    private readonly observer: PlatformObserver = UNOBSERVED,
  ) {
    this.limits = { ...DEFAULT_ANSWER_BOUNDS, ...limits };
    this.agent = new Agent({
      connectTimeout: limits.connectMs,
      headersTimeout: limits.headersMs,
      bodyTimeout: limits.bodyMs,
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
    sendBy?: number,
  ): Promise<unknown> {
    const what = `${method} ${url.pathname}`;
    const answer = await this.send(what, method, url, headers, signal, observed, sendBy);
    try {
      const body = parseAnswerBody(what, answer, this.limits.maxBodyBytes);
      if (isSuccess(answer.status)) return body;
      throw failedAnswer(what, url, answer, body, this.limits.maxRetryAfterMs, (text) =>
        this.misbehaved(observed, 'retry_after_clamped', `${what} answered 429 and ${text}`),
      );
    } catch (err) {
      if (err instanceof PlatformError && err.kind === FailureType.PlatformMalformedResponse)
        this.misbehaved(observed, answer.oversized ? 'oversized_body' : 'malformed_answer', err.message);
      throw err;
    }
  }

  private misbehaved({ clientId, endpoint }: ObservedAs, kind: PlatformMisbehaviour, detail: string): void {
    this.observer.misbehaved(clientId, endpoint, kind, detail);
  }

  /**
   * Sends the request and reads the whole answer; no answer at all is a transient failure. With
   * `sendBy` (this process's clock), a request not yet written by then is not sent (SlotPassedError).
   */
  private async send(
    what: string,
    method: 'GET' | 'POST',
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    { clientId, endpoint }: ObservedAs,
    sendBy: number | undefined,
  ): Promise<Answer> {
    const dispatcher =
      sendBy === undefined
        ? this.agent
        : this.agent.compose((dispatch) => (options, handler) => dispatch(options, new SendByDeadline(handler, sendBy, what)));
    try {
      const response = await request(url, { method, headers, signal, dispatcher, maxRedirections: 0 });
      const maxBytes = isSuccess(response.statusCode) ? this.limits.maxBodyBytes : MAX_ERROR_BODY_BYTES;
      const body = await readBounded(response.body, response.headers['content-length'], maxBytes);
      this.observer.request(clientId, endpoint, String(response.statusCode));
      return { status: response.statusCode, ...body, retryAfterHeader: response.headers['retry-after'] };
    } catch (err) {
      if (signal?.aborted || err instanceof SlotPassedError) throw err;
      const code = (err as { code?: unknown }).code;
      this.observer.request(clientId, endpoint, typeof code === 'string' && TIMEOUT_CODES.has(code) ? 'timeout' : 'network');
      // Timeouts, resets and refused connections: the platform may answer next time.
      throw new PlatformError(FailureType.PlatformUnavailable, `${what} failed: ${describeError(err)}`);
    }
  }

  /** The body as the schema has it, or a malformed answer (counted as the platform misbehaving). */
  private parse<T>(schema: z.ZodType<T>, body: unknown, what: string, observed: ObservedAs): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const message = `${what} returned an unexpected body: ${issue.path.join('.') || '(root)'} ${issue.message}`;
      this.misbehaved(observed, 'malformed_answer', message);
      throw new PlatformError(FailureType.PlatformMalformedResponse, message);
    }
    return parsed.data;
  }

  async requestToken(baseUrl: string, clientId: string, credentials: Credentials, signal?: AbortSignal): Promise<IssuedToken> {
    const basic = Buffer.from(`${credentials.email}:${credentials.password}`).toString('base64');
    const observed: ObservedAs = { clientId, endpoint: 'auth' };
    const body = await this.call('POST', new URL('/auth/token', baseUrl), { authorization: `Basic ${basic}` }, signal, observed);
    const token = this.parse(tokenSchema, body, 'POST /auth/token', observed);
    return { accessToken: token.access_token, expiresInMs: token.expires_in * 1000 };
  }

  async listCampaigns(
    baseUrl: string,
    accessToken: string,
    clientId: string,
    page: number,
    limit: number,
    signal?: AbortSignal,
    sendBy?: number,
  ): Promise<CampaignPage> {
    const url = new URL('/api/campaigns', baseUrl);
    url.searchParams.set('page', String(page));
    url.searchParams.set('limit', String(limit));
    const observed: ObservedAs = { clientId, endpoint: 'list' };
    const body = await this.call('GET', url, { authorization: `Bearer ${accessToken}`, 'x-client-id': clientId }, signal, observed, sendBy);
    const parsed = this.parse(pageSchema, body, 'GET /api/campaigns', observed);
    if (parsed.data.length > limit) {
      const message = `GET /api/campaigns answered page ${page} with ${parsed.data.length} records for a limit of ${limit}`;
      this.misbehaved(observed, 'too_many_records', message);
      throw new PlatformError(FailureType.PlatformMalformedResponse, message);
    }
    const campaigns: Campaign[] = [];
    const rejected: RejectedRecord[] = [];
    parsed.data.forEach((record, position) => {
      const checked = asCampaign(record);
      if ('campaign' in checked) campaigns.push(checked.campaign);
      else rejected.push({ position, id: reportedId(record), reason: checked.reason });
    });
    // JSON.stringify writes some numbers longer than a platform may (1e20 comes back as 21 digits):
    // the campaigns, an activity result, are held to the body's bound as they will be written.
    const bytes = Buffer.byteLength(JSON.stringify(campaigns));
    if (bytes > this.limits.maxBodyBytes) {
      const message = `GET /api/campaigns answered page ${page} with campaigns of ${bytes} bytes as JSON, more than ${this.limits.maxBodyBytes}`;
      this.misbehaved(observed, 'oversized_body', message);
      throw new PlatformError(FailureType.PlatformMalformedResponse, message);
    }
    return { campaigns, rejected, total: parsed.pagination.total, hasMore: parsed.pagination.has_more };
  }

  async syncCampaign(
    baseUrl: string,
    accessToken: string,
    clientId: string,
    campaignId: string,
    signal?: AbortSignal,
    sendBy?: number,
  ): Promise<{ syncedAt: string }> {
    const url = new URL(`/api/campaigns/${encodeURIComponent(campaignId)}/sync`, baseUrl);
    const observed: ObservedAs = { clientId, endpoint: 'sync' };
    const body = await this.call(
      'POST',
      url,
      { authorization: `Bearer ${accessToken}`, 'x-client-id': clientId },
      signal,
      observed,
      sendBy,
    );
    return { syncedAt: this.parse(syncSchema, body, `POST /api/campaigns/:id/sync`, observed).synced_at };
  }
}
