import type { ServerResponse } from 'node:http';
import fc from 'fast-check';
import { MAX_CAMPAIGN_ID_BYTES, recordProblem } from '../../src/platform/answer-bounds';
import { campaignSchema } from '../../src/platform/campaign';
import { PlatformApi } from '../../src/platform/api';
import type { CampaignPage } from '../../src/contract/activities';
import { PlatformError } from '../../src/platform/errors';
import { FailureType } from '../../src/contract/failure-types';
import { startServer, type TestServer } from '../helpers/http-server';

// Whatever the platform answers (any status, any headers, any body), the PlatformApi either hands back
// something within the bounds or fails with a PlatformError of a Platform* kind; it never throws
// anything else, never lets a rejection or exception escape, and never waits longer than the max.

const BOUNDS = { maxBodyBytes: 8192, maxRetryAfterMs: 60_000 };
/**
 * Runs per property, each one request to the local server (300 take one or two seconds). Shrinking a
 * failure can take thousands more: it is cut off after 15 s, and the failure reported as shrunk so far.
 */
const PARAMETERS = { numRuns: 300, interruptAfterTimeLimit: 15_000 };

/** What the one server answers to the next request. */
interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  /** How the body is framed: Content-Length of its size, chunked in pieces, or a Content-Length that lies. */
  framing: 'exact' | 'chunked' | 'announced-huge' | 'announced-garbage';
}

let answer: Answer = { status: 200, headers: {}, body: '', framing: 'exact' };
let server: TestServer;
let api: PlatformApi;
/** What the PlatformApi told its observer, which goes to logs and metrics. */
let observed: string[] = [];
/** Unhandled rejections and uncaught exceptions seen while the properties ran. */
const escaped: unknown[] = [];
const onEscape = (err: unknown) => void escaped.push(err);

function respond(res: ServerResponse, { status, headers, body, framing }: Answer) {
  // The PlatformApi may close the connection mid-body (an oversized answer): nothing to report here.
  res.on('error', () => undefined);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  const bytes = Buffer.from(body, 'utf8');
  // A 204 or 304 has no body (Node sends none): a length announced for it would only be waited for.
  if (framing === 'exact' && status !== 204 && status !== 304) res.setHeader('content-length', bytes.length);
  if (framing === 'announced-huge') res.setHeader('content-length', '999999999');
  if (framing === 'announced-garbage') res.setHeader('content-length', '12abc');
  if (framing !== 'chunked') return void res.end(bytes);
  for (let i = 0; i < bytes.length; i += 1000) res.write(bytes.subarray(i, i + 1000));
  res.end();
}

beforeAll(async () => {
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  server = await startServer((_req, res) => respond(res, answer));
  api = new PlatformApi(
    { connectMs: 1000, headersMs: 1000, bodyMs: 1000, ...BOUNDS },
    { request: () => undefined, misbehaved: (_client, endpoint, kind, detail) => void observed.push(`${endpoint} ${kind}: ${detail}`) },
  );
});

afterAll(async () => {
  await api?.close();
  await server?.close();
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
});

afterEach(() => {
  expect(escaped).toEqual([]);
});

// ---- Arbitraries: text, headers, bodies ----

/** One UTF-16 unit of text a hostile platform might send: lone surrogates, NUL, JSON syntax, escapes, anything. */
const hostileUnit = fc.oneof(
  fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '"', '\\', '{', '[', ']', ',', '\u202e', '\u001b', '🚀', 'é', '€'),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
);
const hostileText = (maxLength: number) => fc.string({ unit: hostileUnit, maxLength });

/** Text a header value may hold (Node refuses to send anything else): tab, printable ASCII and Latin-1 (0x1f stands for the tab). */
const headerText = fc.string({
  unit: fc
    .integer({ min: 0x1f, max: 0xff })
    .filter((code) => code !== 0x7f)
    .map((code) => (code === 0x1f ? '\t' : String.fromCharCode(code))),
  maxLength: 40,
});

const retryAfterValue = fc.oneof(
  headerText,
  fc.nat().map(String),
  fc.double().map(String),
  fc.constantFrom('1e306', 'Infinity', '-5', '1e3', '99999999', '0', ' 1.5 ', '', '9'.repeat(400), 'NaN', '-0'),
  fc.date().map((date) => date.toUTCString()),
  fc.integer({ min: -1e9, max: 1e12 }).map((ms) => new Date(Date.now() + ms).toUTCString()),
);

const headers = fc.record(
  {
    'retry-after': fc.oneof(retryAfterValue, fc.array(retryAfterValue, { minLength: 1, maxLength: 3 })),
    'content-type': fc.constantFrom('application/json', 'text/html', 'application/octet-stream'),
    'x-anything': headerText,
  },
  { requiredKeys: [] },
);

/** Mostly 200 (so pages get through to be checked), else any status the PlatformApi may meet. */
const status = fc.oneof(
  { weight: 6, arbitrary: fc.constant(200) },
  { weight: 1, arbitrary: fc.constantFrom(201, 204, 299, 301, 304, 400, 401, 403, 404, 429, 500, 503, 599) },
  { weight: 3, arbitrary: fc.integer({ min: 200, max: 599 }) },
);

const framing = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Answer['framing']>('exact') },
  { weight: 3, arbitrary: fc.constant<Answer['framing']>('chunked') },
  { weight: 1, arbitrary: fc.constantFrom<Answer['framing']>('announced-huge', 'announced-garbage') },
);

const answerOf = (body: fc.Arbitrary<string>) => fc.record({ status, headers, body, framing });

/** A campaign the schema takes, with text of every kind. */
const campaign = fc.record({
  id: fc.oneof(
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
    fc.constantFrom('é'.repeat(MAX_CAMPAIGN_ID_BYTES / 2), '🚀'.repeat(MAX_CAMPAIGN_ID_BYTES / 4)),
  ),
  name: fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 })),
  status: fc.constantFrom('active', 'paused', 'archived'),
  budget: fc.double({ noNaN: true, noDefaultInfinity: true }),
  impressions: fc.maxSafeNat(),
  clicks: fc.nat(),
  conversions: fc.integer(),
  created_at: fc
    .date({ noInvalidDate: true, min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z') })
    .map((date) => date.toISOString()),
});
type CampaignRecord = Record<string, unknown>;

/** A value no column could hold, or the schema would refuse, for one field of a record. */
const badValue = fc.oneof(
  hostileText(20),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    '',
    '.',
    '..',
    'é'.repeat(MAX_CAMPAIGN_ID_BYTES / 2) + 'a',
    '0000-01-01T00:00:00Z',
    2 ** 53,
    1e20,
    -1,
    'a\u0000b',
    'a\ud800b',
  ),
  fc.constant('n'.repeat(16 * 1024)),
);

/** A record as a platform may send it: a campaign, one bent at one field, with extra fields, or anything at all. */
const recordValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: campaign },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        campaign,
        fc.constantFrom('id', 'name', 'status', 'budget', 'impressions', 'clicks', 'conversions', 'created_at', 'extra'),
        badValue,
      )
      .map(([record, field, value]): CampaignRecord => ({ ...record, [field]: value })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(campaign, fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), hostileText(8)), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }))
      .map(([record, extra]): CampaignRecord => ({ ...extra, ...record })),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);

/** Number literals as a platform may spell them; JSON.stringify writes 1e20 back as 21 characters. */
const numberSpelling = fc.constantFrom('1e20', '-1e20', '9e20', '1E2', '1e400', '-0', '5e-324', '0.1e1', '12');

/** Raw text for a record's `extra` field, put in after JSON.stringify: deep nesting, respelled numbers. */
const RAW = 'RAW-TEXT-';
const rawExtra = fc.oneof(
  fc.integer({ min: 25, max: 40 }).map((levels) => `${'['.repeat(levels)}${']'.repeat(levels)}`),
  fc.integer({ min: 500, max: 1500 }).map((levels) => `${'['.repeat(levels)}${']'.repeat(levels)}`),
  fc.tuple(numberSpelling, fc.integer({ min: 1, max: 400 })).map(([n, count]) => `[${Array<string>(count).fill(n).join(',')}]`),
);

/** A list page for the limit asked: up to a couple of records more than it, pagination of any shape. */
const pageAnswer = fc.integer({ min: 1, max: 12 }).chain((limit) =>
  fc
    .record({
      records: fc.array(fc.tuple(recordValue, fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, rawExtra)), {
        maxLength: limit + 2,
        size: 'max',
      }),
      total: fc.oneof({ weight: 12, arbitrary: fc.nat() }, fc.integer(), fc.double(), fc.constant(2 ** 60), fc.string()),
      hasMore: fc.oneof({ weight: 12, arbitrary: fc.boolean() }, fc.jsonValue({ maxDepth: 1 })),
      withPagination: fc.oneof({ weight: 19, arbitrary: fc.constant(true) }, fc.constant(false)),
    })
    .map(({ records, total, hasMore, withPagination }) => {
      const raw: string[] = [];
      const data = records.map(([record, extra]) => {
        if (extra === null || typeof record !== 'object' || record === null || Array.isArray(record)) return record;
        raw.push(extra);
        return { ...record, extra: `${RAW}${raw.length - 1}` };
      });
      const page = withPagination ? { data, pagination: { page: 1, limit, total, has_more: hasMore } } : { data };
      let body = JSON.stringify(page) ?? '';
      raw.forEach((text, i) => (body = body.replace(`"${RAW}${i}"`, text)));
      return { limit, body };
    }),
);

/** An error body as the PlatformApi reads it (error, message, retry_after), with hostile text and waits of every kind. */
const errorBody = fc
  .record(
    {
      error: fc.oneof(fc.constantFrom('Token expired', 'Rate limit exceeded', 'Invalid credentials'), hostileText(300)),
      message: hostileText(300),
      retry_after: fc.oneof(
        fc.double(),
        fc.integer(),
        fc.constantFrom(1e306, -5, 0, '1.5', ' 2 ', '1e306', 'Infinity', 'soon', -0),
        fc.double({ min: 0, max: 1e6, noNaN: true }).map(String),
      ),
    },
    { requiredKeys: [] },
  )
  .map((body) => JSON.stringify(body));

/** Valid campaigns whose `extra` numbers are spelled as short as JSON allows: small bodies, long as JSON.stringify writes them. */
const respelledPage = fc
  .tuple(fc.array(campaign, { minLength: 1, maxLength: 6 }), fc.constantFrom('1e20', '-9e20'), fc.integer({ min: 20, max: 400 }))
  .map(([campaigns, spelling, count]) => {
    const numbers = `[${Array<string>(count).fill(spelling).join(',')}]`;
    const data = campaigns.map((c) => JSON.stringify({ ...c, extra: RAW }).replace(`"${RAW}"`, numbers));
    return { limit: campaigns.length, body: `{"data":[${data.join(',')}],"pagination":{"total":${campaigns.length},"has_more":false}}` };
  });

/** A page that would be valid, padded with whitespace (still the same JSON) to a size around the bound. */
const paddedPage = fc
  .tuple(fc.array(campaign, { minLength: 1, maxLength: 5 }), fc.integer({ min: BOUNDS.maxBodyBytes - 16, max: BOUNDS.maxBodyBytes + 4096 }))
  .map(([campaigns, bytes]) => {
    const body = JSON.stringify({ data: campaigns, pagination: { total: campaigns.length, has_more: false } });
    return { limit: campaigns.length, body: body + ' '.repeat(Math.max(0, bytes - Buffer.byteLength(body))) };
  });

/** Bodies any endpoint might get: text, JSON of any shape, error bodies, deep nesting, and more than the bound. */
const anyBody = fc.oneof(
  hostileText(200),
  errorBody,
  fc.json({ maxDepth: 4 }),
  fc.anything({ maxDepth: 3 }).map((value) => {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      return String(typeof value);
    }
  }),
  fc.integer({ min: 1, max: 100_000 }).map((levels) => `${'['.repeat(levels)}${']'.repeat(levels)}`),
  fc.integer({ min: 1, max: 5000 }).map((levels) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`),
  fc.integer({ min: BOUNDS.maxBodyBytes - 64, max: 80 * 1024 }).map((bytes) => `{"data":[],"pad":"${'x'.repeat(bytes)}"}`),
);

/** Mostly the JSON of an endpoint's own shape (with these fields), else any body at all. */
const shapedOrAny = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.oneof({ weight: 1, arbitrary: anyBody }, { weight: 3, arbitrary: fc.record(fields).map((body) => JSON.stringify(body)) });

// ---- What every outcome must satisfy ----

const PLATFORM_KINDS = Object.values(FailureType).filter((kind) => kind.startsWith('Platform'));

/** Text fit for logs, PostgreSQL text columns and Temporal payloads: no NUL, no unpaired surrogate, not huge. */
function expectStorableText(text: string, maxLength: number) {
  expect(recordProblem(text)).toBeUndefined();
  expect(text.length).toBeLessThanOrEqual(maxLength);
}

async function settle<T>(call: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

function expectPlatformError(error: unknown) {
  if (!(error instanceof PlatformError)) throw new Error(`not a PlatformError: ${String(error)}`, { cause: error });
  expect(PLATFORM_KINDS).toContain(error.kind);
  expectStorableText(error.message, 2000);
  const { retryAfterMs } = error.details;
  if (retryAfterMs !== undefined) {
    expect(error.kind).toBe(FailureType.PlatformRateLimited);
    expect(Number.isInteger(retryAfterMs)).toBe(true);
    expect(retryAfterMs).toBeGreaterThanOrEqual(0);
    expect(retryAfterMs).toBeLessThanOrEqual(BOUNDS.maxRetryAfterMs);
  }
}

/** Runs `call` against the answer and checks its outcome: a value `check` accepts, or a PlatformError within the bounds. */
async function answered<T>(given: Answer, call: () => Promise<T>, check: (value: T) => void) {
  answer = given;
  observed = [];
  const outcome = await settle(call());
  if ('error' in outcome) expectPlatformError(outcome.error);
  else {
    // Nothing is believed of a body past the bound (its framing aside, a lying length is refused too).
    expect(Buffer.byteLength(given.body)).toBeLessThanOrEqual(BOUNDS.maxBodyBytes);
    check(outcome.value);
  }
  for (const report of observed) expectStorableText(report, 1000);
}

function expectBoundedPage(page: CampaignPage, limit: number) {
  const json = JSON.stringify(page);
  expect(typeof json).toBe('string');
  expect(page.campaigns.length + page.rejected.length).toBeLessThanOrEqual(limit);
  for (const campaign of page.campaigns) {
    expect(recordProblem(campaign)).toBeUndefined();
    expect(campaignSchema.safeParse(campaign).success).toBe(true);
    expect(Buffer.byteLength(campaign.id)).toBeLessThanOrEqual(MAX_CAMPAIGN_ID_BYTES);
  }
  // The campaigns are no bigger than the body they came in; each rejected report is small.
  expect(Buffer.byteLength(JSON.stringify(page.campaigns))).toBeLessThanOrEqual(BOUNDS.maxBodyBytes);
  for (const { position, id, reason } of page.rejected) {
    expect(Number.isInteger(position) && position >= 0 && position < limit).toBe(true);
    if (id !== null) expect(id.length).toBeLessThanOrEqual(80 * 6 + 40);
    expect(reason.length).toBeLessThanOrEqual(400);
  }
  expect(Number.isSafeInteger(page.total) && page.total >= 0).toBe(true);
  expect(typeof page.hasMore).toBe('boolean');
}

// ---- The properties ----

test('listCampaigns: any answer gives a page within the bounds, or a PlatformError', async () => {
  const listAnswer = fc
    .oneof({ weight: 5, arbitrary: pageAnswer }, { weight: 1, arbitrary: respelledPage }, { weight: 1, arbitrary: paddedPage })
    .chain(({ limit, body }) => fc.tuple(answerOf(fc.constant(body)), fc.constant(limit)));
  const anyListAnswer = fc.oneof(
    { weight: 7, arbitrary: listAnswer },
    { weight: 2, arbitrary: fc.tuple(answerOf(anyBody), fc.integer({ min: 1, max: 100 })) },
  );
  await fc.assert(
    fc.asyncProperty(anyListAnswer, ([given, limit]) =>
      answered(
        given,
        () => api.listCampaigns(server.url, 'token-1', 'acme', 1, limit),
        (page) => expectBoundedPage(page, limit),
      ),
    ),
    PARAMETERS,
  );
});

test('syncCampaign: any answer gives a confirmation time, or a PlatformError', async () => {
  const syncBody = shapedOrAny({
    success: fc.oneof(fc.constant(true), fc.jsonValue({ maxDepth: 1 })),
    synced_at: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('2026-11-22T10:00:00.000Z', '0000-01-01T00:00:00Z', '2024-01-01T00:00:00+23:59'),
      hostileText(30),
      fc.jsonValue({ maxDepth: 1 }),
    ),
  });
  const campaignId = fc.string({ minLength: 1, maxLength: 20 }).filter((id) => id !== '.' && id !== '..');
  await fc.assert(
    fc.asyncProperty(answerOf(syncBody), campaignId, (given, id) =>
      answered(
        given,
        () => api.syncCampaign(server.url, 'token-1', 'acme', id),
        ({ syncedAt }) => {
          expect(typeof syncedAt).toBe('string');
          expect(Number.isFinite(Date.parse(syncedAt))).toBe(true);
        },
      ),
    ),
    PARAMETERS,
  );
});

test('requestToken: any answer gives a token and a lifetime, or a PlatformError', async () => {
  const tokenBody = shapedOrAny({
    access_token: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), hostileText(40), fc.jsonValue({ maxDepth: 1 })),
    expires_in: fc.oneof(fc.double(), fc.nat(), fc.constantFrom(3600, 1e308, 5e-324, -1, 0)),
  });
  await fc.assert(
    fc.asyncProperty(answerOf(tokenBody), (given) =>
      answered(
        given,
        () => api.requestToken(server.url, 'acme', { email: 'ops@acme.example', password: 'pw' }),
        ({ accessToken, expiresInMs }) => {
          // A token is sent back in every request's Authorization header: one undici would refuse there is no token.
          expect(accessToken).toMatch(/^[\x21-\x7e]+$/);
          expect(expiresInMs).toBeGreaterThan(0);
        },
      ),
    ),
    PARAMETERS,
  );
});
