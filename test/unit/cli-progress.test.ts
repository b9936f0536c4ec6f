import { withLiveCount } from '../../src/cli/progress';
import type { SyncProgress } from '../../src/contract/sync';
import { NO_COUNTS } from '../../src/contract/sync-counts';

const progress = (synced: number, confirmedRun: string | undefined): SyncProgress => ({
  ...NO_COUNTS,
  synced,
  clientId: 'acme',
  state: 'listing',
  waitingFor: 'page 2',
  total: 100,
  batchesInFlight: 1,
  confirmedRun,
});

test.each`
  case                                                         | synced | confirmedRun | confirmed    | shown
  ${'the database is ahead of finished batch calls'}           | ${10}  | ${'run-1'}   | ${37}        | ${37}
  ${'a batch ended between the two reads: the larger count'}   | ${40}  | ${'run-1'}   | ${37}        | ${40}
  ${'the database could not be read'}                          | ${10}  | ${'run-1'}   | ${undefined} | ${10}
  ${'a retry: its run confirms for another, so its own count'} | ${10}  | ${undefined} | ${95}        | ${10}
`('$case: synced $shown', ({ synced, confirmedRun, confirmed, shown }) => {
  expect(withLiveCount(progress(synced, confirmedRun), confirmed).synced).toBe(shown);
});
