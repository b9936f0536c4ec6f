import { BIG_CLIENT_ID, parseBenchOptions } from '../../scripts/bench-fleet-options';
import {
  censusRow,
  censusSample,
  clientTimelines,
  fleetResult,
  formatCensus,
  formatResult,
  formatServerWork,
  historyCensus,
  platformFigures,
  prometheusCounters,
  serverCounters,
  serverWork,
  type ClientHistories,
  type FleetMeasurements,
} from '../../scripts/bench-fleet-report';
import type { MockAccountStats, MockApplicationStats } from '../../dev-stack/mock-platform-process';

const load = parseBenchOptions(['--clients', '2', '--campaigns', '3', '--limit', '2', '--window-ms', '1000', '--sync-latency-ms', '500'], {
  resultsFile: 'unused',
}).load;

const account = (over: Partial<MockAccountStats>): MockAccountStats => ({
  tokensIssued: 1,
  requests: { auth: { '200': 1 }, list: { '200': 1 }, sync: { '200': 3 } },
  rateLimited: 0,
  appRateLimited: 0,
  maxArrivalsInWindow: 2,
  syncedCampaignIds: ['1', '2', '3'],
  syncCalls: { '1': 1, '2': 1, '3': 1 },
  ...over,
});

/** The mock's application window without a shared budget: off, but counting. */
const noApplicationLimit: MockApplicationStats = {
  rateLimit: 0,
  rateWindowMs: 1000,
  maxArrivalsInWindow: 4,
  maxAcceptedInWindow: 4,
  rateLimited: 0,
};

/** Two clients of 1 list + 3 syncs each, started at t = 10 s on the database clock, the last finished at 13.5 s. */
const measured: FleetMeasurements = {
  startedAtMs: 10_000,
  cliS: 0.44,
  finished: 2,
  kills: 1,
  outcome: { last_finished: 13.5, completed: 1, failed_runs: 1, rows: 7, distinct_rows: 6, confirmed_rows: 5 },
  platform: {
    'client-001': account({}),
    'client-002': account({
      requests: { auth: { '200': 2 }, list: { '200': 1, '503': 1 }, sync: { '200': 3 } },
      rateLimited: 1,
      maxArrivalsInWindow: 3,
      syncedCampaignIds: ['1', '2'],
      syncCalls: { '1': 3, '2': 1 },
    }),
  },
  application: noApplicationLimit,
  clients: [
    { clientId: 'client-001', arrivals: [12_100, 10_100, 11_100, 13_100], finishedMs: 13_500 },
    { clientId: 'client-002', arrivals: [10_200, 10_300, 11_400, 11_500], finishedMs: 12_000 },
    { clientId: 'client-003', arrivals: [], finishedMs: undefined },
  ],
  wrongValues: 1,
  cpuS: { workers: 1.26, temporalServer: 2.04, mock: 0.31, postgres: 0.55 },
  peakRssMb: { worker: 300.4, temporalServer: 150.6 },
  machine: { before: { busy: 100, total: 1000 }, after: { busy: 400, total: 2000 } },
  histories: [],
  server: null,
  rateSlotsMissed: 3,
};

describe('the fleet report', () => {
  it('sums the platform’s figures over accounts (auth requests are not counted)', () => {
    expect(platformFigures(measured.platform, measured.application)).toEqual({
      requests: 4 + 5,
      confirmedByPlatform: 5,
      repeatedSyncCalls: 2,
      window429s: 1,
      application429s: 0,
      mostInAWindow: 3,
      mostInTheBigClientWindow: null,
      mostInTheApplicationWindow: 4,
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
      boundBy: 'client',
      ratio: 2.333,
      // Finished 3.5 s and 2 s after the start; the third client never did.
      clientFinishS: { min: 2, median: 3.5, p90: 3.5, max: 3.5 },
      // No big client: no small clients apart.
      smallClientsBoundS: null,
      smallClientsFinishS: null,
      bigClient: null,
      cliS: 0.4,
      syncs: { finished: 2, completed: 1, failedOrPartial: 1 },
      campaignsExpected: 6,
      lostCampaigns: 1,
      duplicatedRows: 1,
      wrongValues: 1,
      window429s: 1,
      application429s: 0,
      mostInAWindow: 3,
      // No shared budget: the application window's count is against no limit.
      mostInASharedWindow: null,
      repeatedSyncCallsPerKill: 2,
      rateSlotsMissed: 3,
      campaignsPerS: 1.4,
      cpuS: { workers: 1.3, temporalServer: 2, mock: 0.3, postgres: 0.6 },
      cpuMsPerCampaign: 660,
      peakRssMb: { worker: 300, temporalServer: 151 },
      machineBusyPct: 30,
    });
    expect(fleetResult(load, { ...measured, kills: 0 }, { revision: 'r', at: 'a' }).repeatedSyncCallsPerKill).toBeNull();
  });

  it('with a shared budget: its bound when later, the application’s 429s and how full its window was', () => {
    const shared = parseBenchOptions(
      [
        '--clients',
        '2',
        '--campaigns',
        '3',
        '--limit',
        '2',
        '--window-ms',
        '1000',
        '--sync-latency-ms',
        '500',
        '--shared-limit',
        '3',
        '--shared-window-ms',
        '2000',
      ],
      { resultsFile: 'unused' },
    ).load;
    const application: MockApplicationStats = {
      rateLimit: 3,
      rateWindowMs: 2000,
      maxArrivalsInWindow: 4,
      maxAcceptedInWindow: 3,
      rateLimited: 1,
    };
    const platform = { ...measured.platform, 'client-002': { ...measured.platform['client-002']!, appRateLimited: 1 } };
    const result = fleetResult(shared, { ...measured, platform, application }, { revision: 'r', at: 'a' });
    expect(result).toMatchObject({
      load: { sharedLimit: 3, sharedWindowMs: 2000 },
      wallS: 3.5,
      // 2 × 4 requests, 3 per 2 s: the 8th waits floor(7 / 3) = 2 windows (4 s), then the 0.5 s /sync; the clients' own say 1.5 s.
      boundS: 4.5,
      boundBy: 'shared',
      ratio: 0.778,
      clientFinishS: { min: 2, median: 3.5, p90: 3.5, max: 3.5 },
      window429s: 1,
      application429s: 1,
      mostInASharedWindow: 3,
    });
    expect(JSON.parse(formatResult(result))).toEqual(result);
  });

  it('with a big client: the small clients apart, and the big one against its own bound and limit', () => {
    // Client 1 has 150 campaigns at 10 per 2 s; clients 2 and 3 are measured's, 3 campaigns at 2 per 1 s.
    const skewed = parseBenchOptions(
      [
        '--clients',
        '3',
        '--campaigns',
        '3',
        '--limit',
        '2',
        '--window-ms',
        '1000',
        '--sync-latency-ms',
        '500',
        '--big-campaigns',
        '150',
        '--big-limit',
        '10',
        '--big-window-ms',
        '2000',
      ],
      { resultsFile: 'unused' },
    ).load;
    const [two, three] = [measured.clients[0]!, measured.clients[1]!];
    // Ten requests 0.1 s apart, the 11th 0.1 s after its window let it: 12.1 - 10 - 2 = 0.1 s late.
    const bigArrivals = [...Array.from({ length: 10 }, (_, i) => 10_000 + i * 100), 12_100];
    const m: FleetMeasurements = {
      ...measured,
      outcome: { ...measured.outcome, last_finished: 50 },
      platform: {
        mixoads: account({ requests: {}, maxArrivalsInWindow: 0 }),
        [BIG_CLIENT_ID]: account({ maxArrivalsInWindow: 10 }),
        'client-002': account({ maxArrivalsInWindow: 2 }),
        'client-003': account({ maxArrivalsInWindow: 3 }),
      },
      clients: [
        { clientId: BIG_CLIENT_ID, arrivals: bigArrivals, finishedMs: 50_000 },
        { ...two, clientId: 'client-002' },
        { ...three, clientId: 'client-003' },
      ],
    };
    const result = fleetResult(skewed, m, { revision: 'r', at: 'a' });
    expect(result).toMatchObject({
      load: { bigCampaigns: 150, bigLimit: 10, bigWindowMs: 2000, pages: 1, requestsPerClient: 4 },
      wallS: 40,
      // The big client's 2 pages + 150 campaigns at 10 per 2 s: the 152nd waits floor(151 / 10) = 15 windows (30 s), then 0.5 s.
      boundS: 30.5,
      boundBy: 'bigClient',
      ratio: 1.311,
      clientFinishS: { min: 2, median: 3.5, p90: 40, max: 40 },
      // The small clients' 4 requests at 2 per 1 s: 1 window, then 0.5 s.
      smallClientsBoundS: 1.5,
      smallClientsFinishS: { min: 2, median: 3.5, p90: 3.5, max: 3.5 },
      bigClient: { finishS: 40, boundS: 30.5, ratio: 1.311, mostInAWindow: 10 },
      campaignsExpected: 2 * 3 + 150,
      // Against --limit 2, the small clients' alone: the big client's 10 is against its own 10.
      mostInAWindow: 3,
      // Each client's lateness against its own window: the big client's 0.1 s, the small ones' 1, 1, 0.2 and 0.2 s.
      timeline: { windowLateS: { min: 0.1, median: 0.2, p90: 1, max: 1 } },
    });
    expect(JSON.parse(formatResult(result))).toEqual(result);
    // A big client that never finished has no finish and no ratio.
    const unfinished = { ...m, clients: [{ ...m.clients[0]!, finishedMs: undefined }, ...m.clients.slice(1)] };
    expect(fleetResult(skewed, unfinished, { revision: 'r', at: 'a' }).bigClient).toEqual({
      finishS: null,
      boundS: 30.5,
      ratio: null,
      mostInAWindow: 10,
    });
    // The census counts the big client's campaigns when it reads its histories; the server's work is per campaign of the fleet.
    const census = historyCensus([{ ...histories[0]!, clientId: BIG_CLIENT_ID }, histories[1]!], skewed);
    expect(census).toMatchObject({ clientsRead: 2, campaignsPerClient: 3, campaignsRead: 153, eventsPerCampaign: 0.425 });
    expect(formatCensus(census)[0]).toMatch(
      /^history census: 2 of 3 clients read, 3 campaigns each \(the big client's among them: 153 in all\); /,
    );
    const counters = serverCounters(metrics(10, 20, 30));
    expect(serverWork(counters, counters, skewed)).toMatchObject({ clients: 3, campaigns: 156 });
  });

  it('prints the row one field a line, in the order of the results file', () => {
    const result = fleetResult(load, measured, { revision: 'abc1234', at: '2026-01-01T00:00:00.000Z' });
    const text = formatResult(result);
    expect(JSON.parse(text)).toEqual(result);
    expect(text.split('\n').slice(0, 4)).toEqual(['{', ' "label": "",', ' "revision": "abc1234",', ' "at": "2026-01-01T00:00:00.000Z",']);
    expect(Object.keys(result).slice(-5)).toEqual(['peakRssMb', 'timeline', 'machineBusyPct', 'census', 'serverWork']);
    const withCensus = fleetResult(load, { ...measured, histories }, { revision: 'abc1234', at: '2026-01-01T00:00:00.000Z' });
    const printed = formatResult(withCensus);
    expect(JSON.parse(printed)).toEqual(withCensus);
    expect(printed.split('\n').at(-3)).toBe(` "census": ${JSON.stringify(withCensus.census)},`);
    expect(printed.split('\n').at(-2)).toBe(' "serverWork": null');
  });
});

/** A workflow task: scheduled, started, completed. */
const task = (n = 1) => ({ WORKFLOW_TASK_SCHEDULED: n, WORKFLOW_TASK_STARTED: n, WORKFLOW_TASK_COMPLETED: n });

/**
 * Two clients of 3 campaigns. Client a: a sync run that continued as new (11 events), the run after
 * it (10), one batch (13): 34. Client b: one sync run (18, an activity retried twice), two batches
 * (8 and 5): 31.
 */
const histories: ClientHistories[] = [
  {
    clientId: 'a',
    executions: [
      {
        role: 'sync',
        events: {
          WORKFLOW_EXECUTION_STARTED: 1,
          ...task(2),
          'MARKER_RECORDED:core_local_activity': 1,
          'MARKER_RECORDED:core_patch': 1,
          UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: 1,
          WORKFLOW_EXECUTION_CONTINUED_AS_NEW: 1,
        },
        activityRetries: 0,
        bytes: 1024,
      },
      {
        role: 'sync',
        events: {
          WORKFLOW_EXECUTION_STARTED: 1,
          ...task(2),
          START_CHILD_WORKFLOW_EXECUTION_INITIATED: 1,
          CHILD_WORKFLOW_EXECUTION_STARTED: 1,
          CHILD_WORKFLOW_EXECUTION_COMPLETED: 1,
        },
        activityRetries: 0,
        bytes: 1024,
      },
      {
        role: 'batch',
        events: {
          WORKFLOW_EXECUTION_STARTED: 1,
          ...task(2),
          ACTIVITY_TASK_SCHEDULED: 1,
          ACTIVITY_TASK_STARTED: 1,
          ACTIVITY_TASK_COMPLETED: 1,
          TIMER_STARTED: 1,
          TIMER_FIRED: 1,
          WORKFLOW_EXECUTION_COMPLETED: 1,
        },
        activityRetries: 0,
        bytes: 2048,
      },
    ],
  },
  {
    clientId: 'b',
    executions: [
      {
        role: 'sync',
        events: {
          WORKFLOW_EXECUTION_STARTED: 1,
          ...task(3),
          WORKFLOW_TASK_TIMED_OUT: 1,
          ACTIVITY_TASK_SCHEDULED: 1,
          ACTIVITY_TASK_STARTED: 1,
          ACTIVITY_TASK_COMPLETED: 1,
          WORKFLOW_EXECUTION_SIGNALED: 3,
          WORKFLOW_PROPERTIES_MODIFIED: 1,
        },
        activityRetries: 2,
        bytes: 3072,
      },
      {
        role: 'batch',
        events: { WORKFLOW_EXECUTION_STARTED: 1, ...task(2), WORKFLOW_EXECUTION_COMPLETED: 1 },
        activityRetries: 0,
        bytes: 512,
      },
      {
        role: 'batch',
        events: { WORKFLOW_EXECUTION_STARTED: 1, ...task(1), WORKFLOW_EXECUTION_COMPLETED: 1 },
        activityRetries: 0,
        bytes: 512,
      },
    ],
  },
];

describe('the history census', () => {
  it.each([
    ['WORKFLOW_TASK_SCHEDULED', 'workflowTasksScheduled'],
    ['WORKFLOW_TASK_FAILED', 'workflowTasksFailed'],
    ['WORKFLOW_TASK_TIMED_OUT', 'workflowTasksFailed'],
    ['ACTIVITY_TASK_TIMED_OUT', 'activitiesFailed'],
    ['MARKER_RECORDED:core_local_activity', 'localActivityMarkers'],
    ['MARKER_RECORDED:core_patch', 'otherMarkers'],
    ['MARKER_RECORDED:', 'otherMarkers'],
    ['TIMER_FIRED', 'timersFired'],
    ['WORKFLOW_EXECUTION_SIGNALED', 'signals'],
    ['CHILD_WORKFLOW_EXECUTION_CANCELED', 'childrenFailed'],
    ['UPSERT_WORKFLOW_SEARCH_ATTRIBUTES', 'searchAttributeUpserts'],
    ['WORKFLOW_EXECUTION_CONTINUED_AS_NEW', 'continuedAsNew'],
    ['WORKFLOW_EXECUTION_TERMINATED', 'executionsFailed'],
    ['WORKFLOW_PROPERTIES_MODIFIED', 'other'],
    ['MARKER_RECORDED:core_local_activity:x', 'otherMarkers'],
  ])('counts %s as %s', (key, row) => {
    expect(censusRow(key)).toBe(row);
  });

  it.each([
    [5, 0, [], undefined],
    [3, 3, [0, 1, 2], undefined],
    [3, 10, [0, 1, 2], undefined],
    // random 0 keeps each position; 0.99 swaps in the last of the pool: [4, 1, 2, 3, 0], then [4, 0, 2, 3, 1].
    [5, 2, [0, 1], () => 0],
    [5, 2, [4, 0], () => 0.99],
  ])('samples %i clients down to %i', (clients: number, size: number, expected: number[], random?: () => number) => {
    expect(censusSample([...Array(clients).keys()], size, random)).toEqual(expected);
  });

  it('draws distinct clients', () => {
    const sample = censusSample([...Array(1000).keys()], 100);
    expect(new Set(sample).size).toBe(100);
  });

  it('counts per client (sync runs and batches apart) and per campaign', () => {
    const census = historyCensus(histories, { ...load, clients: 10 });
    // Events: 34 + 31 = 65 over 2 clients and 6 campaigns.
    expect(census).toMatchObject({
      clientsRead: 2,
      ofClients: 10,
      campaignsPerClient: 3,
      executionsPerClient: { sync: 1.5, batch: 1.5 },
      // Started tasks: a 2 + 2 + 2, b 3 + 2 + 1: 12.
      workflowTasksPerClient: 6,
      workflowTasksPerCampaign: 2,
      eventsPerClient: { min: 31, max: 34, mean: 32.5 },
      eventsPerCampaign: 10.833,
      activityRetriesPerClient: 1,
      historyKbPerClient: 4,
    });
    expect(census.perClient.sync).toMatchObject({
      workflowTasksScheduled: 3.5,
      workflowTasksFailed: 0.5,
      localActivityMarkers: 0.5,
      otherMarkers: 0.5,
      signals: 1.5,
      childrenInitiated: 0.5,
      searchAttributeUpserts: 0.5,
      continuedAsNew: 0.5,
      executionsStarted: 1.5,
      other: 0.5,
      events: 19.5,
    });
    expect(census.perClient.batches).toMatchObject({ workflowTasksCompleted: 2.5, timersStarted: 0.5, activitiesStarted: 0.5, events: 13 });
    expect(census.perClient.all).toMatchObject({
      workflowTasksStarted: 6,
      activitiesScheduled: 1,
      executionsCompleted: 1.5,
      events: 32.5,
    });
    expect(census.perCampaign).toMatchObject({ workflowTasksStarted: 2, signals: 0.5, timersFired: 0.167, events: 10.833 });
    // Every row sums into `events`.
    const { events, ...rows } = census.perClient.all;
    expect(Object.values(rows).reduce((a, b) => a + b, 0)).toBeCloseTo(events);
  });

  it('reads nothing as zeros, and the result row has no census then', () => {
    expect(historyCensus([], { ...load, clients: 10 })).toMatchObject({
      clientsRead: 0,
      workflowTasksPerClient: 0,
      eventsPerCampaign: 0,
    });
    expect(fleetResult(load, measured, { revision: 'r', at: 'a' }).census).toBeNull();
    expect(fleetResult(load, { ...measured, histories }, { revision: 'r', at: 'a' }).census).toEqual(historyCensus(histories, load));
  });

  it('prints a table with a row per kind of event seen', () => {
    const lines = formatCensus(historyCensus(histories, { ...load, clients: 10 }));
    expect(lines[0]).toBe(
      'history census: 2 of 10 clients read, 3 campaigns each; executions per client 1.5 sync + 1.5 batches; ' +
        'workflow tasks 6 per client, 2 per campaign; events per client 32.5 (min 31, max 34); ' +
        'activity retries 1 per client; history 4 KB per client',
    );
    expect(lines.slice(1, 4)).toEqual([
      '| events | sync workflow / client | batches / client | all / client | per campaign |',
      '|---|---|---|---|---|',
      '| workflow tasks scheduled | 3.5 | 2.5 | 6 | 2 |',
    ]);
    expect(lines).toContain('| signals received | 1.5 | 0 | 1.5 | 0.5 |');
    expect(lines.some((l) => l.startsWith('| timers cancelled'))).toBe(false);
    expect(lines.at(-1)).toBe('| all events | 19.5 | 13 | 32.5 | 10.833 |');
  });
});

/** A dev server's /metrics, before and after a run of 2 clients × 3 campaigns. */
const metrics = (polls: number, heartbeats: number, appends: number) => `# HELP service_requests service_requests counter
# TYPE service_requests counter
service_requests{namespace="default",operation="PollWorkflowTaskQueue",service_name="frontend"} ${polls}
service_requests{namespace="default",operation="PollWorkflowTaskQueue",service_name="matching"} 1000
service_requests{namespace="default",operation="RecordActivityTaskHeartbeat",service_name="frontend"} ${heartbeats}
service_requests{namespace="temporal_system",operation="PollWorkflowTaskQueue",service_name="frontend"} 500
task_requests{namespace="default",operation="TimerActiveTaskUserTimer",service_name="history",task_priority="high",task_type="TimerActiveTaskUserTimer"} 4
persistence_requests{namespace="default",operation="AppendHistoryNodes",service_name="history"} ${appends}
persistence_requests{namespace="system",operation="AppendHistoryNodes",service_name="history"} 1
persistence_requests{namespace="system",operation="GetTimerTasks",service_name="history"} 7
persistence_latency_bucket{namespace="default",operation="AppendHistoryNodes",le="0.001"} 99
`;

describe('the server’s work', () => {
  it('sums a counter by a label, over the samples that match', () => {
    const text = metrics(10, 20, 30);
    expect(prometheusCounters(text, 'service_requests', 'operation', { service_name: 'frontend' })).toEqual({
      PollWorkflowTaskQueue: 510,
      RecordActivityTaskHeartbeat: 20,
    });
    expect(prometheusCounters(text, 'persistence_requests', 'namespace')).toEqual({ default: 30, system: 8 });
    expect(prometheusCounters(text, 'persistence_latency', 'operation')).toEqual({});
    expect(
      prometheusCounters('service_requests{operation="a\\"b"} 2\nservice_requests{operation="c"} NaN', 'service_requests', 'operation'),
    ).toEqual({ 'a\\"b': 2 });
    expect(serverCounters(text)).toEqual({
      requests: { PollWorkflowTaskQueue: 10, RecordActivityTaskHeartbeat: 20 },
      tasks: { TimerActiveTaskUserTimer: 4 },
      persistence: { AppendHistoryNodes: 31, GetTimerTasks: 7 },
    });
  });

  it('counts what the run added, per client and per campaign of the fleet, most frequent first', () => {
    // Heartbeats 20 → 32 (12), polls 10 → 13 (3); appends 31 → 91 (60); a counter first seen after the start counts whole.
    const before = serverCounters(metrics(10, 20, 30));
    const after = { ...serverCounters(metrics(13, 32, 90)), tasks: { TimerActiveTaskUserTimer: 4, TransferActiveTaskActivity: 6 } };
    const work = serverWork(before, after, load);
    expect(work).toEqual({
      clients: 2,
      campaigns: 6,
      requests: {
        total: 15,
        perClient: 7.5,
        perCampaign: 2.5,
        byOperation: [
          { operation: 'RecordActivityTaskHeartbeat', total: 12, perClient: 6, perCampaign: 2 },
          { operation: 'PollWorkflowTaskQueue', total: 3, perClient: 1.5, perCampaign: 0.5 },
        ],
      },
      tasks: {
        total: 6,
        perClient: 3,
        perCampaign: 1,
        byOperation: [{ operation: 'TransferActiveTaskActivity', total: 6, perClient: 3, perCampaign: 1 }],
      },
      persistence: {
        total: 60,
        perClient: 30,
        perCampaign: 10,
        byOperation: [{ operation: 'AppendHistoryNodes', total: 60, perClient: 30, perCampaign: 10 }],
      },
    });
    expect(fleetResult(load, { ...measured, server: { before, after } }, { revision: 'r', at: 'a' }).serverWork).toEqual(
      serverWork(before, after, load),
    );
  });

  it('prints a table per kind, the operations past the top summed', () => {
    const before = serverCounters(metrics(10, 20, 30));
    const after = serverCounters(metrics(13, 32, 90));
    const lines = formatServerWork(serverWork(before, after, load), 1);
    expect(lines.slice(0, 6)).toEqual([
      '| frontend requests | total | per client | per campaign |',
      '|---|---|---|---|',
      '| RecordActivityTaskHeartbeat | 12 | 6 | 2 |',
      '| 1 others | 3 | 1.5 | 0.5 |',
      '| all | 15 | 7.5 | 2.5 |',
      '',
    ]);
    expect(lines).toContain('| all | 0 | 0 | 0 |');
  });
});
