import { PlatformApi, SlotPassedError, type PlatformLimits, type PlatformMisbehaviour } from '../../src/platform/api';
import { MAX_CAMPAIGN_ID_BYTES, MAX_RECORD_BYTES } from '../../src/platform/answer-bounds';
import type { PlatformFailureType } from '../../src/contract/failure-types';
import { PlatformError } from '../../src/platform/errors';
import { drip, hang, json, refusedUrl, resetAfter, startServer, text, type Handler, type TestServer } from '../helpers/http-server';

const TIMEOUTS = { connectMs: 1000, headersMs: 300, bodyMs: 300 };

let server: TestServer | undefined;
let api: PlatformApi | undefined;

/** What the PlatformApi reported as the platform misbehaving, as `endpoint kind`. */
let misbehaviour: string[] = [];

/** A server with this handler and a PlatformApi with short timeouts, both closed after the test. */
async function serve(handler: Handler, limits: Partial<PlatformLimits> = {}) {
  // A test may serve twice: the first server and PlatformApi go.
  await server?.close();
  await api?.close();
  server = await startServer(handler);
  misbehaviour = [];
  api = new PlatformApi(
    { ...TIMEOUTS, ...limits },
    {
      request: () => undefined,
      misbehaved: (_client, endpoint, kind: PlatformMisbehaviour) => void misbehaviour.push(`${endpoint} ${kind}`),
    },
  );
  return { server, api };
}

afterEach(async () => {
  await server?.close();
  await api?.close();
  server = undefined;
  api = undefined;
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

async function platformError(promise: Promise<unknown>): Promise<PlatformError> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(PlatformError);
  return err as PlatformError;
}

const campaign = (id: string) => ({
  id,
  name: `Campaign ${id}`,
  status: 'active',
  budget: 1700,
  impressions: 10,
  clicks: 2,
  conversions: 1,
  created_at: '2024-11-22T10:00:00.000Z',
});

const page = (data: unknown[], pagination = { page: 1, limit: 10, total: data.length, has_more: false }) => ({ data, pagination });

const listPage = (c: PlatformApi, baseUrl: string) => c.listCampaigns(baseUrl, 'token-1', 'acme', 1, 10);

describe('requestToken', () => {
  const credentials = { email: 'ops@acme.example', password: 'pa:ss wörd!' };

  test('sends Basic base64(email:password) to POST /auth/token and parses expires_in', async () => {
    const { server, api } = await serve((_req, res) =>
      json(res, 200, { access_token: 'tok-abc', token_type: 'Bearer', expires_in: 3600, issued_at: 1 }),
    );

    const token = await api.requestToken(server.url, 'acme', credentials);

    expect(token).toEqual({ accessToken: 'tok-abc', expiresInMs: 3_600_000 });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/auth/token');
    const [scheme, encoded] = (request!.headers.authorization ?? '').split(' ');
    expect(scheme).toBe('Basic');
    expect(Buffer.from(encoded!, 'base64').toString('utf8')).toBe('ops@acme.example:pa:ss wörd!');
  });

  test('401 "Invalid credentials" is bad_credentials, telling to check the email and password', async () => {
    const { server, api } = await serve((_req, res) =>
      json(res, 401, { error: 'Invalid credentials', message: 'Email or password is incorrect' }),
    );

    const err = await platformError(api.requestToken(server.url, 'acme', credentials));

    expect(err.kind).toBe('PlatformBadCredentials');
    expect(err.details.status).toBe(401);
    expect(err.message).toMatch(/check the client's email and password/);
    expect(err.message).not.toContain(credentials.password);
  });

  test('a token body without access_token is malformed', async () => {
    const { server, api } = await serve((_req, res) => json(res, 200, { token_type: 'Bearer', expires_in: 3600 }));

    const err = await platformError(api.requestToken(server.url, 'acme', credentials));

    expect(err.kind).toBe('PlatformMalformedResponse');
    expect(err.message).toContain('access_token');
  });

  test.each([
    ['a NUL', 'tok\u0000en'],
    ['a newline', 'tok\nen'],
    ['a leading space (the header would lose it)', ' token'],
    ['a character outside Latin-1', 'tok€n'],
    ['an unpaired surrogate', 'tok\ud800'],
  ])('a token with %s, which a request could not send back as it is, is malformed', async (_name, accessToken) => {
    const { server, api } = await serve((_req, res) => json(res, 200, { access_token: accessToken, expires_in: 3600 }));

    const err = await platformError(api.requestToken(server.url, 'acme', credentials));

    expect(err.kind).toBe('PlatformMalformedResponse');
    expect(err.message).toBe('POST /auth/token returned an unexpected body: access_token is not a token an Authorization header can carry');
  });

  test('a token of every visible ASCII character is sent back as it came', async () => {
    const visible = Array.from({ length: 0x7e - 0x20 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
    const { server, api } = await serve((req, res) =>
      req.url === '/auth/token' ? json(res, 200, { access_token: visible, expires_in: 3600 }) : json(res, 200, page([])),
    );

    const { accessToken } = await api.requestToken(server.url, 'acme', credentials);
    await api.listCampaigns(server.url, accessToken, 'acme', 1, 10);

    expect(server.requests[1]!.headers.authorization).toBe(`Bearer ${visible}`);
  });
});

describe('listCampaigns', () => {
  test('sends the bearer token, the X-Client-ID header and the page query', async () => {
    const { server, api } = await serve((_req, res) =>
      json(res, 200, page([campaign('c1')], { page: 3, limit: 25, total: 80, has_more: true })),
    );

    const result = await api.listCampaigns(server.url, 'token-1', 'acme-corp', 3, 25);

    expect(result).toEqual({ campaigns: [campaign('c1')], rejected: [], total: 80, hasMore: true });
    const [request] = server.requests;
    expect(request!.method).toBe('GET');
    expect(request!.url).toBe('/api/campaigns?page=3&limit=25');
    expect(request!.headers.authorization).toBe('Bearer token-1');
    expect(request!.headers['x-client-id']).toBe('acme-corp');
  });

  test('invalid records are rejected with their position, id and reason; the valid ones still count', async () => {
    const records = [
      campaign('c1'),
      { ...campaign('c2'), budget: 'lots' },
      { ...campaign('c3'), id: undefined },
      campaign('c4'),
      { ...campaign('c5'), impressions: 1.5 },
      null,
    ];
    const { server, api } = await serve((_req, res) => json(res, 200, page(records)));

    const result = await listPage(api, server.url);

    expect(result.campaigns.map((c) => c.id)).toEqual(['c1', 'c4']);
    expect(result.rejected).toEqual([
      { position: 1, id: 'c2', reason: expect.stringMatching(/^budget: /) },
      { position: 2, id: null, reason: expect.stringMatching(/^id: /) },
      { position: 4, id: 'c5', reason: expect.stringMatching(/^impressions: /) },
      { position: 5, id: null, reason: expect.any(String) },
    ]);
    expect(result.total).toBe(6);
  });

  test('records keep fields we do not model; NUL characters and dot ids are rejected, not stored', async () => {
    const records = [
      { ...campaign('c1'), objective: 'reach', targeting: { geo: ['FR'] } },
      { ...campaign('c2'), name: 'bad\u0000name' },
      { ...campaign('c3'), id: '..' },
    ];
    const { server, api } = await serve((_req, res) => json(res, 200, page(records)));

    const result = await listPage(api, server.url);

    expect(result.campaigns).toEqual([records[0]]);
    expect(result.rejected).toEqual([
      { position: 1, id: 'c2', reason: 'name: contains a NUL character' },
      { position: 2, id: '..', reason: 'id: is not a usable campaign id' },
    ]);
  });

  const failures: [string, PlatformFailureType, number | undefined, Handler][] = [
    [
      '401 "Token expired"',
      'PlatformTokenExpired',
      401,
      (_req, res) => json(res, 401, { error: 'Token expired', message: 'Please refresh' }),
    ],
    ['503', 'PlatformUnavailable', 503, (_req, res) => json(res, 503, { error: 'Service temporarily unavailable' })],
    ['500 with a non-JSON body', 'PlatformUnavailable', 500, (_req, res) => text(res, 500, '<html>Internal Server Error</html>')],
    ['502 with an empty body', 'PlatformUnavailable', 502, (_req, res) => text(res, 502, '')],
    [
      '400',
      'PlatformRejectedRequest',
      400,
      (_req, res) => json(res, 400, { error: 'Bad Request', message: 'limit must be a positive integer' }),
    ],
    ['403', 'PlatformRejectedRequest', 403, (_req, res) => json(res, 403, { error: 'Forbidden' })],
    ['404', 'PlatformRejectedRequest', 404, (_req, res) => json(res, 404, { error: 'Not Found' })],
    ['404 with an HTML error page', 'PlatformRejectedRequest', 404, (_req, res) => text(res, 404, '<html><body>Not Found</body></html>')],
    ['200 with malformed JSON', 'PlatformMalformedResponse', 200, (_req, res) => text(res, 200, '{"data": [')],
    ['200 with an empty body', 'PlatformMalformedResponse', undefined, (_req, res) => text(res, 200, '')],
    ['200 with a page of the wrong shape', 'PlatformMalformedResponse', undefined, (_req, res) => json(res, 200, { items: [] })],
    ['200 with pagination missing', 'PlatformMalformedResponse', undefined, (_req, res) => json(res, 200, { data: [] })],
  ];

  test.each(failures)('%s is %s', async (_name, kind, status, handler) => {
    const { server, api } = await serve(handler);

    const err = await platformError(listPage(api, server.url));

    expect(err.kind).toBe(kind);
    expect(err.details.status).toBe(status);
  });

  test('a 429 takes its wait from the Retry-After header over the body', async () => {
    const { server, api } = await serve((_req, res) =>
      json(res, 429, { error: 'Rate limit exceeded', retry_after: 60 }, { 'retry-after': '2' }),
    );

    const err = await platformError(listPage(api, server.url));

    expect(err.kind).toBe('PlatformRateLimited');
    expect(err.details.retryAfterMs).toBe(2000);
  });

  test('a 429 without Retry-After takes its wait from the body (the reference mock)', async () => {
    const { server, api } = await serve((_req, res) =>
      json(res, 429, { error: 'Rate limit exceeded', message: 'Too many requests', retry_after: 60 }),
    );

    const err = await platformError(listPage(api, server.url));

    expect(err.kind).toBe('PlatformRateLimited');
    expect(err.details.retryAfterMs).toBe(60_000);
    expect(err.message).toContain('Rate limit exceeded');
  });

  test('a 429 with a non-JSON body still takes its wait from Retry-After', async () => {
    const { server, api } = await serve((_req, res) => text(res, 429, '<html>Too Many Requests</html>', { 'retry-after': '7' }));

    const err = await platformError(listPage(api, server.url));

    expect(err.kind).toBe('PlatformRateLimited');
    expect(err.details.retryAfterMs).toBe(7000);
  });

  test('a 429 that names no wait leaves it unknown', async () => {
    const { server, api } = await serve((_req, res) => json(res, 429, { error: 'Rate limit exceeded' }));

    const err = await platformError(listPage(api, server.url));

    expect(err.kind).toBe('PlatformRateLimited');
    expect(err.details.retryAfterMs).toBeUndefined();
  });

  const redirects: [string, Handler][] = [
    ['with an empty body', (_req, res) => text(res, 302, '', { location: '/elsewhere' })],
    ['with a text body', (_req, res) => text(res, 302, 'Found. Redirecting to /elsewhere', { location: '/elsewhere' })],
  ];

  test.each(redirects)('a redirect %s is rejected, not followed, and says to set the API URL', async (_name, redirect) => {
    const { server, api } = await serve((req, res, recorded) => {
      if (req.url === '/elsewhere') json(res, 200, page([campaign('c1')]));
      else redirect(req, res, recorded);
    });

    const err = await platformError(listPage(api, server.url));

    expect(err.kind).toBe('PlatformRejectedRequest');
    expect(err.details.status).toBe(302);
    expect(err.message).toMatch(/set the client's API URL/);
    expect(server.requests.map((r) => r.url)).toEqual(['/api/campaigns?page=1&limit=10']);
  });
});

describe('network failures are transient', () => {
  test.each([
    ['a hung request, after the headers timeout', hang, 'UND_ERR_HEADERS_TIMEOUT'],
    ['a body that drips slower than the body timeout', drip('{"data": [', 1000, 3), 'UND_ERR_BODY_TIMEOUT'],
    ['a connection reset after the headers and part of the body', resetAfter('{"data": [{"id": "c1"'), 'UND_ERR_SOCKET'],
  ])('%s', async (_name, handler, code) => {
    const { server, api } = await serve(handler);

    const err = await platformError(listPage(api, server.url));

    expect(err.kind).toBe('PlatformUnavailable');
    expect(err.message).toContain(code);
  });

  test('a refused connection', async () => {
    const url = await refusedUrl();
    api = new PlatformApi(TIMEOUTS);

    const err = await platformError(listPage(api, url));

    expect(err.kind).toBe('PlatformUnavailable');
    expect(err.message).toContain('ECONNREFUSED');
  });
});

describe('cancellation', () => {
  test.each([
    ['while waiting for the headers', hang],
    ['while the body arrives', drip('{"data": [', 50, 100)],
  ])('an abort %s rejects with the abort reason, not a PlatformError', async (_name, handler) => {
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    const { server, api } = await serve(
      (req, res, recorded) => {
        handler(req, res, recorded);
        setTimeout(() => controller.abort(reason), 100);
      },
      { headersMs: 10_000, bodyMs: 10_000 },
    );

    const err = await rejection(api.listCampaigns(server.url, 'token-1', 'acme', 1, 10, controller.signal));

    expect(err).not.toBeInstanceOf(PlatformError);
    expect(err).toBe(reason);
  });
});

describe('syncCampaign', () => {
  test.each([
    ['quotes', `camp"aign'7`],
    ['unicode', 'kampagne-ü-日本-✓'],
    ['URL syntax', 'a/b?c=d#e f%20&g'],
  ])('an id with %s is URL-encoded as one path segment', async (_name, id) => {
    const { server, api } = await serve((_req, res) =>
      json(res, 200, { success: true, campaign_id: id, synced_at: '2024-11-22T10:00:02.000Z', message: 'ok' }),
    );

    const result = await api.syncCampaign(server.url, 'token-1', 'acme', id);

    expect(result).toEqual({ syncedAt: '2024-11-22T10:00:02.000Z' });
    const [request] = server.requests;
    expect(request!.method).toBe('POST');
    expect(request!.headers['x-client-id']).toBe('acme');
    const segments = request!.url.split('/');
    expect(segments).toHaveLength(5);
    expect([segments[1], segments[2], segments[4]]).toEqual(['api', 'campaigns', 'sync']);
    expect(decodeURIComponent(segments[3]!)).toBe(id);
  });

  test('a confirmation without success: true is malformed', async () => {
    const { server, api } = await serve((_req, res) => json(res, 200, { success: false, synced_at: '2024-11-22T10:00:02.000Z' }));

    const err = await platformError(api.syncCampaign(server.url, 'token-1', 'acme', 'c1'));

    expect(err.kind).toBe('PlatformMalformedResponse');
  });
});

describe('sendBy: a request not written by its rate slot is not sent', () => {
  const confirm: Handler = (_req, res) => json(res, 200, { success: true, synced_at: '2024-11-22T10:00:02.000Z' });
  const syncBy = (c: PlatformApi, baseUrl: string, sendBy: number) => c.syncCampaign(baseUrl, 'token-1', 'acme', 'c1', undefined, sendBy);

  test('in time, it is sent as without one', async () => {
    const { server, api } = await serve(confirm);

    await expect(syncBy(api, server.url, Date.now() + 5000)).resolves.toEqual({ syncedAt: '2024-11-22T10:00:02.000Z' });
    expect(server.requests).toHaveLength(1);
  });

  test('checked when the request is about to be written, not when it is asked for: a busy process makes it miss', async () => {
    const { server, api } = await serve(confirm);
    const sendBy = Date.now() + 20;

    const sending = syncBy(api, server.url, sendBy);
    // The worker busy right after the call was made (timers of a crowd of sends, a long task):
    // the connection is ready only after the deadline.
    while (Date.now() <= sendBy + 30) {
      /* busy */
    }
    const err = await rejection(sending);

    expect(err).toBeInstanceOf(SlotPassedError);
    expect((err as Error).message).toMatch(/^POST \/api\/campaigns\/c1\/sync was not sent: \d+ ms past its rate slot$/);
    expect(server.requests).toHaveLength(0);
    // The next request in time goes out as usual.
    await expect(syncBy(api, server.url, Date.now() + 5000)).resolves.toEqual({ syncedAt: '2024-11-22T10:00:02.000Z' });
    expect(server.requests).toHaveLength(1);
  });

  test('a page listing keeps the same deadline', async () => {
    const { server, api } = await serve((_req, res) => json(res, 200, page([])));

    const err = await rejection(api.listCampaigns(server.url, 'token-1', 'acme', 1, 10, undefined, Date.now() - 1));

    expect(err).toBeInstanceOf(SlotPassedError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('the request observer (metrics)', () => {
  test("is told each request's client, endpoint and status, or timeout / network when there was none", async () => {
    const seen: string[] = [];
    server = await startServer((req, res) => {
      if (req.url === '/auth/token') return json(res, 200, { access_token: 'tok', expires_in: 60 });
      if (req.url?.startsWith('/api/campaigns?')) return json(res, 503, { error: 'Service temporarily unavailable' });
      // The sync call never answers.
    });
    api = new PlatformApi(TIMEOUTS, {
      request: (clientId, endpoint, status) => void seen.push(`${clientId} ${endpoint} ${status}`),
      misbehaved: () => undefined,
    });

    await api.requestToken(server.url, 'acme', { email: 'a@b.c', password: 'x' });
    await rejection(listPage(api, server.url));
    await rejection(api.syncCampaign(server.url, 'tok', 'acme', 'c1'));
    await rejection(listPage(api, await refusedUrl()));

    expect(seen).toEqual(['acme auth 200', 'acme list 503', 'acme sync timeout', 'acme list network']);
  });
});

describe('answer bounds', () => {
  const MAX_BODY = 4096;
  const limited = { maxBodyBytes: MAX_BODY, maxRetryAfterMs: 60_000 };

  /** A page of one campaign, padded with spaces (still the same JSON) to exactly `bytes`. */
  const pageOfBytes = (bytes: number) => {
    const body = JSON.stringify(page([campaign('c1')]));
    return body + ' '.repeat(bytes - Buffer.byteLength(body));
  };

  test.each([
    ['announced by Content-Length', false],
    ['streamed without a length', true],
  ])('a body %s is read up to the bound; one byte over is a malformed answer', async (_name, streamed) => {
    const handler =
      (bytes: number): Handler =>
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', ...(streamed ? {} : { 'content-length': String(bytes) }) });
        const body = pageOfBytes(bytes);
        if (streamed) for (let i = 0; i < body.length; i += 512) res.write(body.slice(i, i + 512));
        res.end(streamed ? undefined : body);
      };
    let size = MAX_BODY;
    const { server, api } = await serve((req, res, recorded) => handler(size)(req, res, recorded), limited);

    await expect(listPage(api, server.url)).resolves.toMatchObject({ campaigns: [campaign('c1')] });
    size = MAX_BODY + 1;
    const err = await platformError(listPage(api, server.url));
    expect(err).toMatchObject({
      kind: 'PlatformMalformedResponse',
      message: `GET /api/campaigns answered 200 with a body over ${MAX_BODY} bytes`,
    });
    expect(misbehaviour).toEqual(['list oversized_body']);
  });

  test('a 64 MB body is not read on past the bound', async () => {
    let written = 0;
    const { server, api } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, ' ');
      const more = () => {
        while (written < 64 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        if (!res.destroyed) res.end();
      };
      res.write('{"data":[],"pagination":{"total":0,"has_more":false},"padding":"');
      more();
    }, limited);

    const err = await platformError(listPage(api, server.url));

    expect(err.kind).toBe('PlatformMalformedResponse');
    // The socket closed long before the server could write it all (what is in flight in kernel buffers aside).
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  test("an error answer's oversized body is not read: its status decides", async () => {
    const { server, api } = await serve((_req, res) => text(res, 503, 'x'.repeat(200 * 1024)), limited);

    const err = await platformError(listPage(api, server.url));

    expect(err).toMatchObject({ kind: 'PlatformUnavailable', details: { status: 503 } });
  });

  test('a page of `limit` records is believed; one more is a malformed answer', async () => {
    let records = 10;
    const { server, api } = await serve((_req, res) => json(res, 200, page(Array.from({ length: records }, (_, i) => campaign(`c${i}`)))));

    expect((await listPage(api, server.url)).campaigns).toHaveLength(10);
    records = 11;
    const err = await platformError(listPage(api, server.url));
    expect(err).toMatchObject({
      kind: 'PlatformMalformedResponse',
      message: 'GET /api/campaigns answered page 1 with 11 records for a limit of 10',
    });
    expect(misbehaviour).toEqual(['list too_many_records']);
  });

  test('a page whose numbers come back longer than they were sent is held to the body bound as JSON.stringify writes it', async () => {
    // "1e20" is 4 bytes in the body and 21 as JSON.stringify writes it: 2 records of 200 such numbers are a
    // 2.4 KB body (within the bound) but 9 KB of campaigns, the activity result.
    const record = JSON.stringify({ ...campaign('c1'), extra: 'NUMBERS' }).replace('"NUMBERS"', `[${Array(200).fill('1e20').join(',')}]`);
    const { server, api } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"data":[${record},${record}],"pagination":{"total":2,"has_more":false}}`);
    }, limited);

    const err = await platformError(listPage(api, server.url));

    expect(err.kind).toBe('PlatformMalformedResponse');
    expect(err.message).toMatch(
      new RegExp(`^GET /api/campaigns answered page 1 with campaigns of \\d+ bytes as JSON, more than ${MAX_BODY}$`),
    );
    expect(misbehaviour).toEqual(['list oversized_body']);
  });

  /** A page of a good record and this one (its JSON text: JSON.stringify overflows on deep nesting), and what became of the second. */
  async function listedAlone(record: unknown, recordJson = JSON.stringify(record)) {
    const { server, api } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const body = JSON.stringify(page([campaign('ok'), 'RECORD']));
      res.end(body.replace('"RECORD"', recordJson));
    });
    const listed = await listPage(api, server.url);
    // The good record is stored whatever happens to the other.
    expect(listed.campaigns[0]).toEqual(campaign('ok'));
    return listed.rejected.length ? { rejected: listed.rejected[0]! } : { stored: listed.campaigns[1]! };
  }

  const nested = (levels: number): unknown => Array.from({ length: levels }).reduce<unknown>((inner) => [inner], 'deepest');

  test.each([
    ['an id of MAX_CAMPAIGN_ID_BYTES bytes', { ...campaign('x'), id: 'é'.repeat(MAX_CAMPAIGN_ID_BYTES / 2) }, undefined],
    ['an id one byte longer', { ...campaign('x'), id: 'é'.repeat(MAX_CAMPAIGN_ID_BYTES / 2) + 'a' }, /^id: is longer than 1024 bytes$/],
    ['a field nested 31 levels (32 with the record)', { ...campaign('deep'), extra: nested(31) }, undefined],
    ['a field nested one level more', { ...campaign('deep'), extra: nested(32) }, /nested deeper than 32 levels/],
    [
      'a NUL in a nested extra field',
      { ...campaign('nul'), extra: { note: ['fine', 'a\u0000b'] } },
      /^extra\.note\.1: contains a NUL character$/,
    ],
    ['a NUL in a field name', { ...campaign('nul'), 'a\u0000b': 1 }, /^a field name contains a NUL character$/],
    ['an unpaired surrogate in the name', { ...campaign('sur'), name: 'a\ud800b' }, /^name: contains an unpaired surrogate/],
    ['a paired surrogate (an emoji) in the name', { ...campaign('emoji'), name: 'rocket 🚀' }, undefined],
    ['a counter beyond a safe integer', { ...campaign('big'), impressions: 1e20 }, /^impressions: /],
  ])('%s', async (_name, record, reason) => {
    const outcome = await listedAlone(record);
    if (reason === undefined) expect(outcome).toEqual({ stored: record });
    else expect(outcome.rejected?.reason).toMatch(reason);
  });

  test('a field nested 10,000 levels is rejected, not followed down', async () => {
    const deep = JSON.stringify({ ...campaign('deep') }).replace(/}$/, `,"extra":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);

    const { rejected } = await listedAlone(undefined, deep);

    expect(rejected).toEqual({ position: 1, id: 'deep', reason: `extra${'.0'.repeat(31)}: nested deeper than 32 levels` });
  });

  test('a record of MAX_RECORD_BYTES is believed; one byte more is rejected', async () => {
    const base = { ...campaign('big'), name: '' };
    const ofBytes = (bytes: number) => ({ ...base, name: 'n'.repeat(bytes - Buffer.byteLength(JSON.stringify(base))) });

    expect(await listedAlone(ofBytes(MAX_RECORD_BYTES))).toEqual({ stored: ofBytes(MAX_RECORD_BYTES) });
    expect((await listedAlone(ofBytes(MAX_RECORD_BYTES + 1))).rejected?.reason).toBe(
      `(record): ${MAX_RECORD_BYTES + 1} bytes, more than ${MAX_RECORD_BYTES}`,
    );
  });

  test('a rejected id is reported readable: truncated, with its length, control characters escaped', async () => {
    const id = '\u001b[31mred' + 'z'.repeat(10_000);

    const { rejected } = await listedAlone({ ...campaign('x'), id });

    // 80 characters quoted (the escape counts as one), then the length.
    expect(rejected?.id).toBe(`\\x1B[31mred${'z'.repeat(72)}… (10008 characters)`);
  });

  test.each([
    ['Retry-After: 99999999 (3 years)', { 'retry-after': '99999999' }, {}, 60_000, true],
    ['retry_after: 1e306 in the body', {}, { retry_after: 1e306 }, 60_000, true],
    ['an HTTP-date 10 years ahead', { 'retry-after': new Date(Date.now() + 10 * 365 * 86_400_000).toUTCString() }, {}, 60_000, true],
    ['an HTTP-date in the past', { 'retry-after': new Date(Date.now() - 60_000).toUTCString() }, {}, 0, false],
    ['a negative retry_after', {}, { retry_after: -5 }, undefined, false],
    ['a non-numeric header and body', { 'retry-after': 'NaN' }, { retry_after: 'soon' }, undefined, false],
    ['Retry-After: Infinity', { 'retry-after': 'Infinity' }, {}, undefined, false],
    ['retry_after as numeric text', {}, { retry_after: '1.5' }, 1500, false],
  ])('a 429 with %s waits a bounded time', async (_name, headers, body, waitMs, clamped) => {
    const { server, api } = await serve((_req, res) => json(res, 429, { error: 'Rate limit exceeded', ...body }, headers), limited);

    const err = await platformError(listPage(api, server.url));

    expect(err.kind).toBe('PlatformRateLimited');
    expect(err.details.retryAfterMs).toBe(waitMs);
    expect(misbehaviour).toEqual(clamped ? ['list retry_after_clamped'] : []);
  });
});
