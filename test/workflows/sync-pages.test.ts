import { WorkflowFailedError } from '@temporalio/client';
import { SYNC_INPUT_RANGES, syncInputProblem } from '../../src/contract/sync-input';
import type { SyncSummary } from '../../src/contract/sync';
import { plainCampaign } from '../helpers/campaigns';
import type { Campaign, StoredPage } from '../../src/contract/activities';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import {
  fakeActivities,
  listing,
  runSync,
  summaryOf,
  useWorkflowEnvironment,
  withFakeWorker,
  workflowClient,
} from '../helpers/workflow-tier';

// The workflow tier (test/helpers/workflow-tier.ts), how a sync lists: page stop rules, input out of range, records PostgreSQL refuses.
useWorkflowEnvironment();

describe('pages', () => {
  test('listing stops when the platform says has_more = false; a sync that listed every page has what it did not list marked removed', async () => {
    const { outcome, log } = await runSync({ list: listing(250) });
    expect(log.pages).toEqual([1, 2, 3]);
    expect(summaryOf(outcome)).toMatchObject({ state: 'completed', pages: 3, listed: 250, synced: 250, failed: 0, removed: 7 });
    expect(log.runs).toEqual(['running', 'completed']);
    expect(log.removalsMarked).toBe(1);
  });

  test('listing stops at `total` even when has_more stays true (the reference platform)', async () => {
    const { log } = await runSync({ list: listing(250, { hasMore: () => true }) });
    expect(log.pages).toEqual([1, 2, 3]);
  });

  test('listing stops at an empty page', async () => {
    const { outcome, log } = await runSync({
      list: listing(150, { hasMore: () => true, extra: { 1: { total: 10_000 }, 2: { campaigns: [], total: 10_000 } } }),
    });
    expect(log.pages).toEqual([1, 2]);
    expect(summaryOf(outcome)).toMatchObject({ listed: 100, synced: 100 });
  });

  test('a total beyond 100 000 pages fails the sync instead of paging forever', async () => {
    const { outcome, log } = await runSync({ list: listing(10, { extra: { 1: { total: 10 ** 12 } } }) });
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect(((outcome as WorkflowFailedError).cause as ApplicationFailure).type).toBe('PlatformMalformedResponse');
    expect(log.runs).toEqual(['running', 'failed']);
    expect(log.removalsMarked).toBe(0); // a sync that stopped early marks nothing removed
  });

  test('a campaign the platform repeats on a later page is stored and synced once', async () => {
    const page2 = [plainCampaign('c100'), plainCampaign('c101')];
    const { outcome, log } = await runSync({ list: listing(102, { extra: { 2: { campaigns: page2 } } }) });
    const sent = log.batchCalls.flatMap((c) => c.campaignIds);
    expect(sent.filter((id) => id === 'c100')).toHaveLength(1);
    expect(summaryOf(outcome)).toMatchObject({ listed: 101, synced: 101 });
  });

  test('records that are not campaigns are reported with their page and reason', async () => {
    const rejected = [{ position: 3, id: 'bad', reason: 'budget: expected number' }];
    const { outcome } = await runSync({ list: listing(20, { extra: { 1: { rejected } } }) });
    expect(summaryOf(outcome)).toMatchObject({ rejected: 1, rejectedRecords: [{ page: 1, ...rejected[0] }] });
  });
});

describe('input out of range', () => {
  /** Each field of SYNC_INPUT_RANGES one below its min and one above its max, and values that are no whole number. */
  const invalid: [string, Record<string, unknown>][] = [
    ...Object.entries(SYNC_INPUT_RANGES).flatMap(([field, { min, max }]): [string, Record<string, unknown>][] => [
      [field, { [field]: min - 1 }],
      [field, { [field]: max + 1 }],
    ]),
    ['pageSize', { pageSize: 2.5 }],
    ['batchSize', { batchSize: '10' }],
    ['clientId', { clientId: undefined }],
    ['retryFailed', { retryFailed: 'yes' }],
  ];
  let outcomes: (SyncSummary | Error)[];
  let log: ReturnType<typeof fakeActivities>['log'];

  // One worker for every case: each sync fails before its first command.
  beforeAll(async () => {
    const run = await withFakeWorker({ list: listing(10) }, (taskQueue) =>
      Promise.all(
        invalid.map(([, input]) =>
          workflowClient()
            .workflow.execute('syncClientWorkflow', {
              taskQueue,
              workflowId: `sync-${randomUUID()}`,
              args: [{ clientId: 'acme', ...input }],
            })
            .catch((err: unknown) => err as Error),
        ),
      ),
    );
    outcomes = run.outcome as (SyncSummary | Error)[];
    log = run.log;
  });

  test.each(invalid.map(([field, input], i) => [field, JSON.stringify(input) ?? '', i] as const))(
    '%s in %s fails the sync at once: InvalidSyncInput, not retryable, naming the field',
    (field, _shown, i) => {
      const outcome = outcomes[i];
      expect(outcome).toBeInstanceOf(WorkflowFailedError);
      const failure = (outcome as WorkflowFailedError).cause as ApplicationFailure;
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'InvalidSyncInput', nonRetryable: true });
      expect(failure.message).toBe(`Invalid sync input: ${syncInputProblem({ clientId: 'acme', ...invalid[i]![1] })}`);
      expect(failure.message).toMatch(new RegExp(`^Invalid sync input: ${field} must be `));
    },
  );

  test('no activity was called for any of them', () => {
    expect(log.activities).toEqual([]);
  });
});

describe('records PostgreSQL refuses', () => {
  /** An upsert that refuses these campaigns (as storePage reports them) and stores the rest. */
  const refusing =
    (ids: string[]) =>
    (campaigns: Campaign[]): StoredPage => {
      const refused = campaigns
        .filter((c) => ids.includes(c.id))
        .map((c) => ({ campaignId: c.id, reason: `PostgreSQL refused it (22008): date/time field value out of range (${c.id})` }));
      return { inserted: campaigns.length - refused.length, updated: 0, unchanged: 0, refused };
    };

  test('count as rejected (no position, their reason); the rest is listed, and only what was stored goes to batches', async () => {
    const notCampaigns = [{ position: 3, id: 'bad', reason: 'budget: expected number' }];
    const { outcome, log } = await runSync(
      { list: listing(20, { extra: { 1: { rejected: notCampaigns } } }), upsert: refusing(['c3', 'c17']) },
      { pageSize: 10 },
    );

    const summary = summaryOf(outcome);
    expect(summary).toMatchObject({ pages: 2, listed: 18, inserted: 18, rejected: 3, synced: 18, failed: 0 });
    expect(summary.rejectedRecords).toEqual([
      { page: 1, ...notCampaigns[0] },
      { page: 1, position: null, id: 'c3', reason: 'PostgreSQL refused it (22008): date/time field value out of range (c3)' },
      { page: 2, position: null, id: 'c17', reason: 'PostgreSQL refused it (22008): date/time field value out of range (c17)' },
    ]);
    const sent = log.batchCalls.flatMap((call) => call.campaignIds);
    expect(sent.sort()).toEqual(
      listing(20)(1, 20)
        .campaigns.map((c) => c.id)
        .filter((id) => id !== 'c3' && id !== 'c17')
        .sort(),
    );
  });

  test('a page all refused starts no batch', async () => {
    const { outcome, log } = await runSync({ list: listing(5), upsert: refusing(['c1', 'c2', 'c3', 'c4', 'c5']) });

    expect(summaryOf(outcome)).toMatchObject({ listed: 0, rejected: 5, synced: 0 });
    expect(log.batchCalls).toEqual([]);
  });

  test('an upsert result without `refused` (as recorded histories have) counts every campaign as listed', async () => {
    const { outcome, log } = await runSync({
      list: listing(15),
      upsert: (campaigns) => ({ inserted: campaigns.length - 2, updated: 2, unchanged: 0 }),
    });

    expect(summaryOf(outcome)).toMatchObject({ listed: 15, inserted: 13, updated: 2, rejected: 0, rejectedRecords: [], synced: 15 });
    expect(log.batchCalls.flatMap((call) => call.campaignIds)).toHaveLength(15);
  });
});
