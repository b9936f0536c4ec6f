import { PlatformClient, retryAfterMs, type PlatformTimeouts } from '../../src/platform/client';
import type { PlatformFailureType } from '../../src/failure-types';
import { PlatformError } from '../../src/platform/errors';
import { drip, hang, json, refusedUrl, resetAfter, startServer, text, type Handler, type TestServer } from './helpers/http-server';

const TIMEOUTS: PlatformTimeouts = { connectMs: 1000, headersMs: 300, bodyMs: 300 };

let server: TestServer | undefined;
let client: PlatformClient | undefined;

/** A server with this handler and a client with short timeouts, both closed after the test. */
async function serve(handler: Handler, timeouts: Partial<PlatformTimeouts> = {}) {
  server = await startServer(handler);
  client = new PlatformClient({ ...TIMEOUTS, ...timeouts });
  return { server, client };
}

afterEach(async () => {
  await server?.close();
  await client?.close();
  server = undefined;
  client = undefined;
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

const listPage = (c: PlatformClient, baseUrl: string) => c.listCampaigns(baseUrl, 'token-1', 'acme', 1, 10);

describe('requestToken', () => {
  const credentials = { email: 'ops@acme.example', password: 'pa:ss wörd!' };

  test('sends Basic base64(email:password) to POST /auth/token and parses expires_in', async () => {
    const { server, client } = await serve((_req, res) =>
      json(res, 200, { access_token: 'tok-abc', token_type: 'Bearer', expires_in: 3600, issued_at: 1 }),
    );

    const token = await client.requestToken(server.url, 'acme', credentials);

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
    const { server, client } = await serve((_req, res) =>
      json(res, 401, { error: 'Invalid credentials', message: 'Email or password is incorrect' }),
    );

    const err = await platformError(client.requestToken(server.url, 'acme', credentials));

    expect(err.kind).toBe('PlatformBadCredentials');
    expect(err.details.status).toBe(401);
    expect(err.message).toMatch(/check the client's email and password/);
    expect(err.message).not.toContain(credentials.password);
  });

  test('a token body without access_token is malformed', async () => {
    const { server, client } = await serve((_req, res) => json(res, 200, { token_type: 'Bearer', expires_in: 3600 }));

    const err = await platformError(client.requestToken(server.url, 'acme', credentials));

    expect(err.kind).toBe('PlatformMalformedResponse');
    expect(err.message).toContain('access_token');
  });
});

describe('listCampaigns', () => {
  test('sends the bearer token, the X-Client-ID header and the page query', async () => {
    const { server, client } = await serve((_req, res) =>
      json(res, 200, page([campaign('c1')], { page: 3, limit: 25, total: 80, has_more: true })),
    );

    const result = await client.listCampaigns(server.url, 'token-1', 'acme-corp', 3, 25);

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
    const { server, client } = await serve((_req, res) => json(res, 200, page(records)));

    const result = await listPage(client, server.url);

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
    const { server, client } = await serve((_req, res) => json(res, 200, page(records)));

    const result = await listPage(client, server.url);

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
    const { server, client } = await serve(handler);

    const err = await platformError(listPage(client, server.url));

    expect(err.kind).toBe(kind);
    expect(err.details.status).toBe(status);
  });

  test('a 429 takes its wait from the Retry-After header over the body', async () => {
    const { server, client } = await serve((_req, res) =>
      json(res, 429, { error: 'Rate limit exceeded', retry_after: 60 }, { 'retry-after': '2' }),
    );

    const err = await platformError(listPage(client, server.url));

    expect(err.kind).toBe('PlatformRateLimited');
    expect(err.details.retryAfterMs).toBe(2000);
  });

  test('a 429 without Retry-After takes its wait from the body (the reference mock)', async () => {
    const { server, client } = await serve((_req, res) =>
      json(res, 429, { error: 'Rate limit exceeded', message: 'Too many requests', retry_after: 60 }),
    );

    const err = await platformError(listPage(client, server.url));

    expect(err.kind).toBe('PlatformRateLimited');
    expect(err.details.retryAfterMs).toBe(60_000);
    expect(err.message).toContain('Rate limit exceeded');
  });

  test('a 429 with a non-JSON body still takes its wait from Retry-After', async () => {
    const { server, client } = await serve((_req, res) => text(res, 429, '<html>Too Many Requests</html>', { 'retry-after': '7' }));

    const err = await platformError(listPage(client, server.url));

    expect(err.kind).toBe('PlatformRateLimited');
    expect(err.details.retryAfterMs).toBe(7000);
  });

  test('a 429 that names no wait leaves it unknown', async () => {
    const { server, client } = await serve((_req, res) => json(res, 429, { error: 'Rate limit exceeded' }));

    const err = await platformError(listPage(client, server.url));

    expect(err.kind).toBe('PlatformRateLimited');
    expect(err.details.retryAfterMs).toBeUndefined();
  });

  const redirects: [string, Handler][] = [
    ['with an empty body', (_req, res) => text(res, 302, '', { location: '/elsewhere' })],
    ['with a text body', (_req, res) => text(res, 302, 'Found. Redirecting to /elsewhere', { location: '/elsewhere' })],
  ];

  test.each(redirects)('a redirect %s is rejected, not followed, and says to set the API URL', async (_name, redirect) => {
    const { server, client } = await serve((req, res, recorded) => {
      if (req.url === '/elsewhere') json(res, 200, page([campaign('c1')]));
      else redirect(req, res, recorded);
    });

    const err = await platformError(listPage(client, server.url));

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
    const { server, client } = await serve(handler);

    const err = await platformError(listPage(client, server.url));

    expect(err.kind).toBe('PlatformUnavailable');
    expect(err.message).toContain(code);
  });

  test('a refused connection', async () => {
    const url = await refusedUrl();
    client = new PlatformClient(TIMEOUTS);

    const err = await platformError(listPage(client, url));

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
    const { server, client } = await serve(
      (req, res, recorded) => {
        handler(req, res, recorded);
        setTimeout(() => controller.abort(reason), 100);
      },
      { headersMs: 10_000, bodyMs: 10_000 },
    );

    const err = await rejection(client.listCampaigns(server.url, 'token-1', 'acme', 1, 10, controller.signal));

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
    const { server, client } = await serve((_req, res) =>
      json(res, 200, { success: true, campaign_id: id, synced_at: '2024-11-22T10:00:02.000Z', message: 'ok' }),
    );

    const result = await client.syncCampaign(server.url, 'token-1', 'acme', id);

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
    const { server, client } = await serve((_req, res) => json(res, 200, { success: false, synced_at: '2024-11-22T10:00:02.000Z' }));

    const err = await platformError(client.syncCampaign(server.url, 'token-1', 'acme', 'c1'));

    expect(err.kind).toBe('PlatformMalformedResponse');
  });
});

describe('retryAfterMs', () => {
  test('reads seconds from the header, which wins over the body', () => {
    expect(retryAfterMs('3', 60)).toBe(3000);
    expect(retryAfterMs('1.5', undefined)).toBe(1500);
    expect(retryAfterMs(['4', '9'], undefined)).toBe(4000);
  });

  test('reads an HTTP-date header as the time until then', () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    const wait = retryAfterMs(inTenSeconds, 60);
    // toUTCString() drops the milliseconds, so the wait is just under 10 s.
    expect(wait).toBeGreaterThan(8_000);
    expect(wait).toBeLessThanOrEqual(10_000);
    expect(retryAfterMs(new Date(Date.now() - 60_000).toUTCString(), undefined)).toBe(0);
  });

  test('falls back to the body when the header is absent, blank or unreadable', () => {
    expect(retryAfterMs(undefined, 60)).toBe(60_000);
    expect(retryAfterMs('  ', 5)).toBe(5000);
    expect(retryAfterMs('soon', 5)).toBe(5000);
  });

  test('knows no wait when neither says one (or the body says a negative one)', () => {
    expect(retryAfterMs(undefined, undefined)).toBeUndefined();
    expect(retryAfterMs(undefined, -1)).toBeUndefined();
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
    client = new PlatformClient(TIMEOUTS, (clientId, endpoint, status) => void seen.push(`${clientId} ${endpoint} ${status}`));

    await client.requestToken(server.url, 'acme', { email: 'a@b.c', password: 'x' });
    await rejection(listPage(client, server.url));
    await rejection(client.syncCampaign(server.url, 'tok', 'acme', 'c1'));
    await rejection(listPage(client, await refusedUrl()));

    expect(seen).toEqual(['acme auth 200', 'acme list 503', 'acme sync timeout', 'acme list network']);
  });
});
