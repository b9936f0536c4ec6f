/**
 * One fleet benchmark run on the real parts, each its own process (the Temporal dev server or
 * server, PostgreSQL, the mock platform with one account per client, N worker processes, the
 * CLI): it starts them, syncs every client, and returns what it measured, unrounded.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal as temporal_api } from '@temporalio/proto';
import { generatedAccountCredentials } from '../mock-api/accounts';
import { childPids, machineTicks, PartMeter, pidsNamed } from './process-meter';
import { testDatabase, type TestDatabase } from '../dev-stack/databases';
import { withLifecycle, type Lifecycle } from '../dev-stack/lifecycle';
import { describeFullestWindow, startMockProcess, type MockProcess } from '../dev-stack/mock-platform-process';
import { startWorkerProcess, type WorkerProcess } from '../dev-stack/worker-process';
import { startThrowawayDevServer } from '../dev-stack/temporal-dev-server';
import { postgresServerOf, startTemporalServer } from '../dev-stack/temporal-server';
import { BUILT } from '../dev-stack/built';
import { freePort } from '../dev-stack/processes';
import { METRIC_NAMES } from '../src/metrics';
import { saveSharedBudget } from '../src/db/shared-budgets';
import { clientLoad, fleetBound, type FleetLoad } from './bench-fleet-options';
import {
  censusSample,
  prometheusCounters,
  serverCounters,
  type ClientHistories,
  type ClientRequests,
  type ExecutionHistory,
  type FleetMeasurements,
  type StoredOutcome,
} from './bench-fleet-report';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The shared budget every client of the fleet names (--shared-limit). */
const SHARED_BUDGET_ID = 'fleet';

/**
 * The fleet's clients as a user registers them: credentials in a secrets file, by reference, each
 * with its own limit and window (the big client's its own, --big-limit and --big-window-ms); with
 * --shared-limit, all naming one shared budget.
 */
async function registerClients(load: FleetLoad, database: TestDatabase, mockUrl: string, work: string) {
  const secrets: Record<string, { email: string; password: string; host: string }> = {};
  const ids: string[] = [];
  const { host } = new URL(mockUrl);
  for (let i = 1; i <= load.clients; i++) {
    const account = generatedAccountCredentials(i);
    secrets[account.id] = { email: account.email, password: account.password, host };
    ids.push(account.id);
  }
  const secretsFile = join(work, 'secrets.json');
  writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
  const sharedBudgetId = load.sharedLimit ? SHARED_BUDGET_ID : null;
  if (sharedBudgetId)
    await saveSharedBudget(database.pool, { id: sharedBudgetId, rateLimit: load.sharedLimit, rateWindowMs: load.sharedWindowMs });
  const rates = ids.map((id) => clientLoad(load, id));
  await database.pool.query(
    `INSERT INTO clients (id, name, api_base_url, credentials_ref, rate_limit, rate_window_ms, shared_budget_id)
     SELECT id, id, $2, id, rate_limit, rate_window_ms, $5
     FROM unnest($1::text[], $3::int[], $4::int[]) AS client(id, rate_limit, rate_window_ms)`,
    [ids, mockUrl, rates.map((r) => r.limit), rates.map((r) => r.windowMs), sharedBudgetId],
  );
  return { ids, secretsFile };
}

async function databaseNowMs(database: TestDatabase): Promise<number> {
  const { rows } = await database.pool.query<{ at: number }>('SELECT extract(epoch FROM clock_timestamp())::float8 AS at');
  return rows[0]!.at * 1000;
}

async function finishedSyncs(database: TestDatabase): Promise<number> {
  const { rows } = await database.pool.query<{ finished: number }>(
    `SELECT count(*) FILTER (WHERE status <> 'running')::int AS finished FROM sync_runs`,
  );
  return rows[0]!.finished;
}

async function storedOutcome(database: TestDatabase): Promise<StoredOutcome> {
  const { rows } = await database.pool.query<StoredOutcome>(
    `SELECT (SELECT extract(epoch FROM max(finished_at))::float8 FROM sync_runs) AS last_finished,
            (SELECT count(*) FILTER (WHERE status = 'completed' AND failed = 0)::int FROM sync_runs) AS completed,
            (SELECT count(*) FILTER (WHERE status <> 'completed' OR failed > 0)::int FROM sync_runs) AS failed_runs,
            (SELECT count(*)::int FROM campaigns) AS rows,
            (SELECT count(DISTINCT (client_id, campaign_id))::int FROM campaigns) AS distinct_rows,
            (SELECT count(*)::int FROM campaigns WHERE platform_synced_at IS NOT NULL) AS confirmed_rows`,
  );
  return rows[0]!;
}

/** Every client's sync at once, through the CLI, as a user starts a fleet. */
async function syncAllThroughCli(env: Record<string, string>): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const cli = spawn(process.execPath, [BUILT.cli, 'sync', '--all'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    cli.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`campaign-sync sync --all exited ${code}: ${stderr.trim()}`))));
  });
}

/**
 * Waits until every sync has finished, sampling the meters; with --kill-every-s, SIGKILLs the
 * oldest worker and starts a replacement every S seconds. Returns the finished syncs and the kills.
 */
async function waitForFleet(
  load: FleetLoad,
  database: TestDatabase,
  workers: WorkerProcess[],
  startWorker: () => Promise<unknown>,
  meters: PartMeter[],
) {
  let kills = 0;
  let nextKillAt = load.killEveryS ? Date.now() + load.killEveryS * 1000 : Infinity;
  const deadline = Date.now() + Math.max(30 * 60_000, fleetBound(load).boundS * 10_000);
  for (;;) {
    meters.forEach((m) => m.sample());
    const finished = await finishedSyncs(database);
    if (finished >= load.clients) return { finished, kills };
    if (Date.now() > deadline) throw new Error(`only ${finished} of ${load.clients} syncs finished before the deadline`);
    if (Date.now() >= nextKillAt) {
      const victim = workers.shift()!;
      await victim.stop('SIGKILL');
      kills += 1;
      await startWorker();
      nextKillAt += load.killEveryS * 1000;
    }
    await sleep(500);
  }
}

/** Each client's requests as the platform saw them, and when its sync finished; a window over the client's limit is printed. */
async function clientRequests(mock: MockProcess, database: TestDatabase, load: FleetLoad, ids: string[]): Promise<ClientRequests[]> {
  const { rows } = await database.pool.query<{ client_id: string; finished_ms: number }>(
    'SELECT client_id, extract(epoch FROM finished_at)::float8 * 1000 AS finished_ms FROM sync_runs',
  );
  const finished = new Map(rows.map((r) => [r.client_id, r.finished_ms]));
  const clients: ClientRequests[] = [];
  for (const id of ids) {
    const requests = await mock.requests(id);
    const { limit, windowMs } = clientLoad(load, id);
    const fullest = describeFullestWindow(requests, windowMs);
    if (fullest.count > limit) console.error(`${id} went over its limit of ${limit}: ${fullest.line}`);
    const arrivals = requests.filter((r) => r.endpoint !== 'auth').map((r) => r.at);
    clients.push({ clientId: id, arrivals, finishedMs: finished.get(id) });
  }
  return clients;
}

/** Campaigns of the platform whose stored record differs from the platform's (or is missing). */
async function countWrongValues(mock: MockProcess, database: TestDatabase, ids: string[]): Promise<number> {
  const { rows } = await database.pool.query<{ client_id: string; campaign_id: string; platform_record: Record<string, unknown> }>(
    'SELECT client_id, campaign_id, platform_record FROM campaigns',
  );
  const stored = new Map(rows.map((r) => [`${r.client_id}/${r.campaign_id}`, r.platform_record]));
  let wrong = 0;
  for (const id of ids) {
    for (const truth of await mock.campaigns(id)) {
      const record = stored.get(`${id}/${String(truth.id)}`);
      if (!record || Object.entries(truth).some(([key, value]) => record[key] !== value)) wrong += 1;
    }
  }
  return wrong;
}

/** The Temporal server's counters now, or undefined when it has no known metrics endpoint. */
async function readServerCounters(metricsUrl: string | undefined) {
  if (!metricsUrl) return undefined;
  const response = await fetch(metricsUrl);
  if (!response.ok) throw new Error(`${metricsUrl} answered ${response.status}`);
  return serverCounters(await response.text());
}

/** The slots the workers missed, summed over every client, from each worker's Prometheus `/metrics`. */
async function readSlotsMissed(workers: WorkerProcess[]): Promise<number> {
  let missed = 0;
  for (const { metricsUrl } of workers) {
    const response = await fetch(metricsUrl!);
    if (!response.ok) throw new Error(`${metricsUrl} answered ${response.status}`);
    missed += Object.values(prometheusCounters(await response.text(), METRIC_NAMES.rateSlotsMissed, 'client')).reduce((a, b) => a + b, 0);
  }
  return missed;
}

type HistoryEvent = temporal_api.api.history.v1.IHistoryEvent;

const eventTypeName = (event: HistoryEvent) => String(temporal_api.api.enums.v1.EventType[event.eventType ?? 0]).replace('EVENT_TYPE_', '');

/** A history as the census counts it, with the run it continued as and the children it started. */
function countHistory(role: ExecutionHistory['role'], history: temporal_api.api.history.v1.IHistory) {
  const events: Record<string, number> = {};
  let activityRetries = 0;
  let continuedAs: string | undefined;
  const children: { workflowId: string; runId: string }[] = [];
  for (const event of history.events ?? []) {
    const type = eventTypeName(event);
    const key = type === 'MARKER_RECORDED' ? `${type}:${event.markerRecordedEventAttributes?.markerName ?? ''}` : type;
    events[key] = (events[key] ?? 0) + 1;
    activityRetries += Math.max(0, (event.activityTaskStartedEventAttributes?.attempt ?? 1) - 1);
    continuedAs = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? continuedAs;
    const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (child?.workflowId && child.runId) children.push({ workflowId: child.workflowId, runId: child.runId });
  }
  const bytes = temporal_api.api.history.v1.History.encode(history).finish().length;
  const execution: ExecutionHistory = { role, events, activityRetries, bytes };
  return { execution, continuedAs, children };
}

/** Every run of one workflow from `runId` on (continue-as-new followed), and the children they started. */
async function readRuns(temporal: Client, role: ExecutionHistory['role'], workflowId: string, runId: string) {
  const executions: ExecutionHistory[] = [];
  const children: { workflowId: string; runId: string }[] = [];
  for (let run: string | undefined = runId; run;) {
    const counted = countHistory(role, await temporal.workflow.getHandle(workflowId, run).fetchHistory());
    executions.push(counted.execution);
    children.push(...counted.children);
    run = counted.continuedAs;
  }
  return { executions, children };
}

/**
 * The history census's reading (--census-sample): the histories of every run of the sampled
 * clients' sync workflows and of every batch child they started, 8 clients at a time.
 */
async function readHistories(address: string, database: TestDatabase, sampleSize: number): Promise<ClientHistories[]> {
  if (sampleSize === 0) return [];
  const { rows } = await database.pool.query<{ client_id: string; workflow_id: string; run_id: string }>(
    'SELECT client_id, workflow_id, run_id FROM sync_runs ORDER BY client_id, started_at',
  );
  const syncsOf = new Map<string, { workflowId: string; runId: string }[]>();
  for (const r of rows) syncsOf.set(r.client_id, [...(syncsOf.get(r.client_id) ?? []), { workflowId: r.workflow_id, runId: r.run_id }]);
  const sampled = censusSample([...syncsOf.keys()], sampleSize);
  const connection = await Connection.connect({ address });
  try {
    const temporal = new Client({ connection, namespace: 'default' });
    const readClient = async (clientId: string): Promise<ClientHistories> => {
      const executions: ExecutionHistory[] = [];
      for (const sync of syncsOf.get(clientId) ?? []) {
        const parent = await readRuns(temporal, 'sync', sync.workflowId, sync.runId);
        executions.push(...parent.executions);
        for (const child of parent.children)
          executions.push(...(await readRuns(temporal, 'batch', child.workflowId, child.runId)).executions);
      }
      return { clientId, executions };
    };
    const read: ClientHistories[] = [];
    for (let i = 0; i < sampled.length; i += 8) read.push(...(await Promise.all(sampled.slice(i, i + 8).map(readClient))));
    return read;
  } finally {
    await connection.close();
  }
}

/** --explain: the event timeline of the client that finished last (parent and first batch), for finding where time goes. */
async function explainSlowest(address: string, database: TestDatabase, startMs: number): Promise<string[]> {
  const { rows } = await database.pool.query<{ workflow_id: string; run_id: string }>(
    'SELECT workflow_id, run_id FROM sync_runs ORDER BY finished_at DESC LIMIT 1',
  );
  const lines: string[] = [];
  const connection = await Connection.connect({ address });
  try {
    const temporal = new Client({ connection, namespace: 'default' });
    const show = async (workflowId: string, runId?: string) => {
      const history = await temporal.workflow.getHandle(workflowId, runId).fetchHistory();
      lines.push(`--- ${workflowId}`);
      for (const event of history.events ?? []) {
        const at = Number(event.eventTime?.seconds ?? 0) * 1000 + Math.round((event.eventTime?.nanos ?? 0) / 1e6);
        const type = eventTypeName(event);
        const upserted = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
        const activity =
          event.activityTaskScheduledEventAttributes?.activityType?.name ??
          event.markerRecordedEventAttributes?.markerName ??
          (upserted ? Object.keys(upserted).join(', ') : '');
        lines.push(`${((at - startMs) / 1000).toFixed(3).padStart(8)} s  ${type} ${activity}`);
      }
    };
    const parent = rows[0]!;
    await show(parent.workflow_id);
    for await (const child of temporal.workflow.list({ query: `WorkflowId STARTS_WITH '${parent.workflow_id}/'` })) {
      await show(child.workflowId, child.runId);
      break;
    }
  } finally {
    await connection.close();
  }
  return lines;
}

/** The meters of the fleet's parts, and the machine's ticks when they started. */
function startMeters(workers: WorkerProcess[], server: { process: { child: { pid?: number } } }, mock: MockProcess) {
  const pidsUnder = (pid: number | undefined) => (pid ? childPids(pid) : []);
  const meters = {
    workers: new PartMeter(() => workers.flatMap((w) => pidsUnder(w.child.pid))),
    temporalServer: new PartMeter(() => pidsUnder(server.process.child.pid)),
    mock: new PartMeter(() => pidsUnder(mock.process.child.pid)),
    postgres: new PartMeter(() => pidsNamed('postgres')),
  };
  const all = Object.values(meters);
  all.forEach((m) => m.startBaseline());
  return { ...meters, all, machineBefore: machineTicks() };
}

/** The fleet's parts; each stops with the lifecycle, and a part that fails to start stops those before it. */
async function startParts(lifecycle: Lifecycle, load: FleetLoad) {
  const work = mkdtempSync(join(tmpdir(), 'campaign-sync-bench-'));
  lifecycle.onStop(async () => rmSync(work, { recursive: true, force: true }));
  const [database, mock] = await lifecycle.startTogether(
    () => testDatabase('reachable'),
    () =>
      startMockProcess({
        generatedAccounts: load.clients,
        campaignsPerAccount: load.campaigns,
        rateLimit: load.limit,
        rateWindowMs: load.windowMs,
        // Client 1's account is the big one (0 campaigns: none); its limit and window are its own.
        bigAccountCampaigns: load.bigCampaigns,
        bigAccountRateLimit: load.bigLimit,
        bigAccountRateWindowMs: load.bigWindowMs,
        // The platform's limit above the account is the shared budget (0: off, as the budget is then none).
        appRateLimit: load.sharedLimit,
        appRateWindowMs: load.sharedWindowMs,
        syncLatencyMs: load.syncLatencyMs,
        rate503: load.faults ? 0.1 : 0,
        hangRate: load.faults ? 0.05 : 0,
      }),
  );
  const devServer = await lifecycle.start(() =>
    load.temporal === 'server' ? startTemporalServer(postgresServerOf(database.connectionString)) : startThrowawayDevServer(),
  );
  const workers: WorkerProcess[] = [];
  // Workers come and go (--kill-every-s): whichever are running at the end stop first.
  lifecycle.onStop(() => Promise.allSettled(workers.map((w) => w.stop('SIGKILL'))));
  return { work, database, mock, devServer, workers };
}

/** Starts the parts, syncs the fleet, and measures it; the parts are stopped however it ends. */
export async function runFleet(
  load: FleetLoad,
  { explain, censusSample: sampleSize }: { explain: boolean; censusSample: number },
): Promise<{ measured: FleetMeasurements; explanation: string[] }> {
  return withLifecycle(async (lifecycle) => {
    const { work, database, mock, devServer, workers } = await startParts(lifecycle, load);
    const { ids, secretsFile } = await registerClients(load, database, mock.url, work);
    const env = {
      DATABASE_URL: database.connectionString,
      TEMPORAL_ADDRESS: devServer.address,
      TEMPORAL_TASK_QUEUE: 'campaign-sync-bench',
      CAMPAIGN_SYNC_SECRETS_FILE: secretsFile,
      PLATFORM_HEADERS_TIMEOUT_MS: '5000',
      PLATFORM_BODY_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'info',
      ...load.workerEnv,
    };
    // Each worker serves its metrics, read at the end for the slots it missed.
    const startWorker = async () => workers.push(await startWorkerProcess({ ...env, WORKER_METRICS_PORT: String(await freePort()) }));
    for (let i = 0; i < load.workers; i++) await startWorker();

    const meters = startMeters(workers, devServer, mock);
    const serverBefore = await readServerCounters(devServer.metricsUrl);
    const startedAtMs = await databaseNowMs(database);
    const startedAt = Date.now();
    await syncAllThroughCli(env);
    const cliS = (Date.now() - startedAt) / 1000;
    const { finished, kills } = await waitForFleet(load, database, workers, startWorker, meters.all);
    meters.all.forEach((m) => m.sample());
    const machineAfter = machineTicks();
    const serverAfter = await readServerCounters(devServer.metricsUrl);
    const rateSlotsMissed = await readSlotsMissed(workers);

    const mockStats = await mock.stats();
    const measured: FleetMeasurements = {
      startedAtMs,
      cliS,
      finished,
      kills,
      outcome: await storedOutcome(database),
      platform: mockStats.accounts,
      application: mockStats.application,
      clients: await clientRequests(mock, database, load, ids),
      wrongValues: await countWrongValues(mock, database, ids),
      cpuS: {
        workers: meters.workers.cpuSeconds(),
        temporalServer: meters.temporalServer.cpuSeconds(),
        mock: meters.mock.cpuSeconds(),
        postgres: meters.postgres.cpuSeconds(),
      },
      peakRssMb: { worker: meters.workers.peakRssMb(), temporalServer: meters.temporalServer.peakRssMb() },
      machine: { before: meters.machineBefore, after: machineAfter },
      server: serverBefore && serverAfter ? { before: serverBefore, after: serverAfter } : null,
      rateSlotsMissed,
      // Read after the meters and the server's counters: the reading's own work is in no figure.
      histories: await readHistories(devServer.address, database, sampleSize),
    };
    const explanation = explain ? await explainSlowest(devServer.address, database, startedAtMs) : [];
    return { measured, explanation };
  });
}
