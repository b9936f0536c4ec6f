import type { MockPlatform } from '../../../mock-api/server';
import {
  REFERENCE_ACCOUNT,
  accountStats,
  call,
  listCampaigns,
  raceTimer,
  runPool,
  startMock,
  stopMocks,
  token,
  type AccountSummary,
} from '../../helpers/mock-platform';

afterEach(stopMocks);

const REQUESTS = 1_000;
const CONCURRENCY = 50;
/** Client-side timeout: a hung request is given up on after this long (long enough that a busy machine still delivers every request). */
const TIMEOUT_MS = 2_000;
const RATE_503 = 0.2;
const HANG_RATE = 0.1;
const TOLERANCE = 0.05;

type Outcome = number | 'timeout';

interface Run {
  outcomes: Outcome[];
  summary: AccountSummary;
  /** Status of every list request in the order the server drew its faults. */
  serverSequence: Array<number | 'hung'>;
}

async function listOutcome(platform: MockPlatform, accessToken: string): Promise<Outcome> {
  try {
    return (await listCampaigns(platform, accessToken, '', AbortSignal.timeout(TIMEOUT_MS))).status;
  } catch (err) {
    if ((err as { name?: string }).name === 'TimeoutError') return 'timeout';
    throw err;
  }
}

/** 1,000 list requests against a mock with 503s and hangs on, no rate limit, no latency. */
async function faultRun(seed: number): Promise<Run> {
  const platform = await startMock({ seed, rate503: RATE_503, hangRate: HANG_RATE });
  try {
    const accessToken = await token(platform);
    const outcomes = await runPool(REQUESTS, CONCURRENCY, () => listOutcome(platform, accessToken));
    const log = (await call(platform, `/__mock/requests?account=${REFERENCE_ACCOUNT.id}`)).body as Array<{
      endpoint: string;
      status: number | 'hung';
    }>;
    const serverSequence = log.filter((r) => r.endpoint === 'list').map((r) => r.status);
    return { outcomes, summary: await accountStats(platform), serverSequence };
  } finally {
    await platform.close();
  }
}

describe(`seeded 503 and hang injection over ${REQUESTS} list requests`, () => {
  let runs: { first: Run; again: Run; otherSeed: Run };

  beforeAll(async () => {
    const [first, again, otherSeed] = await Promise.all([faultRun(42), faultRun(42), faultRun(7)]);
    runs = { first: first!, again: again!, otherSeed: otherSeed! };
  });

  test('the 503 and hang fractions are within 5 points of the configured rates', () => {
    const counts = runs.first.summary.requests.list!;
    expect((counts['200'] ?? 0) + (counts['503'] ?? 0) + (counts['hung'] ?? 0)).toBe(REQUESTS);
    const unavailable = (counts['503'] ?? 0) / REQUESTS;
    const hung = (counts['hung'] ?? 0) / REQUESTS;
    expect(Math.abs(unavailable - RATE_503)).toBeLessThanOrEqual(TOLERANCE);
    // The hang draw only happens when the 503 draw missed.
    expect(Math.abs(hung - (1 - RATE_503) * HANG_RATE)).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs((counts['hung'] ?? 0) / (REQUESTS - (counts['503'] ?? 0)) - HANG_RATE)).toBeLessThanOrEqual(TOLERANCE);
  });

  test('the client sees what the stats say: 503s answered, hung requests only ever time out', () => {
    const { outcomes, summary } = runs.first;
    const seen = (outcome: Outcome) => outcomes.filter((o) => o === outcome).length;
    expect(outcomes.every((o) => o === 200 || o === 503 || o === 'timeout')).toBe(true);
    expect(seen('timeout')).toBeGreaterThanOrEqual(summary.requests.list!['hung']!);
  });

  test('the same seed gives the same sequence of outcomes, another seed a different one', () => {
    expect(runs.first.serverSequence).toHaveLength(REQUESTS);
    expect(runs.again.serverSequence).toEqual(runs.first.serverSequence);
    expect(runs.otherSeed.serverSequence).toHaveLength(REQUESTS);
    expect(runs.otherSeed.serverSequence).not.toEqual(runs.first.serverSequence);
  });
});

describe('hung requests', () => {
  test('with hangRate 1 a request is still unanswered after 3 s, and close() still completes', async () => {
    const platform = await startMock({ hangRate: 1 });
    const accessToken = await token(platform);
    const pending = listCampaigns(platform, accessToken);
    pending.catch(() => undefined); // it can only fail, once the server drops the connection

    expect(await raceTimer(pending, 3_000)).toBe('timer');
    expect((await accountStats(platform)).requests.list).toEqual({ hung: 1 });

    expect(
      await raceTimer(
        platform.close().then(() => 'closed'),
        5_000,
      ),
    ).toBe('closed');
    await expect(pending).rejects.toThrow();
  });
});
