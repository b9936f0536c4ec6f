/** The fleet benchmark's figures from what a run measured (pure: the run's numbers in, the result out). */
import type { MockAccountStats } from '../dev-stack/mock-platform-process';
import { fleetBound, type FleetLoad } from './bench-fleet-options';

/** What the syncs left in PostgreSQL: when the last finished, how they ended, and the campaign rows. */
export interface StoredOutcome {
  last_finished: number;
  completed: number;
  failed_runs: number;
  rows: number;
  distinct_rows: number;
  confirmed_rows: number;
}

/** One client's requests as the platform saw them (auth excluded), and when its sync finished (ms). */
export interface ClientRequests {
  arrivals: number[];
  finishedMs: number | undefined;
}

/** Everything a run measured, unrounded. */
export interface FleetMeasurements {
  /** The database's clock when the syncs were started, ms. */
  startedAtMs: number;
  cliS: number;
  finished: number;
  kills: number;
  outcome: StoredOutcome;
  platform: MockAccountStats[];
  clients: ClientRequests[];
  wrongValues: number;
  cpuS: { workers: number; temporalServer: number; mock: number; postgres: number };
  peakRssMb: { worker: number; temporalServer: number };
  machine: { before: { busy: number; total: number }; after: { busy: number; total: number } };
}

export const round = (value: number, digits: number) => Number(value.toFixed(digits));

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
};

const summary = (values: number[]) => ({
  min: round(quantile(values, 0) / 1000, 3),
  median: round(quantile(values, 0.5) / 1000, 2),
  p90: round(quantile(values, 0.9) / 1000, 2),
  max: round(quantile(values, 1) / 1000, 3),
});

/**
 * Where a client's time goes, as the platform saw it: from the start to its first request, the
 * lateness of each rate window (request i + limit after request i, minus the window: the margin
 * is the floor), and from its last request to the end of its sync. Min, median, 90th percentile
 * and max over the clients, in seconds.
 */
export function clientTimelines(clients: ClientRequests[], startMs: number, load: Pick<FleetLoad, 'limit' | 'windowMs'>) {
  const firstRequest: number[] = [],
    windowLate: number[] = [],
    afterLastRequest: number[] = [];
  for (const { finishedMs, arrivals: unsorted } of clients) {
    const arrivals = [...unsorted].sort((a, b) => a - b);
    if (!arrivals.length) continue;
    firstRequest.push(arrivals[0]! - startMs);
    for (let i = load.limit; i < arrivals.length; i++) windowLate.push(arrivals[i]! - arrivals[i - load.limit]! - load.windowMs);
    afterLastRequest.push((finishedMs ?? NaN) - arrivals[arrivals.length - 1]!);
  }
  return { firstRequestS: summary(firstRequest), windowLateS: summary(windowLate), afterLastRequestS: summary(afterLastRequest) };
}

/** The mock's account of the run: requests, confirmations, repeated sync calls, 429s. */
export function platformFigures(stats: MockAccountStats[]) {
  const sum = (f: (s: MockAccountStats) => number) => stats.reduce((total, s) => total + f(s), 0);
  return {
    requests: sum((s) =>
      Object.entries(s.requests)
        .filter(([endpoint]) => endpoint !== 'auth')
        .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0),
    ),
    confirmedByPlatform: sum((s) => s.syncedCampaignIds.length),
    repeatedSyncCalls: sum((s) => Object.values(s.syncCalls).reduce((n, calls) => n + Math.max(0, calls - 1), 0)),
    window429s: sum((s) => s.rateLimited),
    mostInAWindow: Math.max(...stats.map((s) => s.maxArrivalsInWindow)),
  };
}

/** The result row: what bench-fleet prints and appends to its results file (fleet-table.ts reads it). */
export function fleetResult(load: FleetLoad, m: FleetMeasurements, meta: { revision: string; at: string }) {
  const { pages, requestsPerClient, boundS } = fleetBound(load);
  const platform = platformFigures(m.platform);
  const expected = load.clients * load.campaigns;
  const wallS = m.outcome.last_finished - m.startedAtMs / 1000;
  const campaignsCpu = m.cpuS.workers + m.cpuS.temporalServer;
  const { before, after } = m.machine;
  return {
    label: load.label,
    revision: meta.revision,
    at: meta.at,
    load: { ...load, pages, requestsPerClient },
    wallS: round(wallS, 1),
    boundS,
    ratio: round(wallS / boundS, 3),
    cliS: round(m.cliS, 1),
    syncs: { finished: m.finished, completed: m.outcome.completed, failedOrPartial: m.outcome.failed_runs },
    campaignsExpected: expected,
    rows: m.outcome.rows,
    distinctRows: m.outcome.distinct_rows,
    confirmedRows: m.outcome.confirmed_rows,
    lostCampaigns: expected - m.outcome.confirmed_rows,
    duplicatedRows: m.outcome.rows - m.outcome.distinct_rows,
    wrongValues: m.wrongValues,
    confirmedByPlatform: platform.confirmedByPlatform,
    requests: platform.requests,
    window429s: platform.window429s,
    mostInAWindow: platform.mostInAWindow,
    repeatedSyncCalls: platform.repeatedSyncCalls,
    kills: m.kills,
    repeatedSyncCallsPerKill: m.kills ? round(platform.repeatedSyncCalls / m.kills, 2) : null,
    campaignsPerS: round(platform.confirmedByPlatform / wallS, 1),
    cpuS: {
      workers: round(m.cpuS.workers, 1),
      temporalServer: round(m.cpuS.temporalServer, 1),
      mock: round(m.cpuS.mock, 1),
      postgres: round(m.cpuS.postgres, 1),
    },
    cpuMsPerCampaign: round((campaignsCpu * 1000) / Math.max(1, platform.confirmedByPlatform), 2),
    peakRssMb: { worker: round(m.peakRssMb.worker, 0), temporalServer: round(m.peakRssMb.temporalServer, 0) },
    timeline: clientTimelines(m.clients, m.startedAtMs, load),
    machineBusyPct: round(((after.busy - before.busy) / (after.total - before.total)) * 100, 0),
  };
}

export type FleetResult = ReturnType<typeof fleetResult>;

/** As printed: one field a line, so runs compare with diff. */
export const formatResult = (result: FleetResult) => JSON.stringify(result, null, 1);
