import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { rateMarginMs } from '../../src/activities/rate-budget';
import { ConfirmationWriter } from '../../src/activities/campaign-batch';
import type { CampaignBatchCall, CampaignBatchOutcome } from '../../src/contract/activities';
import { markCampaignsSynced, upsertCampaigns } from '../../src/db/campaigns';
import { saveClient } from '../../src/db/clients';
import { PlatformApi } from '../../src/platform/api';
import type { SyncMetrics } from '../../src/metrics';
import { createCredentialStore, credentialEnvNames } from '../../src/platform/credentials';
import { json, startServer, type TestServer } from '../helpers/http-server';
import { useUnitTestDatabase } from '../helpers/database';
import { plainCampaign } from '../helpers/campaigns';

// The batch activity against PostgreSQL and a scripted platform, in Temporal's mock activity
// context: what it sends, what it stores, what it hands back, and when it fails the attempt.

const database = useUnitTestDatabase();
const LOGIN = { email: 'batch@example.test', password: 'batch-password-1' };
const credentials = createCredentialStore({
  [credentialEnvNames('batch-login').email]: LOGIN.email,
  [credentialEnvNames('batch-login').password]: LOGIN.password,
  // The scripted platforms listen on 127.0.0.1, each on a port of its own.
  [credentialEnvNames('batch-login').host]: '127.0.0.1',
});

/** How the scripted platform answers one campaign's sync call (the n-th call for that campaign, from 1). */
type SyncAnswer = (res: ServerResponse, call: number) => void;
const ok: SyncAnswer = (res) => json(res, 200, { success: true, synced_at: '2026-11-22T10:00:00.000Z' });

let server: TestServer | undefined;
let platform: PlatformApi | undefined;
let clients = 0;

/** undici's channel for a request whose headers are handed to its socket: the last moment the sender decides. */
const SEND_HEADERS = 'undici:client:sendHeaders';
let stampSend: ((message: unknown) => void) | undefined;

afterEach(async () => {
  if (stampSend) unsubscribe(SEND_HEADERS, stampSend);
  stampSend = undefined;
  await server?.close();
  await platform?.close();
  server = undefined;
  platform = undefined;
});

/** A platform whose sync endpoint answers each campaign as scripted (ok by default), and a client registered against it. */
async function scenario(options: {
  campaigns: string[];
  answers?: Record<string, SyncAnswer>;
  rateLimit?: number;
  rateWindowMs?: number;
  auth?: (res: ServerResponse) => void;
}) {
  const calls = new Map<string, number>();
  // When each sync call left, not when the handler saw it: the scripted platform runs in this process,
  // so a stall of the process stamped calls sent a window apart as arriving together (8 in a 300 ms
  // window for a limit of 5, once in CI). Arrivals are counted where the platform has its own
  // process: the mock, in the e2e and chaos tiers.
  const sentAt: number[] = [];
  server = await startServer((req: IncomingMessage, res) => {
    if (req.url === '/auth/token')
      return options.auth ? options.auth(res) : json(res, 200, { access_token: `token-${calls.size}`, expires_in: 3600 });
    const id = decodeURIComponent(/^\/api\/campaigns\/([^/]+)\/sync$/.exec(req.url ?? '')?.[1] ?? '');
    calls.set(id, (calls.get(id) ?? 0) + 1);
    (options.answers?.[id] ?? ok)(res, calls.get(id)!);
  });
  const platformOrigin = new URL(server.url).origin;
  stampSend = (message) => {
    const { origin, path } = (message as { request: { origin: string | URL; path: string } }).request;
    if (new URL(String(origin)).origin === platformOrigin && path.endsWith('/sync')) sentAt.push(Date.now());
  };
  subscribe(SEND_HEADERS, stampSend);
  // What the activity reports as metrics, and what PlatformApi saw.
  const measured = { requests: [] as string[], waitsMs: [] as number[], synced: 0, tokens: 0, slotsMissed: 0 };
  const metrics: SyncMetrics = {
    platformRequest: (_client, endpoint, status) => void measured.requests.push(`${endpoint} ${status}`),
    platformMisbehaved: () => undefined,
    rateBudgetWait: (_client, waitedMs) => void measured.waitsMs.push(waitedMs),
    rateSlotMissed: () => void (measured.slotsMissed += 1),
    tokenIssued: () => void (measured.tokens += 1),
    campaigns: (_client, result, count) => void (result === 'synced' && (measured.synced += count)),
    syncFinished: () => undefined,
  };
  platform = new PlatformApi(
    { connectMs: 1000, headersMs: 1000, bodyMs: 1000 },
    { request: metrics.platformRequest, misbehaved: metrics.platformMisbehaved },
  );
  const clientId = `batch-${process.pid}-${++clients}`;
  await saveClient(database().pool, {
    id: clientId,
    name: clientId,
    apiBaseUrl: server.url,
    credentialsRef: 'batch-login',
    enabled: true,
    rateLimit: options.rateLimit ?? 10,
    rateWindowMs: options.rateWindowMs ?? 1000,
  });
  await upsertCampaigns(database().pool, clientId, 'run-1', options.campaigns.map(plainCampaign), new Date().toISOString());
  const activities = createActivities({ pool: database().pool, platform, credentials, metrics });
  const run = (call: Partial<CampaignBatchCall> = {}, attempt = 1, environment = new MockActivityEnvironment({ attempt })) =>
    environment.run(activities.syncCampaignBatch, {
      clientId,
      syncRun: 'run-1',
      campaignIds: options.campaigns,
      maxAttempts: 3,
      ...call,
    }) as Promise<CampaignBatchOutcome>;
  const syncCalls = () => server!.requests.filter((r) => r.url.endsWith('/sync')).map((r) => decodeURIComponent(r.url.split('/')[3]!));
  const confirmed = async () => {
    const { rows } = await database().pool.query<{ campaign_id: string }>(
      `SELECT campaign_id FROM campaigns WHERE client_id = $1 AND platform_sync_run = 'run-1' ORDER BY campaign_id`,
      [clientId],
    );
    return rows.map((r) => r.campaign_id);
  };
  const reservations = async () => {
    const { rows } = await database().pool.query<{ n: number }>('SELECT count(*)::int AS n FROM rate_reservations WHERE client_id = $1', [
      clientId,
    ]);
    return rows[0]!.n;
  };
  /** The most sync calls sent within any `windowMs`. */
  const mostInWindow = (windowMs: number) => Math.max(0, ...sentAt.map((at) => sentAt.filter((t) => t >= at && t < at + windowMs).length));
  return { clientId, run, syncCalls, confirmed, reservations, mostInWindow, measured };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

test('syncs every campaign once, within the rate budget, storing each confirmation with the run', async () => {
  const s = await scenario({ campaigns: ids(12), rateLimit: 5, rateWindowMs: 300 });

  const outcome = await s.run();

  expect(outcome).toEqual({ synced: 12, failed: [], pending: [], nextSlotInMs: undefined });
  expect(s.syncCalls().sort()).toEqual(ids(12));
  expect(await s.confirmed()).toEqual(ids(12));
  // Twelve syncs, never more than five in a window.
  expect(s.mostInWindow(300)).toBe(5);
  // Measured: one token, twelve answered requests, a wait for each slot taken (the later ones a window or more), twelve synced.
  expect(s.measured).toMatchObject({ tokens: 1, synced: 12, requests: ['auth 200', ...Array(12).fill('sync 200')] });
  // On a busy machine a request can miss its slot by more than allowed: the slot is given back and another taken, one wait more.
  expect(s.measured.waitsMs.length).toBeGreaterThanOrEqual(12);
  expect(Math.max(...s.measured.waitsMs)).toBeGreaterThanOrEqual(300);
});

test('campaigns already confirmed in this run (by an earlier attempt) are not sent again, but are counted', async () => {
  const s = await scenario({ campaigns: ids(6) });
  await markCampaignsSynced(
    database().pool,
    s.clientId,
    'run-1',
    ['c02', 'c05'].map((campaignId) => ({ campaignId, syncedAt: '2026-11-22T09:00:00.000Z' })),
  );

  const outcome = await s.run();

  expect(outcome.synced).toBe(6);
  expect(s.syncCalls().sort()).toEqual(['c01', 'c03', 'c04', 'c06']);
});

test('a slot further off than the horizon is not waited for: the rest is pending, with the time of the next slot', async () => {
  const s = await scenario({ campaigns: ids(5), rateLimit: 2, rateWindowMs: 5000 });

  const outcome = await s.run();

  expect(outcome.synced).toBe(2);
  expect(outcome.pending).toEqual(['c03', 'c04', 'c05']);
  expect(outcome.nextSlotInMs).toBeGreaterThan(4000);
  expect(outcome.nextSlotInMs).toBeLessThanOrEqual(5000 + rateMarginMs(5000) + rateMarginMs(5000)); // the window, the margin, the lead
  expect(await s.reservations()).toBe(2);
});

test('a refused campaign is reported at once; the others sync; the attempt does not fail', async () => {
  const s = await scenario({
    campaigns: ids(4),
    answers: { c02: (res) => json(res, 404, { error: 'Not Found', message: 'no such campaign' }) },
  });

  const outcome = await s.run();

  expect(outcome.synced).toBe(3);
  expect(outcome.failed).toEqual([{ campaignId: 'c02', error: expect.stringMatching(/answered 404.*no such campaign/) }]);
  expect(outcome.pending).toEqual([]);
});

describe('a transient failure (503)', () => {
  const flaky: SyncAnswer = (res) => json(res, 503, { error: 'Service temporarily unavailable' });

  test('fails the attempt when nothing else is left, so the retry policy retries it; the confirmed stay confirmed', async () => {
    const s = await scenario({ campaigns: ids(4), answers: { c03: flaky } });

    const err = await failure(s.run());

    expect(err.type).toBe('PlatformUnavailable');
    expect(err.message).toMatch(/^1 of 4 campaigns not synced yet \(c03: POST .* answered 503/);
    // It stored confirmations: retried as soon as a first retry would be, not after a grown backoff.
    expect(err.nextRetryDelay).toBe(1000);
    expect(await s.confirmed()).toEqual(['c01', 'c02', 'c04']);
    // The retry sends only what is not confirmed; storing nothing, it leaves the delay to the policy's backoff.
    const retried = await failure(s.run({}, 2));
    expect(retried.message).toMatch(/^1 of 4/);
    expect(retried.nextRetryDelay).toBeUndefined();
    expect(
      s
        .syncCalls()
        .filter((id) => id !== 'c03')
        .sort(),
    ).toEqual(['c01', 'c02', 'c04']);
  });

  test('goes back to pending when the call stops for the next rate window anyway', async () => {
    const s = await scenario({ campaigns: ids(4), rateLimit: 2, rateWindowMs: 5000, answers: { c01: flaky } });

    const outcome = await s.run();

    expect(outcome).toMatchObject({ synced: 1, failed: [], pending: ['c01', 'c03', 'c04'] });
  });

  test('on the last attempt it is reported, not retried', async () => {
    const s = await scenario({ campaigns: ids(3), answers: { c02: flaky } });

    const outcome = await s.run({}, 3);

    expect(outcome.synced).toBe(2);
    expect(outcome.failed).toEqual([{ campaignId: 'c02', error: expect.stringMatching(/answered 503/) }]);
  });
});

test("a 429 stops the call and fails the attempt with the platform's wait as the retry delay", async () => {
  const throttled: SyncAnswer = (res) => json(res, 429, { error: 'Rate limit exceeded', retry_after: 7 }, { 'retry-after': '7' });
  const s = await scenario({ campaigns: ids(3), answers: { c01: throttled } });

  const err = await failure(s.run());

  expect(err.type).toBe('PlatformRateLimited');
  expect(err.nextRetryDelay).toBe(7000);
});

test('a token the platform calls expired is renewed and the campaign sent again in the same call', async () => {
  const expiredOnce: SyncAnswer = (res, call) => (call === 1 ? json(res, 401, { error: 'Token expired' }) : ok(res, call));
  const s = await scenario({ campaigns: ids(2), answers: { c01: expiredOnce } });

  const outcome = await s.run();

  expect(outcome).toMatchObject({ synced: 2, failed: [], pending: [] });
  expect(server!.requests.filter((r) => r.url === '/auth/token')).toHaveLength(2);
});

test('a request that cannot be sent within its slot (a slow token renewal) is not sent: the slot is given back and another taken', async () => {
  const expiredOnce: SyncAnswer = (res, call) => (call === 1 ? json(res, 401, { error: 'Token expired' }) : ok(res, call));
  let tokensIssued = 0;
  const s = await scenario({
    campaigns: ids(2),
    answers: { c01: expiredOnce },
    // The first token at once; the renewal takes longer than a slot may be missed by (25 ms at a 1 s window).
    auth: (res) => {
      const answer = () => json(res, 200, { access_token: `token-${++tokensIssued}`, expires_in: 3600 });
      if (tokensIssued === 0) answer();
      else setTimeout(answer, 300);
    },
  });

  const outcome = await s.run();

  expect(outcome).toMatchObject({ synced: 2, failed: [], pending: [] });
  // c01: the expired call, then one in a new slot; the slot its renewal missed (and any a busy
  // machine made it miss) sent nothing and was given back.
  expect(s.syncCalls().sort()).toEqual(['c01', 'c01', 'c02']);
  expect(s.measured.slotsMissed).toBeGreaterThanOrEqual(1);
  expect(await s.reservations()).toBe(3);
});

test('wrong credentials fail the call before any rate slot is taken, without the password in the message', async () => {
  const s = await scenario({ campaigns: ids(2), auth: (res) => json(res, 401, { error: 'Invalid credentials' }) });

  const err = await failure(s.run());

  expect(err.type).toBe('PlatformBadCredentials');
  expect(err.message).not.toContain(LOGIN.password);
  expect(await s.reservations()).toBe(0);
  expect(s.syncCalls()).toEqual([]);
});

test('a cancelled call stops sending and reports the cancellation', async () => {
  const s = await scenario({ campaigns: ids(6), rateLimit: 2, rateWindowMs: 1500 });
  const environment = new MockActivityEnvironment({ attempt: 1 });
  const running = s.run({}, 1, environment);
  setTimeout(() => environment.cancel(), 300);

  const err = await running.then(
    () => undefined,
    (e: unknown) => e,
  );

  expect(err).toBeInstanceOf(CancelledFailure);
  expect(s.syncCalls()).toHaveLength(2);
});

describe('ConfirmationWriter', () => {
  const confirmation = (campaignId: string) => ({ campaignId, syncedAt: '2026-11-22T10:00:00.000Z' });

  test('confirmations that arrive during a write go together in the next one; flush waits for all', async () => {
    const writes: string[][] = [];
    let release!: () => void;
    const writer = new ConfirmationWriter(async (group) => {
      writes.push(group.map((c) => c.campaignId));
      if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });

    writer.add(confirmation('a'));
    writer.add(confirmation('b'));
    writer.add(confirmation('c'));
    release();
    await writer.flush();
    writer.add(confirmation('d'));
    await writer.flush();

    expect(writes).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(writer.stored).toBe(4);
  });

  test('after a failed write it stores nothing more, and flush still returns', async () => {
    let calls = 0;
    const writer = new ConfirmationWriter(async () => {
      calls += 1;
      throw new Error('connection terminated');
    });

    writer.add(confirmation('a'));
    await writer.flush();
    writer.add(confirmation('b'));
    await writer.flush();

    expect(calls).toBe(1);
    expect(writer.stored).toBe(0);
    expect((writer.error as Error).message).toBe('connection terminated');
  });
});

describe.each([
  ['in year 0 (SQLSTATE 22008)', '0000-01-01T00:00:00Z'],
  ['16 hours off UTC (SQLSTATE 22009)', '2026-11-22T10:00:00+16:00'],
])('a confirmation whose synced_at PostgreSQL could not store, %s', (_name, syncedAt) => {
  const unstorable: SyncAnswer = (res) => json(res, 200, { success: true, synced_at: syncedAt });

  test('is a malformed answer about that campaign alone: the others are confirmed, and the last attempt reports it', async () => {
    const s = await scenario({ campaigns: ids(4), answers: { c02: unstorable } });

    const err = await failure(s.run());
    expect(err.type).toBe('PlatformUnavailable');
    expect(err.message).toMatch(/^1 of 4 campaigns not synced yet \(c02: .*synced_at is not a time PostgreSQL can store/);
    expect(await s.confirmed()).toEqual(['c01', 'c03', 'c04']);

    const outcome = await s.run({}, 3);
    expect(outcome).toMatchObject({
      synced: 3,
      failed: [{ campaignId: 'c02', error: expect.stringMatching(/synced_at is not a time PostgreSQL can store/) }],
    });
  });
});
