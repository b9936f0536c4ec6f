import type { ServerResponse } from 'node:http';
import { generateCampaigns, type Campaign } from './accounts';
import type { MockConfig, PoisonMode } from './config';
import { deliver } from './faults';
import { HttpError } from './http';
import { PAGE_POISON_NAMES, POISONED_429_NAMES, POISONS, type PagePoisonName, type Poison, type Poisoned429Name } from './poison-names';
import type { PlatformState } from './platform-state';
import type { CampaignPage } from './scenarios';
import type { Endpoint, RequestRecord } from './stats';

/*
 * Poisons: answers that are well-formed HTTP but absurd, which a robust client must survive
 * (../shared/mock-ad-platform.md, "What real platforms also do"). Each has its setting in
 * MOCK_SETTINGS (`off`, `once`, `always`); an answer carries at most one, the first in
 * precedence order (poison-names.ts) that may be served.
 */

type PoisonKey = { [K in keyof MockConfig]: MockConfig[K] extends PoisonMode ? K : never }[keyof MockConfig];

/** JSON.stringify writes 1e306 as 1e+306, so this 429's body is written by hand. */
class HandWrittenHttpError extends HttpError {
  constructor(
    status: number,
    error: string,
    message: string,
    private readonly text: string,
  ) {
    super(status, error, message);
  }

  override bodyText(): string {
    return this.text;
  }
}

const HUGE_WAIT_S = 99_999_999;
const THROTTLED = 'Throttled; try again later';

interface Poisoned429 {
  setting: PoisonKey;
  /** The requests that can carry it. */
  endpoints: readonly Endpoint[];
  error(): HttpError;
}

const POISONED_429S = {
  'retry-after-infinite': {
    setting: 'poisonRetryAfterInfinite',
    endpoints: ['list', 'sync'],
    error: () =>
      new HandWrittenHttpError(
        429,
        'Rate limit exceeded',
        THROTTLED,
        `{"error":"Rate limit exceeded","message":"${THROTTLED}","retry_after":1e306}`,
      ),
  },
  'retry-after-huge': {
    setting: 'poisonRetryAfterHuge',
    endpoints: ['sync'],
    error: () => new HttpError(429, 'Rate limit exceeded', THROTTLED, { 'retry-after': String(HUGE_WAIT_S) }, { retry_after: HUGE_WAIT_S }),
  },
} satisfies Record<Poisoned429Name, Poisoned429>;

const FOREIGN_RECORDS = 5_000;
/** Where the foreign campaigns' values come from: an account index no generated account reaches in practice. */
const FOREIGN_ACCOUNT_INDEX = 9_998;
const HUGE_BODY_PADDING_BYTES = 64 * 1024 * 1024;
/** One chunk of padding shared by every huge body, so a request holds no buffer of its own. */
const PADDING_CHUNK = Buffer.alloc(64 * 1024, 'x');
const LONG_ID_RANDOM_CHARACTERS = 10_000;
const NESTING_DEPTH = 10_000;

interface PagePoison {
  setting: PoisonKey;
  /** Only on a page with fewer records than its `limit`, so that it never makes a page longer than asked for. */
  needsRoom: boolean;
  answer(platform: PlatformState, res: ServerResponse, record: RequestRecord, page: CampaignPage): Promise<void>;
}

/** A record poison: one more campaign on the page, given as JSON text (some cannot be written by JSON.stringify). */
const withRecord = (setting: PoisonKey, recordText: (platform: PlatformState) => string): PagePoison => ({
  setting,
  needsRoom: true,
  answer: (platform, res, record, page) =>
    deliver(platform, res, record, { status: 200, body: pageWithRecordText(page, recordText(platform)) }),
});

const PAGE_POISONS = {
  'extra-records': {
    setting: 'poisonExtraRecords',
    needsRoom: false,
    answer: (platform, res, record, page) =>
      deliver(platform, res, record, {
        status: 200,
        body: JSON.stringify({ ...page, data: [...page.data, ...foreignCampaigns(platform.config.seed)] }),
      }),
  },
  'huge-body': { setting: 'poisonHugeBody', needsRoom: false, answer: (_platform, res, _record, page) => streamPaddedPage(res, page) },
  'long-id': withRecord('poisonLongId', (platform) =>
    JSON.stringify(poisonedCampaign(`poison-long-id-${platform.randomText(LONG_ID_RANDOM_CHARACTERS)}`)),
  ),
  'nul-character': withRecord('poisonNulCharacter', () =>
    JSON.stringify({ ...poisonedCampaign('poison-nul-character'), note: 'a\u0000b' }),
  ),
  'deep-nesting': withRecord('poisonDeepNesting', () => {
    const campaign = JSON.stringify(poisonedCampaign('poison-deep-nesting'));
    // Built as text: JSON.stringify of a value this deep overflows the stack.
    return `${campaign.slice(0, -1)},"nested":${'['.repeat(NESTING_DEPTH)}${']'.repeat(NESTING_DEPTH)}}`;
  }),
  // JSON.stringify writes an unpaired surrogate as the escape \ud800.
  'lone-surrogate': withRecord('poisonLoneSurrogate', () =>
    JSON.stringify({ ...poisonedCampaign('poison-lone-surrogate'), name: 'Lone \ud800 surrogate' }),
  ),
  'counter-overflow': withRecord('poisonCounterOverflow', () =>
    JSON.stringify({ ...poisonedCampaign('poison-counter-overflow'), impressions: 1e20 }),
  ),
} satisfies Record<PagePoisonName, PagePoison>;

const POISON_DEFINITIONS = { ...POISONED_429S, ...PAGE_POISONS };

/** The setting that switches each poison. */
export const poisonSetting = (poison: Poison): PoisonKey => POISON_DEFINITIONS[poison].setting;

/** The first of `candidates` (in precedence order) its setting lets through: `always`, or `once` and not served since it was armed. */
export function firstServable<P extends Poison>(candidates: readonly P[], config: MockConfig, spent: ReadonlySet<Poison>): P | undefined {
  return candidates.find((poison) => {
    const mode = config[poisonSetting(poison)];
    return mode === 'always' || (mode === 'once' && !spent.has(poison));
  });
}

/** The page poisons a page can carry: a record poison only while the page has room for one more record. */
export const pagePoisonsFor = (page: CampaignPage): PagePoisonName[] =>
  PAGE_POISON_NAMES.filter((poison) => !PAGE_POISONS[poison].needsRoom || page.data.length < page.pagination.limit);

/** Picks the poison this answer carries, if any, and counts it as served. */
function serve<P extends Poison>(platform: PlatformState, record: RequestRecord, candidates: readonly P[]): P | undefined {
  const poison = firstServable(candidates, platform.config, platform.poisonsSpent);
  if (poison === undefined) return undefined;
  record.poison = poison;
  platform.poisonsSpent.add(poison);
  platform.poisonsServed.set(poison, (platform.poisonsServed.get(poison) ?? 0) + 1);
  return poison;
}

/**
 * As the rate limiter admits a request, after any injected burst: maybe a poisoned 429. Like a
 * burst's, it is an injected 429, and the window does not count the request.
 */
export function rejectWithPoisoned429(platform: PlatformState, record: RequestRecord) {
  const carriers = POISONED_429_NAMES.filter((name) => {
    const endpoints: readonly Endpoint[] = POISONED_429S[name].endpoints;
    return endpoints.includes(record.endpoint);
  });
  const poison = serve(platform, record, carriers);
  if (poison === undefined) return;
  record.injected = true;
  throw POISONED_429S[poison].error();
}

/** Sends an honest list page as it is, or carrying the first page poison that may be served. */
export async function answerListPage(platform: PlatformState, res: ServerResponse, record: RequestRecord, page: CampaignPage) {
  const poison = serve(platform, record, pagePoisonsFor(page));
  if (poison !== undefined) return PAGE_POISONS[poison].answer(platform, res, record, page);
  await deliver(platform, res, record, { status: 200, body: JSON.stringify(page) });
}

/** Re-arms the `once` poisons whose setting this PATCH /__mock/config sets, whatever the value. */
export function rearmPoisons(platform: PlatformState, changes: Partial<MockConfig>) {
  for (const poison of POISONS) if (poisonSetting(poison) in changes) platform.poisonsSpent.delete(poison);
}

/** How many answers carried each poison, for GET /__mock/stats. */
export const poisonsServed = (platform: PlatformState) =>
  Object.fromEntries(POISONS.map((poison) => [poison, platform.poisonsServed.get(poison) ?? 0]));

/** A valid campaign of the contract, apart from what its poison changes. */
const poisonedCampaign = (id: string): Campaign => ({
  id,
  name: 'Poisoned campaign',
  status: 'active',
  budget: 1000,
  impressions: 0,
  clicks: 0,
  conversions: 0,
  created_at: '2025-01-01T00:00:00.000Z',
});

/** The page's JSON with one more record appended as text, byte for byte what JSON.stringify writes for the rest. */
export const pageWithRecordText = (page: CampaignPage, recordText: string): string =>
  `{"data":[${[...page.data.map((campaign) => JSON.stringify(campaign)), recordText].join(',')}],"pagination":${JSON.stringify(page.pagination)}}`;

/** Campaigns the account does not have, valid-looking: seeded values like a generated account's, ids foreign_1 … */
const foreignCampaigns = (seed: number): Campaign[] =>
  generateCampaigns(seed, FOREIGN_ACCOUNT_INDEX, FOREIGN_RECORDS).map((campaign, i) => ({
    ...campaign,
    id: `foreign_${i + 1}`,
    name: `Foreign campaign ${i + 1}`,
  }));

/** The huge body's text around its padding: the honest page with a `padding` string field that the chunks fill. */
const paddedPageEnds = (page: CampaignPage) => ({ head: `${JSON.stringify(page).slice(0, -1)},"padding":"`, tail: '"}' });

/**
 * Streams the page padded to 64 MB, chunk by chunk as the client reads; stops when the client goes
 * away. Its own delivery: no injected reset or drip (a client is meant to give up on it first).
 */
async function streamPaddedPage(res: ServerResponse, page: CampaignPage) {
  const { head, tail } = paddedPageEnds(page);
  res.writeHead(200, { 'content-type': 'application/json' });
  if (!(await writeWhenReady(res, head))) return;
  for (let sent = 0; sent < HUGE_BODY_PADDING_BYTES; sent += PADDING_CHUNK.length) {
    if (!(await writeWhenReady(res, PADDING_CHUNK))) return;
  }
  res.end(tail);
}

/** Writes a chunk, then waits while the socket's buffer is full; false if the client has gone. */
function writeWhenReady(res: ServerResponse, chunk: string | Buffer): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const drained = () => {
      res.off('close', closed);
      resolve(true);
    };
    const closed = () => {
      res.off('drain', drained);
      resolve(false);
    };
    res.once('drain', drained).once('close', closed);
  });
}
