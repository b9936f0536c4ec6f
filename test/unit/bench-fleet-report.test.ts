import { parseBenchOptions } from '../../scripts/bench-fleet-options';
import { clientTimelines, fleetResult, formatResult, platformFigures, type FleetMeasurements } from '../../scripts/bench-fleet-report';
import type { MockAccountStats } from '../../dev-stack/mock-platform-process';

const load = parseBenchOptions(['--clients', '2', '--campaigns', '3', '--limit', '2', '--window-ms', '1000', '--sync-latency-ms', '500'], {
  resultsFile: 'unused',
}).load;

const account = (over: Partial<MockAccountStats>): MockAccountStats => ({
  tokensIssued: 1,
  requests: { auth: { '200': 1 }, list: { '200': 1 }, sync: { '200': 3 } },
  rateLimited: 0,
  maxArrivalsInWindow: 2,
  syncedCampaignIds: ['1', '2', '3'],
  syncCalls: { '1': 1, '2': 1, '3': 1 },
  ...over,
});

/** Two clients of 1 list + 3 syncs each, started at t = 10 s on the database clock, the last finished at 13.5 s. */
const measured: FleetMeasurements = {
  startedAtMs: 10_000,
  cliS: 0.44,
  finished: 2,
  kills: 1,
  outcome: { last_finished: 13.5, completed: 1, failed_runs: 1, rows: 7, distinct_rows: 6, confirmed_rows: 5 },
  platform: [
    account({}),
    account({
      requests: { auth: { '200': 2 }, list: { '200': 1, '503': 1 }, sync: { '200': 3 } },
      rateLimited: 1,
      maxArrivalsInWindow: 3,
      syncedCampaignIds: ['1', '2'],
      syncCalls: { '1': 3, '2': 1 },
    }),
  ],
  clients: [
    { arrivals: [12_100, 10_100, 11_100, 13_100], finishedMs: 13_500 },
    { arrivals: [10_200, 10_300, 11_400, 11_500], finishedMs: 12_000 },
    { arrivals: [], finishedMs: undefined },
  ],
  wrongValues: 1,
  cpuS: { workers: 1.26, temporalServer: 2.04, mock: 0.31, postgres: 0.55 },
  peakRssMb: { worker: 300.4, temporalServer: 150.6 },
  machine: { before: { busy: 100, total: 1000 }, after: { busy: 400, total: 2000 } },
};

describe('the fleet report', () => {
  it('sums the platform’s figures over accounts (auth requests are not counted)', () => {
    expect(platformFigures(measured.platform)).toEqual({
      requests: 4 + 5,
      confirmedByPlatform: 5,
      repeatedSyncCalls: 2,
      window429s: 1,
      mostInAWindow: 3,
    });
  });

  it('times each client from the start, per window, and after its last request', () => {
    // Lateness of request i against request i - limit: client 1 (sorted) 12.1-10.1-1 = 1, 13.1-11.1-1 = 1; client 2: 0.2, 0.2.
    expect(clientTimelines(measured.clients, measured.startedAtMs, load)).toEqual({
      firstRequestS: { min: 0.1, median: 0.2, p90: 0.2, max: 0.2 },
      windowLateS: { min: 0.2, median: 1, p90: 1, max: 1 },
      afterLastRequestS: { min: 0.4, median: 0.5, p90: 0.5, max: 0.5 },
    });
  });

  it('builds the result row: rounded, with the bound and what was lost or duplicated', () => {
    const result = fleetResult(load, measured, { revision: 'abc1234', at: '2026-01-01T00:00:00.000Z' });
    expect(result).toMatchObject({
      revision: 'abc1234',
      load: { ...load, pages: 1, requestsPerClient: 4 },
      wallS: 3.5,
      // 4 requests, 2 per second: the 4th waits 1 window, then the 0.5 s /sync.
      boundS: 1.5,
      ratio: 2.333,
      cliS: 0.4,
      syncs: { finished: 2, completed: 1, failedOrPartial: 1 },
      campaignsExpected: 6,
      lostCampaigns: 1,
      duplicatedRows: 1,
      wrongValues: 1,
      repeatedSyncCallsPerKill: 2,
      campaignsPerS: 1.4,
      cpuS: { workers: 1.3, temporalServer: 2, mock: 0.3, postgres: 0.6 },
      cpuMsPerCampaign: 660,
      peakRssMb: { worker: 300, temporalServer: 151 },
      machineBusyPct: 30,
    });
    expect(fleetResult(load, { ...measured, kills: 0 }, { revision: 'r', at: 'a' }).repeatedSyncCallsPerKill).toBeNull();
  });

  it('prints the row one field a line, in the order of the results file', () => {
    const result = fleetResult(load, measured, { revision: 'abc1234', at: '2026-01-01T00:00:00.000Z' });
    const text = formatResult(result);
    expect(JSON.parse(text)).toEqual(result);
    expect(text.split('\n').slice(0, 4)).toEqual(['{', ' "label": "",', ' "revision": "abc1234",', ' "at": "2026-01-01T00:00:00.000Z",']);
    expect(Object.keys(result).slice(-3)).toEqual(['peakRssMb', 'timeline', 'machineBusyPct']);
  });
});
