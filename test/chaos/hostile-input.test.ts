import { WorkflowFailedError } from '@temporalio/client';
import { failureReason } from '../../src/cli/progress';
import { generatedAccountCredentials, HOSTILE_ACCOUNT } from '../../mock-api/accounts';
import { Stack } from '../../dev-stack/stack';
import { MALFORMED_ANSWER_ATTEMPTS } from '../../src/contract/failure-types';
import { syncedClient, verifyAndRecord, type SyncedClient } from '../helpers/chaos-harness';

jest.setTimeout(600_000);

const WINDOW = { rateLimit: 10, rateWindowMs: 1000 };
const HOSTILE: SyncedClient = syncedClient('hostile', HOSTILE_ACCOUNT, 10);
const ACME: SyncedClient = syncedClient('acme', generatedAccountCredentials(1), 10);

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({
    hostileAccount: true,
    generatedAccounts: 1,
    campaignsPerAccount: 30,
    rateLimit: 10,
    rateWindowMs: 1000,
    rate503: 0,
    hangRate: 0,
    syncLatencyMs: 20,
  });
  await stack.addClient(HOSTILE.clientId, HOSTILE, WINDOW);
  await stack.addClient(ACME.clientId, ACME, WINDOW);
  await stack.startWorker();
  // A clean sync first: what the hostile answers below must not destroy.
  await (await stack.startSync({ clientId: ACME.clientId, pageSize: 10 })).result();
});
afterAll(() => stack?.stop());

/** The message of the activity failure a workflow failed with. */
/** What the CLI prints for a failed sync: the innermost cause's message. */
const activityFailureMessage = (err: unknown) => failureReason(err as Error);

const scenario = (name: string | null) =>
  fetch(`${stack.mock.url}/__mock/accounts/${ACME.account}`, { method: 'PATCH', body: JSON.stringify({ scenario: name }) });

test('ids and names with quotes, SQL, unicode and 10 KB strings are stored faithfully', async () => {
  const startedAt = Date.now();
  const summary = await (await stack.startSync({ clientId: HOSTILE.clientId, pageSize: 10 })).result();
  expect(summary).toMatchObject({ state: 'completed', listed: 30, synced: 30, rejected: 0 });
  await verifyAndRecord(stack, [HOSTILE], {
    scenario: 'hostile strings',
    injections: "quotes, '); DROP TABLE, unicode, RTL marks, 10 KB names, '/' and '%' in ids",
    runs: 1,
    startedAt,
  });
});

test.each([
  // 30 campaigns shifted by one from page 2 on: a fourth page holds the last.
  ['duplicate-ids', 'the same id on two pages (the list shifted by one)', 4],
  ['endless-has-more', 'has_more that never turns false', 3],
])("%s: the sync completes with exactly the platform's campaigns", async (name, injections, pages) => {
  const startedAt = Date.now();
  await scenario(name);
  try {
    const summary = await (await stack.startSync({ clientId: ACME.clientId, pageSize: 10 })).result();
    expect(summary).toMatchObject({ state: 'completed', pages, listed: 30, synced: 30 });
    await verifyAndRecord(stack, [ACME], { scenario: name, injections, runs: 1, startedAt });
  } finally {
    await scenario(null);
  }
});

test('bad-records: the rest of each page syncs and the bad records are reported', async () => {
  const startedAt = Date.now();
  await scenario('bad-records');
  try {
    const summary = await (await stack.startSync({ clientId: ACME.clientId, pageSize: 10 })).result();
    // Records 7, 14, 21, 28 lack a name; 11 and 22 have a string budget.
    expect(summary).toMatchObject({ state: 'completed', listed: 24, synced: 24, rejected: 6, failed: 0 });
    expect(summary.rejectedRecords.map((r) => r.id).sort()).toEqual([
      'campaign_11',
      'campaign_14',
      'campaign_21',
      'campaign_22',
      'campaign_28',
      'campaign_7',
    ]);
    expect(summary.rejectedRecords.find((r) => r.id === 'campaign_7')?.reason).toMatch(/^name: /);
    // The rejected campaigns keep what the earlier clean sync stored: nothing already synced is lost,
    // so the table still equals the platform's truth.
    await verifyAndRecord(
      stack,
      [ACME],
      {
        scenario: 'bad-records',
        injections: 'records missing a field or with a wrongly typed one',
        runs: 1,
        startedAt,
        outcome: 'completed; 6 bad records reported by id and reason, the rest synced',
      },
      () => ({ status: 'completed', listed: 24, synced: 24, rejected: 6 }),
    );
  } finally {
    await scenario(null);
  }
});

// Each with how often its page is asked for: a malformed answer is retried up to MALFORMED_ANSWER_ATTEMPTS
// times, a page claiming an absurd total and a redirect are refused at once.
describe.each([
  [
    'malformed-json',
    'a 200 whose body is cut off mid-JSON',
    'PlatformMalformedResponse',
    /answered 200 with a body that is not JSON/,
    MALFORMED_ANSWER_ATTEMPTS,
  ],
  ['wrong-shape', 'a 200 page of another shape', 'PlatformMalformedResponse', /unexpected body: data/, MALFORMED_ANSWER_ATTEMPTS],
  ['error-200', 'HTTP 200 with an error body', 'PlatformMalformedResponse', /unexpected body: data/, MALFORMED_ANSWER_ATTEMPTS],
  ['negative-total', 'a negative total', 'PlatformMalformedResponse', /unexpected body: pagination\.total/, MALFORMED_ANSWER_ATTEMPTS],
  ['absurd-total', 'a total of 10^12 campaigns', 'PlatformMalformedResponse', /claims 1000000000000 campaigns/, 1],
  ['redirect', 'a 302 redirect', 'PlatformRejectedRequest', /answered 302.*set the client's API URL/, 1],
])('%s', (name, injections, type, message, asked) => {
  test('fails fast with a clear non-retryable error; nothing already synced is lost', async () => {
    const startedAt = Date.now();
    const before = await stack.campaignRows(ACME.clientId);
    await scenario(name);
    try {
      const failure = await (await stack.startSync({ clientId: ACME.clientId, pageSize: 10 })).result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      let cause = (failure as WorkflowFailedError).cause as { type?: string; message: string; cause?: unknown } | undefined;
      while (cause?.cause && !cause.type) cause = cause.cause as typeof cause;
      expect(cause).toMatchObject({ type, message: expect.stringMatching(message) });
      // Fast, counted rather than timed: the page was asked for only as often as such an answer is retried.
      const listed = (await stack.mock.requests(ACME.account)).filter((r) => r.endpoint === 'list' && r.at >= startedAt);
      expect(listed).toHaveLength(asked);
      expect(await stack.campaignRows(ACME.clientId)).toEqual(before);
      await verifyAndRecord(
        stack,
        [ACME],
        { scenario: name, injections, runs: 1, startedAt, outcome: `failed: ${cause!.type}: ${cause!.message}` },
        () => ({ status: 'failed', error: expect.stringMatching(message) }),
      );
    } finally {
      await scenario(null);
    }
  });
});

test('an unknown client and missing credentials fail with a one-line error that says what to fix', async () => {
  const unknown = await (await stack.startSync({ clientId: 'nobody' })).result().catch((err: WorkflowFailedError) => err);
  expect(activityFailureMessage(unknown)).toBe('Unknown client "nobody": add it with `campaign-sync clients add nobody ...`');
  await stack.database.pool.query(
    `INSERT INTO clients (id, name, api_base_url, credentials_ref) VALUES ('nocreds', 'nocreds', $1, 'nocreds-login')`,
    [stack.mock.url],
  );
  const missing = await (await stack.startSync({ clientId: 'nocreds' })).result().catch((err: WorkflowFailedError) => err);
  expect(activityFailureMessage(missing)).toBe(
    'No credentials for "nocreds-login": set CAMPAIGN_SYNC_NOCREDS_LOGIN_EMAIL, CAMPAIGN_SYNC_NOCREDS_LOGIN_PASSWORD and CAMPAIGN_SYNC_NOCREDS_LOGIN_HOST, or add "nocreds-login" to the file named by CAMPAIGN_SYNC_SECRETS_FILE',
  );
});
