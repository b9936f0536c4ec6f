import type { ServerResponse } from 'node:http';
import { deflateSync } from 'node:zlib';
import type { Campaign } from '../../../mock-api/accounts';
import { defaultMockConfig, MOCK_SETTINGS, type MockConfig, type PoisonMode } from '../../../mock-api/config';
import { POISONS, type Poison } from '../../../mock-api/poison-names';
import { firstServable, pagePoisonsFor, pageWithRecordText, poisonSetting } from '../../../mock-api/poisons';
import { campaignPage } from '../../../mock-api/scenarios';
import type { MockPlatform } from '../../../mock-api/server';
import {
  REFERENCE_ACCOUNT,
  accountStats,
  call,
  callText,
  sleep,
  startMock,
  stats,
  stopMocks,
  token,
  type Json,
  type TextReply,
} from '../../helpers/mock-platform';

afterEach(stopMocks);

const patchConfig = (platform: MockPlatform, changes: Record<string, unknown>) =>
  call(platform, '/__mock/config', { method: 'PATCH', body: changes });

/** Every poison's setting at this mode. */
const allPoisons = (mode: PoisonMode): Partial<MockConfig> => Object.fromEntries(POISONS.map((poison) => [poisonSetting(poison), mode]));

/** Page 4 of 30 holds the reference account's last 10 campaigns: room for a poisoned record. */
const PAGE_WITH_ROOM = '?page=4&limit=30';
const FULL_PAGE = '?page=1&limit=10';
const MIB = 1024 * 1024;

const list = (platform: MockPlatform, accessToken: string, query = PAGE_WITH_ROOM) =>
  callText(platform, `/api/campaigns${query}`, { token: accessToken });
const sync = (platform: MockPlatform, accessToken: string) =>
  callText(platform, '/api/campaigns/campaign_1/sync', { method: 'POST', token: accessToken });

const truth = async (platform: MockPlatform): Promise<Campaign[]> =>
  (await call(platform, `/__mock/accounts/${REFERENCE_ACCOUNT.id}/campaigns`)).body;

/** The honest answer to PAGE_WITH_ROOM, byte for byte. */
const honestPageText = async (platform: MockPlatform) =>
  JSON.stringify({ data: (await truth(platform)).slice(90), pagination: { page: 4, limit: 30, total: 100, has_more: false } });

const requestLog = async (platform: MockPlatform): Promise<Json[]> =>
  (await call(platform, `/__mock/requests?account=${REFERENCE_ACCOUNT.id}`)).body.filter((r: Json) => r.endpoint !== 'auth');

const CONTRACT_FIELDS = ['id', 'name', 'status', 'budget', 'impressions', 'clicks', 'conversions', 'created_at'];

/** The record a record poison added: the last of the page, one more than the honest ten, a campaign of the contract. */
function addedRecord(reply: TextReply): Json {
  expect(reply.status).toBe(200);
  const body = JSON.parse(reply.text);
  expect(Object.keys(body)).toEqual(['data', 'pagination']);
  const { data, pagination } = body;
  expect(pagination).toEqual({ page: 4, limit: 30, total: 100, has_more: false });
  expect(data).toHaveLength(11);
  const record = data[10];
  for (const field of CONTRACT_FIELDS) expect(record).toHaveProperty(field);
  return record;
}

/** The depth of `[[[…]]]`, counted without recursion. */
function nestingDepth(value: unknown): number {
  let depth = 0;
  for (let inner = value; Array.isArray(inner); inner = inner[0]) depth += 1;
  return depth;
}

interface PoisonCase {
  /** A request that can carry the poison. */
  send: (platform: MockPlatform, accessToken: string) => Promise<TextReply>;
  /** Fails unless the reply carries the poison. */
  expectPoisoned: (reply: TextReply) => void;
}

const CASES: Record<Poison, PoisonCase> = {
  'retry-after-infinite': {
    send: list,
    expectPoisoned: (reply) => {
      expect(reply.status).toBe(429);
      expect(reply.headers.get('retry-after')).toBeNull();
      expect(reply.text).toBe('{"error":"Rate limit exceeded","message":"Throttled; try again later","retry_after":1e306}');
    },
  },
  'retry-after-huge': {
    send: sync,
    expectPoisoned: (reply) => {
      expect(reply.status).toBe(429);
      expect(reply.headers.get('retry-after')).toBe('99999999');
      expect(JSON.parse(reply.text)).toEqual({ error: 'Rate limit exceeded', message: expect.any(String), retry_after: 99999999 });
    },
  },
  'extra-records': {
    send: list,
    expectPoisoned: (reply) => {
      expect(reply.status).toBe(200);
      const body = JSON.parse(reply.text);
      expect(Object.keys(body)).toEqual(['data', 'pagination']);
      const { data, pagination } = body;
      expect(pagination).toEqual({ page: 4, limit: 30, total: 100, has_more: false });
      expect(data).toHaveLength(10 + 5000);
      expect(data.slice(0, 10).map((c: Campaign) => c.id)).toEqual(Array.from({ length: 10 }, (_, i) => `campaign_${91 + i}`));
      expect(data.slice(10).map((c: Campaign) => c.id)).toEqual(Array.from({ length: 5000 }, (_, i) => `foreign_${i + 1}`));
      for (const record of data.slice(10)) expect(Object.keys(record)).toEqual(CONTRACT_FIELDS);
    },
  },
  'huge-body': {
    send: list,
    expectPoisoned: (reply) => {
      expect(reply.status).toBe(200);
      expect(reply.text.length).toBeGreaterThanOrEqual(64 * MIB);
      const { data, pagination, padding } = JSON.parse(reply.text);
      expect(data.map((c: Campaign) => c.id)).toEqual(Array.from({ length: 10 }, (_, i) => `campaign_${91 + i}`));
      expect(pagination).toEqual({ page: 4, limit: 30, total: 100, has_more: false });
      expect(padding).toHaveLength(64 * MIB);
    },
  },
  'long-id': {
    send: list,
    expectPoisoned: (reply) => {
      const { id } = addedRecord(reply);
      expect(id).toMatch(/^poison-long-id-[A-Za-z0-9]{10000}$/);
      // Random text: deflate cannot shrink it much below its ~6 bits per character.
      expect(deflateSync(id.slice('poison-long-id-'.length)).length).toBeGreaterThan(7000);
    },
  },
  'nul-character': {
    send: list,
    expectPoisoned: (reply) => {
      expect(reply.text).toContain('"note":"a\\u0000b"');
      expect(addedRecord(reply)).toMatchObject({ id: 'poison-nul-character', note: 'a\u0000b' });
    },
  },
  'deep-nesting': {
    send: list,
    expectPoisoned: (reply) => {
      expect(reply.text).toContain(`${'['.repeat(10_000)}${']'.repeat(10_000)}`);
      const record = addedRecord(reply);
      expect(record.id).toBe('poison-deep-nesting');
      expect(nestingDepth(record.nested)).toBe(10_000);
    },
  },
  'lone-surrogate': {
    send: list,
    expectPoisoned: (reply) => {
      expect(reply.text).toContain('\\ud800');
      const record = addedRecord(reply);
      expect(record.id).toBe('poison-lone-surrogate');
      // Unpaired: a space follows, not a low surrogate.
      expect(record.name).toBe('Lone \ud800 surrogate');
    },
  },
  'counter-overflow': {
    send: list,
    expectPoisoned: (reply) => {
      expect(reply.text).toContain('"impressions":100000000000000000000');
      expect(addedRecord(reply)).toMatchObject({ id: 'poison-counter-overflow', impressions: 1e20 });
    },
  },
};

/** Fails unless the reply is the honest answer to its request (CASES' requests). */
async function expectHonest(platform: MockPlatform, reply: TextReply, poison: Poison) {
  expect(reply.status).toBe(200);
  if (CASES[poison].send === sync) expect(JSON.parse(reply.text)).toMatchObject({ success: true, campaign_id: 'campaign_1' });
  else expect(reply.text).toBe(await honestPageText(platform));
}

describe('settings', () => {
  test('one setting per poison, in the order of precedence, off by default and changeable at run time', () => {
    expect(POISONS).toEqual([
      'retry-after-infinite',
      'retry-after-huge',
      'extra-records',
      'huge-body',
      'long-id',
      'nul-character',
      'deep-nesting',
      'lone-surrogate',
      'counter-overflow',
    ]);
    const poisonKeys = Object.keys(MOCK_SETTINGS).filter((key) => key.startsWith('poison'));
    expect(POISONS.map(poisonSetting)).toEqual(poisonKeys);
    for (const poison of POISONS) {
      expect(MOCK_SETTINGS[poisonSetting(poison)]).toMatchObject({
        env: `MOCK_POISON_${poison.toUpperCase().replaceAll('-', '_')}`,
        default: 'off',
        live: true,
      });
    }
  });

  test('PATCH /__mock/config refuses a mode that is not off, once or always, naming the key', async () => {
    const platform = await startMock();
    const reply = await patchConfig(platform, { poisonLongId: 'sometimes' });
    expect(reply).toMatchObject({ status: 400, body: { message: expect.stringContaining('poisonLongId') } });
    expect((await stats(platform)).config.poisonLongId).toBe('off');
  });
});

describe('choosing a poison (pure)', () => {
  const config = (modes: Partial<Record<Poison, PoisonMode>>) =>
    defaultMockConfig(Object.fromEntries(Object.entries(modes).map(([poison, mode]) => [poisonSetting(poison as Poison), mode])));

  test('the first candidate in order that is always, or once and not yet served', () => {
    const modes = config({ 'long-id': 'once', 'nul-character': 'always', 'deep-nesting': 'once' });
    const candidates = ['long-id', 'nul-character', 'deep-nesting'] as const;
    expect(firstServable(candidates, modes, new Set())).toBe('long-id');
    expect(firstServable(candidates, modes, new Set(['long-id']))).toBe('nul-character');
    expect(firstServable(candidates, modes, new Set(['long-id', 'nul-character']))).toBe('nul-character');
    expect(firstServable(['long-id', 'deep-nesting'], modes, new Set(['long-id']))).toBe('deep-nesting');
    expect(firstServable(['long-id', 'deep-nesting'], modes, new Set(['long-id', 'deep-nesting']))).toBeUndefined();
    expect(firstServable(['huge-body'], modes, new Set())).toBeUndefined();
  });

  test('record poisons only on a page with fewer records than its limit', () => {
    const campaigns = Array.from({ length: 25 }, (_, i) => ({ id: `c${i}` }) as Campaign);
    const pagePoisons = ['extra-records', 'huge-body'];
    const recordPoisons = ['long-id', 'nul-character', 'deep-nesting', 'lone-surrogate', 'counter-overflow'];
    expect(pagePoisonsFor(campaignPage(campaigns, 1, 25))).toEqual(pagePoisons);
    expect(pagePoisonsFor(campaignPage(campaigns, 1, 26))).toEqual([...pagePoisons, ...recordPoisons]);
    expect(pagePoisonsFor(campaignPage(campaigns, 3, 10))).toEqual([...pagePoisons, ...recordPoisons]);
  });

  test('a record given as text joins the page as JSON.stringify would write it', () => {
    const page = campaignPage([{ id: 'a' } as Campaign, { id: 'b' } as Campaign], 1, 10);
    expect(pageWithRecordText(page, '{"id":"c"}')).toBe(JSON.stringify({ ...page, data: [...page.data, { id: 'c' }] }));
  });
});

describe.each(POISONS)('%s', (poison) => {
  const { send, expectPoisoned } = CASES[poison];

  test('once: the first answer that can carry it does, the next one is honest', async () => {
    const platform = await startMock({ [poisonSetting(poison)]: 'once' });
    const accessToken = await token(platform);
    expectPoisoned(await send(platform, accessToken));
    await expectHonest(platform, await send(platform, accessToken), poison);

    expect((await stats(platform)).poisonsServed[poison]).toBe(1);
    expect((await requestLog(platform)).map((r) => r.poison)).toEqual([poison, undefined]);
  });

  test('always: every answer that can carry it does', async () => {
    const platform = await startMock({ [poisonSetting(poison)]: 'always' });
    const accessToken = await token(platform);
    for (let i = 0; i < 2; i++) expectPoisoned(await send(platform, accessToken));
    expect((await stats(platform)).poisonsServed[poison]).toBe(2);
    expect((await requestLog(platform)).map((r) => r.poison)).toEqual([poison, poison]);
  });
});

describe('which answers carry which poison', () => {
  test('with every poison once, successive answers carry one each, in order, and then none', async () => {
    const platform = await startMock(allPoisons('once'));
    const accessToken = await token(platform);
    const listPoisons = POISONS.filter((poison) => CASES[poison].send === list);
    for (const poison of listPoisons) {
      // Each check also fails on anything more in the answer: another record, padding, foreign records.
      CASES[poison].expectPoisoned(await list(platform, accessToken));
    }
    expect(await list(platform, accessToken)).toMatchObject({ status: 200, text: await honestPageText(platform) });
    CASES['retry-after-huge'].expectPoisoned(await sync(platform, accessToken));
    expect((await sync(platform, accessToken)).status).toBe(200);

    expect((await requestLog(platform)).map((r) => r.poison)).toEqual([...listPoisons, undefined, 'retry-after-huge', undefined]);
    expect((await stats(platform)).poisonsServed).toEqual(Object.fromEntries(POISONS.map((poison) => [poison, 1])));
  });

  test('with every poison always, a list answer is the infinite 429, and a sync answer too', async () => {
    const platform = await startMock(allPoisons('always'));
    const accessToken = await token(platform);
    CASES['retry-after-infinite'].expectPoisoned(await list(platform, accessToken));
    CASES['retry-after-infinite'].expectPoisoned(await sync(platform, accessToken));
    await patchConfig(platform, { poisonRetryAfterInfinite: 'off' });
    CASES['retry-after-huge'].expectPoisoned(await sync(platform, accessToken));
    CASES['extra-records'].expectPoisoned(await list(platform, accessToken));
  });

  test('a record poison never lengthens a full page, and adds one record to a page with room', async () => {
    const platform = await startMock(allPoisons('always'));
    await patchConfig(platform, { poisonRetryAfterInfinite: 'off', poisonExtraRecords: 'off', poisonHugeBody: 'off' });
    const accessToken = await token(platform);
    const lengths = [];
    for (let page = 1; page <= 5; page++) {
      const { data } = JSON.parse((await list(platform, accessToken, `?page=${page}&limit=30`)).text);
      expect(data.length).toBeLessThanOrEqual(30);
      lengths.push(data.length);
    }
    // Pages 1-3 are full; page 4 has 10 campaigns, page 5 (past the end) none.
    expect(lengths).toEqual([30, 30, 30, 11, 1]);
    expect((await requestLog(platform)).map((r) => r.poison)).toEqual([undefined, undefined, undefined, 'long-id', 'long-id']);
    expect((await list(platform, accessToken, FULL_PAGE)).status).toBe(200);
    expect((await stats(platform)).poisonsServed['long-id']).toBe(2);
  });

  test('a once poison waits for an answer that can carry it: not a 503, a full page or a hostile scenario', async () => {
    const platform = await startMock({ rate503: 1, poisonNulCharacter: 'once' });
    const accessToken = await token(platform);
    expect((await list(platform, accessToken)).status).toBe(503);
    await patchConfig(platform, { rate503: 0 });
    expect(JSON.parse((await list(platform, accessToken, FULL_PAGE)).text).data).toHaveLength(10);
    await call(platform, `/__mock/accounts/${REFERENCE_ACCOUNT.id}`, { method: 'PATCH', body: { scenario: 'wrong-shape' } });
    expect(JSON.parse((await list(platform, accessToken)).text)).toEqual({ items: expect.any(Array), count: 100 });
    await call(platform, `/__mock/accounts/${REFERENCE_ACCOUNT.id}`, { method: 'PATCH', body: { scenario: null } });
    CASES['nul-character'].expectPoisoned(await list(platform, accessToken));
    expect((await requestLog(platform)).map((r) => r.poison)).toEqual([undefined, undefined, undefined, 'nul-character']);
  });

  test('the once budget is global: served to one account, not to another', async () => {
    const platform = await startMock({ generatedAccounts: 1, campaignsPerAccount: 5, poisonCounterOverflow: 'once' });
    const other = await token(platform, 'client-001@mock.test', 'password-001');
    expect(JSON.parse((await list(platform, other, '?limit=10')).text).data.at(-1).id).toBe('poison-counter-overflow');
    await expectHonest(platform, await list(platform, await token(platform)), 'counter-overflow');
  });
});

describe('poisoned 429s', () => {
  test('are injected 429s: not window 429s, and not counted in the window', async () => {
    const platform = await startMock({ rateLimit: 2, rateWindowMs: 60_000, poisonRetryAfterInfinite: 'always' });
    const accessToken = await token(platform);
    for (let i = 0; i < 3; i++) expect((await list(platform, accessToken)).status).toBe(429);
    await patchConfig(platform, { poisonRetryAfterInfinite: 'off' });
    // The window is still empty: two pass, the third is the window's 429.
    expect([(await list(platform, accessToken)).status, (await list(platform, accessToken)).status]).toEqual([200, 200]);
    expect((await list(platform, accessToken)).status).toBe(429);

    expect(await accountStats(platform)).toMatchObject({ rateLimited: 1, injected429: 3, maxAcceptedInWindow: 2, maxArrivalsInWindow: 6 });
    const log = await requestLog(platform);
    expect(log.slice(0, 3)).toEqual(
      Array(3).fill(expect.objectContaining({ status: 429, injected: true, poison: 'retry-after-infinite' })),
    );
    expect(log[5]).not.toHaveProperty('poison');
  });

  test('retry-after-huge is for sync requests only', async () => {
    const platform = await startMock({ poisonRetryAfterHuge: 'always' });
    const accessToken = await token(platform);
    await expectHonest(platform, await list(platform, accessToken), 'extra-records');
    CASES['retry-after-huge'].expectPoisoned(await sync(platform, accessToken));
  });
});

describe('re-arming a once poison', () => {
  test('PATCH /__mock/config setting it again re-arms it; changing another setting does not', async () => {
    const platform = await startMock({ poisonLoneSurrogate: 'once' });
    const accessToken = await token(platform);
    CASES['lone-surrogate'].expectPoisoned(await list(platform, accessToken));
    await patchConfig(platform, { rate503: 0, poisonLongId: 'off' });
    await expectHonest(platform, await list(platform, accessToken), 'lone-surrogate');
    await patchConfig(platform, { poisonLoneSurrogate: 'once' });
    CASES['lone-surrogate'].expectPoisoned(await list(platform, accessToken));
    await expectHonest(platform, await list(platform, accessToken), 'lone-surrogate');
    expect((await stats(platform)).poisonsServed['lone-surrogate']).toBe(2);
  });

  test('POST /__mock/reset re-arms it and zeroes the counts', async () => {
    const platform = await startMock({ poisonDeepNesting: 'once' });
    const accessToken = await token(platform);
    CASES['deep-nesting'].expectPoisoned(await list(platform, accessToken));
    await expectHonest(platform, await list(platform, accessToken), 'deep-nesting');
    await call(platform, '/__mock/reset', { method: 'POST' });
    expect((await stats(platform)).poisonsServed['deep-nesting']).toBe(0);
    CASES['deep-nesting'].expectPoisoned(await list(platform, accessToken));
    expect((await stats(platform)).poisonsServed['deep-nesting']).toBe(1);
  });
});

describe('observability and truth', () => {
  test('GET /__mock/stats reports every poison served so far, zero for the others', async () => {
    const platform = await startMock({ poisonExtraRecords: 'always' });
    expect((await stats(platform)).poisonsServed).toEqual(Object.fromEntries(POISONS.map((poison) => [poison, 0])));
    const accessToken = await token(platform);
    await list(platform, accessToken);
    expect((await stats(platform)).poisonsServed).toMatchObject({ 'extra-records': 1, 'huge-body': 0 });
  });

  test("the account's true campaigns never hold poisoned or foreign records", async () => {
    const platform = await startMock({ poisonExtraRecords: 'once', poisonLongId: 'once', poisonCounterOverflow: 'once' });
    const before = await truth(platform);
    const accessToken = await token(platform);
    for (let i = 0; i < 4; i++) await list(platform, accessToken);
    expect(await truth(platform)).toEqual(before);
    expect(before.map((c) => c.id)).toEqual(Array.from({ length: 100 }, (_, i) => `campaign_${i + 1}`));
  });

  test('the long id comes from the seeded dice: the same seed gives the same id, another seed another', async () => {
    const longId = async (seed: number) => {
      const platform = await startMock({ seed, poisonLongId: 'once' });
      return addedRecord(await list(platform, await token(platform))).id as string;
    };
    const [first, again, other] = [await longId(42), await longId(42), await longId(7)];
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });
});

/**
 * Watches the mock's responses from inside the server: the most any of them held buffered after
 * a write, writes made after the client had gone, and when each closed.
 */
function watchResponses(platform: MockPlatform) {
  const watched = { maxBuffered: 0, writesAfterClose: 0, closed: [] as Promise<void>[], responses: [] as ServerResponse[] };
  platform.server.prependListener('request', (_req, res: ServerResponse) => {
    watched.responses.push(res);
    const write = res.write.bind(res) as (chunk: unknown) => boolean;
    res.write = ((chunk: unknown) => {
      if (res.destroyed) watched.writesAfterClose += 1;
      const flushed = write(chunk);
      watched.maxBuffered = Math.max(watched.maxBuffered, res.writableLength);
      return flushed;
    }) as ServerResponse['write'];
    watched.closed.push(new Promise((resolve) => res.once('close', () => resolve())));
  });
  return watched;
}

/**
 * A careful, slow client: reads the body as it streams, pausing after the first chunk (so a mock
 * that ignored backpressure would pile the body up in memory), and aborts once it has more than `maxBytes`.
 */
async function readAtMost(platform: MockPlatform, accessToken: string, maxBytes: number) {
  const abort = new AbortController();
  const response = await fetch(`${platform.url}/api/campaigns${PAGE_WITH_ROOM}`, {
    headers: { authorization: `Bearer ${accessToken}` },
    signal: abort.signal,
  });
  const reader = response.body!.getReader();
  let bytes = 0;
  let head = '';
  while (bytes <= maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    if (bytes === 0) await sleep(200);
    if (head.length < 100) head += Buffer.from(value).toString('utf8');
    bytes += value.length;
  }
  abort.abort();
  return { status: response.status, bytes, head };
}

describe('huge-body against a client that gives up', () => {
  test('the mock stops writing when the client aborts after a few MB, never buffers much, and answers the next request', async () => {
    const platform = await startMock({ poisonHugeBody: 'once' });
    const watched = watchResponses(platform);
    const accessToken = await token(platform);

    const read = await readAtMost(platform, accessToken, 4 * MIB);
    expect(read).toMatchObject({ status: 200, head: expect.stringMatching(/^\{"data":\[\{"id":"campaign_91"/) });
    expect(read.bytes).toBeLessThan(64 * MIB);
    await Promise.all(watched.closed);

    const writesSoFar = watched.writesAfterClose;
    await expectHonest(platform, await list(platform, accessToken), 'huge-body');
    expect((await call(platform, '/health')).status).toBe(200);
    expect(watched.writesAfterClose).toBe(writesSoFar);
    expect(watched.writesAfterClose).toBe(0);
    // Nothing is left waiting for a drain that cannot come.
    expect(watched.responses.map((res) => res.listenerCount('drain')).filter((listeners) => listeners > 0)).toEqual([]);
    // Backpressure honoured: at most about a chunk waits in memory, not the 64 MB.
    expect(watched.maxBuffered).toBeLessThan(MIB);
    expect((await requestLog(platform)).map((r) => [r.status, r.poison])).toEqual([
      [200, 'huge-body'],
      [200, undefined],
    ]);
  });
});
