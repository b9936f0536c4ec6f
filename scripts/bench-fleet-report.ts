/** The fleet benchmark's figures from what a run measured (pure: the run's numbers in, the result out). */
import type { MockAccountStats, MockApplicationStats } from '../dev-stack/mock-platform-process';
import { BIG_CLIENT_ID, clientLoad, fleetBound, fleetCampaigns, isBigClient, type FleetLoad } from './bench-fleet-options';

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
  clientId: string;
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
  /** The mock's figures by account id (the client's id for the fleet's accounts). */
  platform: Record<string, MockAccountStats>;
  /** The mock's application-wide window: the shared budget's, when the run has one. */
  application: MockApplicationStats;
  clients: ClientRequests[];
  wrongValues: number;
  cpuS: { workers: number; temporalServer: number; mock: number; postgres: number };
  peakRssMb: { worker: number; temporalServer: number };
  machine: { before: { busy: number; total: number }; after: { busy: number; total: number } };
  /** The histories the census read (--census-sample; none when it is 0), after the meters stopped. */
  histories: ClientHistories[];
  /** The Temporal server's counters when the syncs were started and when the last had finished (null: no metrics endpoint known). */
  server: { before: ServerCounters; after: ServerCounters } | null;
  /** Requests the workers could not send within their slot (each took another), from the workers alive at the end. */
  rateSlotsMissed: number;
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
 * is the floor; each client's own limit and window, the big client's its own), and from its last
 * request to the end of its sync. Min, median, 90th percentile and max over the clients, in seconds.
 */
export function clientTimelines(clients: ClientRequests[], startMs: number, load: FleetLoad) {
  const firstRequest: number[] = [],
    windowLate: number[] = [],
    afterLastRequest: number[] = [];
  for (const { clientId, finishedMs, arrivals: unsorted } of clients) {
    const arrivals = [...unsorted].sort((a, b) => a - b);
    if (!arrivals.length) continue;
    firstRequest.push(arrivals[0]! - startMs);
    const { limit, windowMs } = clientLoad(load, clientId);
    for (let i = limit; i < arrivals.length; i++) windowLate.push(arrivals[i]! - arrivals[i - limit]! - windowMs);
    afterLastRequest.push((finishedMs ?? NaN) - arrivals[arrivals.length - 1]!);
  }
  return { firstRequestS: summary(firstRequest), windowLateS: summary(windowLate), afterLastRequestS: summary(afterLastRequest) };
}

/**
 * The mock's account of the run: requests, confirmations, repeated sync calls, 429s (the accounts'
 * windows' and the application's), and the most requests any window saw: the big client's
 * (`bigClientId`, held to its own limit) apart from the other accounts'.
 */
export function platformFigures(stats: Record<string, MockAccountStats>, application: MockApplicationStats, bigClientId?: string) {
  const accounts = Object.values(stats);
  const sum = (f: (s: MockAccountStats) => number) => accounts.reduce((total, s) => total + f(s), 0);
  return {
    requests: sum((s) =>
      Object.entries(s.requests)
        .filter(([endpoint]) => endpoint !== 'auth')
        .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0),
    ),
    confirmedByPlatform: sum((s) => s.syncedCampaignIds.length),
    repeatedSyncCalls: sum((s) => Object.values(s.syncCalls).reduce((n, calls) => n + Math.max(0, calls - 1), 0)),
    window429s: sum((s) => s.rateLimited),
    // The shared budget's window on the platform: like the accounts', its 429s mean the reservations let too many through.
    application429s: application.rateLimited,
    mostInAWindow: Math.max(...Object.entries(stats).flatMap(([id, s]) => (id === bigClientId ? [] : [s.maxArrivalsInWindow]))),
    mostInTheBigClientWindow: bigClientId === undefined ? null : (stats[bigClientId]?.maxArrivalsInWindow ?? 0),
    // Accepted, not arrivals: how full the fleet kept the shared budget (the mock takes no more than its limit).
    mostInTheApplicationWindow: application.maxAcceptedInWindow,
  };
}

/** Each client's sync from the start to its end, ms (a client that never finished has none). */
const finishMs = (clients: ClientRequests[], startMs: number) =>
  clients.flatMap(({ finishedMs }) => (finishedMs === undefined ? [] : [finishedMs - startMs]));

/** The big client against its own bound: its finish from the start (null: it never finished), the ratio, its most in a window. */
function bigClientFigures(m: FleetMeasurements, boundS: number, mostInAWindow: number | null) {
  const finishedMs = m.clients.find((c) => c.clientId === BIG_CLIENT_ID)?.finishedMs;
  const finishS = finishedMs === undefined ? null : (finishedMs - m.startedAtMs) / 1000;
  return {
    finishS: finishS === null ? null : round(finishS, 1),
    boundS,
    ratio: finishS === null ? null : round(finishS / boundS, 3),
    mostInAWindow,
  };
}

/** The result row: what bench-fleet prints and appends to its results file (fleet-table.ts reads it). */
export function fleetResult(load: FleetLoad, m: FleetMeasurements, meta: { revision: string; at: string }) {
  const { pages, requestsPerClient, boundS, boundBy, clientBoundS, bigClient } = fleetBound(load);
  const platform = platformFigures(m.platform, m.application, bigClient ? BIG_CLIENT_ID : undefined);
  const expected = fleetCampaigns(load);
  const smallClients = m.clients.filter((c) => !isBigClient(load, c.clientId));
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
    boundBy,
    ratio: round(wallS / boundS, 3),
    // Each client's sync from the start to its end: how evenly a skewed or shared fleet is served.
    clientFinishS: summary(finishMs(m.clients, m.startedAtMs)),
    // With a big client (--big-campaigns), the small ones apart, to compare with a run without it (null: none).
    smallClientsBoundS: bigClient ? clientBoundS : null,
    smallClientsFinishS: bigClient ? summary(finishMs(smallClients, m.startedAtMs)) : null,
    bigClient: bigClient && bigClientFigures(m, bigClient.boundS, platform.mostInTheBigClientWindow),
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
    application429s: platform.application429s,
    // Against --limit: with a big client, the small clients' (the big one's is bigClient.mostInAWindow, against --big-limit).
    mostInAWindow: platform.mostInAWindow,
    // Against --shared-limit; without one the mock's application window counts against no limit.
    mostInASharedWindow: load.sharedLimit ? platform.mostInTheApplicationWindow : null,
    repeatedSyncCalls: platform.repeatedSyncCalls,
    // Requests not sent because their slot passed first (campaign_sync_rate_slots_missed; a killed worker's are not counted).
    rateSlotsMissed: m.rateSlotsMissed,
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
    census: m.histories.length ? historyCensus(m.histories, load) : null,
    serverWork: m.server ? serverWork(m.server.before, m.server.after, load) : null,
  };
}

export type FleetResult = ReturnType<typeof fleetResult>;

/**
 * As printed: one field a line, so runs compare with diff; the census and the server's work on one
 * line each (formatCensus and formatServerWork print them as tables).
 */
export function formatResult(result: FleetResult): string {
  return JSON.stringify({ ...result, census: 'census', serverWork: 'serverWork' }, null, 1)
    .replace('"census": "census"', `"census": ${JSON.stringify(result.census)}`)
    .replace('"serverWork": "serverWork"', `"serverWork": ${JSON.stringify(result.serverWork)}`);
}

/**
 * One workflow execution's history as the census counts it: its events by key (the event type
 * without `EVENT_TYPE_`, and a marker's name after a colon: `MARKER_RECORDED:core_local_activity`),
 * the retries its activities needed (attempts beyond the first: a history keeps only the last
 * attempt's started event), and the history's encoded size.
 */
export interface ExecutionHistory {
  role: 'sync' | 'batch';
  events: Record<string, number>;
  activityRetries: number;
  bytes: number;
}

/** A client's sync: every run of its sync workflow (continue-as-new included) and of its batch children. */
export interface ClientHistories {
  clientId: string;
  executions: ExecutionHistory[];
}

/** The census's rows: a JSON key, the table's label, and the event keys it counts (`other` takes the rest). */
export const CENSUS_ROWS = [
  ['workflowTasksScheduled', 'workflow tasks scheduled', ['WORKFLOW_TASK_SCHEDULED']],
  ['workflowTasksStarted', 'workflow tasks started', ['WORKFLOW_TASK_STARTED']],
  ['workflowTasksCompleted', 'workflow tasks completed', ['WORKFLOW_TASK_COMPLETED']],
  ['workflowTasksFailed', 'workflow tasks failed or timed out', ['WORKFLOW_TASK_FAILED', 'WORKFLOW_TASK_TIMED_OUT']],
  ['activitiesScheduled', 'activity tasks scheduled', ['ACTIVITY_TASK_SCHEDULED']],
  ['activitiesStarted', 'activity tasks started', ['ACTIVITY_TASK_STARTED']],
  ['activitiesCompleted', 'activity tasks completed', ['ACTIVITY_TASK_COMPLETED']],
  [
    'activitiesFailed',
    'activity tasks failed, timed out or cancelled',
    ['ACTIVITY_TASK_FAILED', 'ACTIVITY_TASK_TIMED_OUT', 'ACTIVITY_TASK_CANCEL_REQUESTED', 'ACTIVITY_TASK_CANCELED'],
  ],
  ['localActivityMarkers', 'local-activity markers', ['MARKER_RECORDED:core_local_activity']],
  ['otherMarkers', 'other markers (patches)', ['MARKER_RECORDED:*']],
  ['timersStarted', 'timers started', ['TIMER_STARTED']],
  ['timersFired', 'timers fired', ['TIMER_FIRED']],
  ['timersCancelled', 'timers cancelled', ['TIMER_CANCELED']],
  ['signals', 'signals received', ['WORKFLOW_EXECUTION_SIGNALED']],
  ['childrenInitiated', 'child workflows initiated', ['START_CHILD_WORKFLOW_EXECUTION_INITIATED']],
  ['childrenStarted', 'child workflows started', ['CHILD_WORKFLOW_EXECUTION_STARTED']],
  ['childrenCompleted', 'child workflows completed', ['CHILD_WORKFLOW_EXECUTION_COMPLETED']],
  [
    'childrenFailed',
    'child workflows failed, cancelled or timed out',
    [
      'START_CHILD_WORKFLOW_EXECUTION_FAILED',
      'CHILD_WORKFLOW_EXECUTION_FAILED',
      'CHILD_WORKFLOW_EXECUTION_CANCELED',
      'CHILD_WORKFLOW_EXECUTION_TIMED_OUT',
      'CHILD_WORKFLOW_EXECUTION_TERMINATED',
    ],
  ],
  ['searchAttributeUpserts', 'search-attribute upserts', ['UPSERT_WORKFLOW_SEARCH_ATTRIBUTES']],
  ['executionsStarted', 'executions started', ['WORKFLOW_EXECUTION_STARTED']],
  ['executionsCompleted', 'executions completed', ['WORKFLOW_EXECUTION_COMPLETED']],
  ['continuedAsNew', 'continued as new', ['WORKFLOW_EXECUTION_CONTINUED_AS_NEW']],
  [
    'executionsFailed',
    'executions failed, cancelled, timed out or terminated',
    ['WORKFLOW_EXECUTION_FAILED', 'WORKFLOW_EXECUTION_CANCELED', 'WORKFLOW_EXECUTION_TIMED_OUT', 'WORKFLOW_EXECUTION_TERMINATED'],
  ],
  ['other', 'other events', []],
] as const;

export type CensusRow = (typeof CENSUS_ROWS)[number][0];
export type CensusCounts = Record<CensusRow | 'events', number>;

/** The census row an event key counts in. */
export function censusRow(eventKey: string): CensusRow {
  const marker = eventKey.startsWith('MARKER_RECORDED:');
  for (const [row, , keys] of CENSUS_ROWS) {
    if ((keys as readonly string[]).includes(eventKey) || (marker && (keys as readonly string[]).includes('MARKER_RECORDED:*'))) return row;
  }
  return 'other';
}

const noCounts = (): CensusCounts =>
  Object.fromEntries([...CENSUS_ROWS.map(([row]) => [row, 0] as const), ['events', 0] as const]) as CensusCounts;

/** Adds one execution's events into counts by census row (and their total). */
function addEvents(into: CensusCounts, events: Record<string, number>): void {
  for (const [key, n] of Object.entries(events)) {
    into[censusRow(key)] += n;
    into.events += n;
  }
}

const scaled = (counts: CensusCounts, by: number, digits: number) =>
  Object.fromEntries(Object.entries(counts).map(([row, n]) => [row, by ? round(n / by, digits) : 0])) as CensusCounts;

/**
 * Which clients the census reads: all of them when the fleet has at most `size`, else `size`
 * drawn at random (`random` in [0, 1), so a test can fix the draw); 0 reads none.
 */
export function censusSample<T>(clients: readonly T[], size: number, random: () => number = Math.random): T[] {
  if (size >= clients.length) return [...clients];
  const pool = [...clients];
  // A partial Fisher–Yates shuffle: the first `size` of the pool are the sample.
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, size);
}

/**
 * The history census: events by row per client (the mean over the clients read, split into the
 * sync workflow's runs and its batches') and per campaign (all of a client's events over its
 * campaigns), workflow tasks (those started) and executions per client and per campaign, and the
 * spread of events per client.
 */
export function historyCensus(clients: ClientHistories[], load: FleetLoad) {
  const sync = noCounts(),
    batch = noCounts(),
    all = noCounts();
  const eventsOfClient: number[] = [];
  let syncRuns = 0,
    batchRuns = 0,
    activityRetries = 0,
    bytes = 0;
  for (const client of clients) {
    let events = 0;
    for (const execution of client.executions) {
      addEvents(execution.role === 'sync' ? sync : batch, execution.events);
      addEvents(all, execution.events);
      if (execution.role === 'sync') syncRuns += 1;
      else batchRuns += 1;
      activityRetries += execution.activityRetries;
      bytes += execution.bytes;
      events += Object.values(execution.events).reduce((a, b) => a + b, 0);
    }
    eventsOfClient.push(events);
  }
  const n = clients.length;
  // The campaigns of the clients read: the big client's own, if it is among them.
  const campaigns = clients.reduce((total, client) => total + clientLoad(load, client.clientId).campaigns, 0);
  return {
    clientsRead: n,
    ofClients: load.clients,
    campaignsPerClient: load.campaigns,
    campaignsRead: campaigns,
    executionsPerClient: { sync: n ? round(syncRuns / n, 2) : 0, batch: n ? round(batchRuns / n, 2) : 0 },
    workflowTasksPerClient: n ? round(all.workflowTasksStarted / n, 2) : 0,
    workflowTasksPerCampaign: campaigns ? round(all.workflowTasksStarted / campaigns, 3) : 0,
    eventsPerClient: { ...spread(eventsOfClient), mean: n ? round(all.events / n, 1) : 0 },
    eventsPerCampaign: campaigns ? round(all.events / campaigns, 3) : 0,
    activityRetriesPerClient: n ? round(activityRetries / n, 2) : 0,
    historyKbPerClient: n ? round(bytes / 1024 / n, 1) : 0,
    perClient: { sync: scaled(sync, n, 2), batches: scaled(batch, n, 2), all: scaled(all, n, 2) },
    perCampaign: scaled(all, campaigns, 3),
  };
}

const spread = (values: number[]) => ({ min: values.length ? Math.min(...values) : 0, max: values.length ? Math.max(...values) : 0 });

export type HistoryCensus = ReturnType<typeof historyCensus>;

/** The census as printed: a Markdown table, a row per kind of event seen (rows all zero are left out). */
export function formatCensus(census: HistoryCensus): string[] {
  const lines = [
    `history census: ${census.clientsRead} of ${census.ofClients} clients read, ${census.campaignsPerClient} campaigns each` +
      (census.campaignsRead === census.clientsRead * census.campaignsPerClient
        ? '; '
        : ` (the big client's among them: ${census.campaignsRead} in all); `) +
      `executions per client ${census.executionsPerClient.sync} sync + ${census.executionsPerClient.batch} batches; ` +
      `workflow tasks ${census.workflowTasksPerClient} per client, ${census.workflowTasksPerCampaign} per campaign; ` +
      `events per client ${census.eventsPerClient.mean} (min ${census.eventsPerClient.min}, max ${census.eventsPerClient.max}); ` +
      `activity retries ${census.activityRetriesPerClient} per client; history ${census.historyKbPerClient} KB per client`,
    '| events | sync workflow / client | batches / client | all / client | per campaign |',
    '|---|---|---|---|---|',
  ];
  const { sync, batches, all } = census.perClient;
  const row = (label: string, key: CensusRow | 'events') =>
    `| ${label} | ${sync[key]} | ${batches[key]} | ${all[key]} | ${census.perCampaign[key]} |`;
  for (const [key, label] of CENSUS_ROWS) if (all[key] > 0) lines.push(row(label, key));
  lines.push(row('all events', 'events'));
  return lines;
}

/** The Temporal server's counters by operation, read from its Prometheus `/metrics`. */
export interface ServerCounters {
  /** gRPC calls to the frontend in the `default` namespace (polls, task completions, heartbeats, signals, starts…). */
  requests: Record<string, number>;
  /** The history service's tasks (transfer, timer, visibility) in the `default` namespace. */
  tasks: Record<string, number>;
  /** Calls to its database (SQLite for the dev server), every namespace. */
  persistence: Record<string, number>;
}

/** `metric`'s samples in a Prometheus text whose labels include `where`, summed by the value of label `by`. */
export function prometheusCounters(text: string, metric: string, by: string, where: Record<string, string> = {}): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const close = line.lastIndexOf('}');
    const labels = Object.fromEntries(
      [...line.slice(metric.length + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    const value = Number(
      line
        .slice(close + 1)
        .trim()
        .split(' ')[0],
    );
    if (!Number.isFinite(value) || Object.entries(where).some(([key, want]) => labels[key] !== want)) continue;
    const key = labels[by] ?? '';
    sums[key] = (sums[key] ?? 0) + value;
  }
  return sums;
}

export const serverCounters = (text: string): ServerCounters => ({
  requests: prometheusCounters(text, 'service_requests', 'operation', { service_name: 'frontend', namespace: 'default' }),
  tasks: prometheusCounters(text, 'task_requests', 'operation', { namespace: 'default' }),
  persistence: prometheusCounters(text, 'persistence_requests', 'operation'),
});

/**
 * The server's work during the run (counters after minus before), in total, per client and per
 * campaign of the whole fleet, each kind's operations most frequent first.
 */
export function serverWork(before: ServerCounters, after: ServerCounters, load: Pick<FleetLoad, 'clients' | 'campaigns' | 'bigCampaigns'>) {
  const campaigns = fleetCampaigns(load);
  const kind = (b: Record<string, number>, a: Record<string, number>) => {
    const byOperation = Object.entries(a)
      .map(([operation, n]) => ({ operation, total: n - (b[operation] ?? 0) }))
      .filter(({ total }) => total > 0)
      .sort((x, y) => y.total - x.total || x.operation.localeCompare(y.operation))
      .map(({ operation, total }) => ({
        operation,
        total,
        perClient: round(total / load.clients, 2),
        perCampaign: round(total / campaigns, 3),
      }));
    const total = byOperation.reduce((sum, op) => sum + op.total, 0);
    return { total, perClient: round(total / load.clients, 2), perCampaign: round(total / campaigns, 3), byOperation };
  };
  return {
    clients: load.clients,
    campaigns,
    requests: kind(before.requests, after.requests),
    tasks: kind(before.tasks, after.tasks),
    persistence: kind(before.persistence, after.persistence),
  };
}

export type ServerWork = ReturnType<typeof serverWork>;

/** The server's work as printed: a table per kind, its `top` operations and the rest summed. */
export function formatServerWork(work: ServerWork, top = 12): string[] {
  const lines: string[] = [];
  const kinds = [
    ['requests', 'frontend requests'],
    ['tasks', 'history tasks'],
    ['persistence', 'persistence requests'],
  ] as const;
  for (const [key, title] of kinds) {
    const kind = work[key];
    lines.push(`| ${title} | total | per client | per campaign |`, '|---|---|---|---|');
    for (const op of kind.byOperation.slice(0, top)) lines.push(`| ${op.operation} | ${op.total} | ${op.perClient} | ${op.perCampaign} |`);
    const rest = kind.byOperation.slice(top);
    if (rest.length) {
      const total = rest.reduce((sum, op) => sum + op.total, 0);
      lines.push(`| ${rest.length} others | ${total} | ${round(total / work.clients, 2)} | ${round(total / work.campaigns, 3)} |`);
    }
    lines.push(`| all | ${kind.total} | ${kind.perClient} | ${kind.perCampaign} |`, '');
  }
  return lines;
}
