/**
 * The fleet benchmark: many clients' syncs at once on the real parts, each its own process (the
 * Temporal dev server on its SQLite file, PostgreSQL, the mock platform with one account per
 * client, N worker processes, the CLI), and how close the fleet comes to its rate-window bound.
 *
 *   npm run bench:fleet -- --clients 100 --campaigns 100 --limit 10 --window-ms 6000 --workers 1
 *
 * Options: --clients N, --campaigns N (per client), --limit N and --window-ms MS (each client's
 * sliding window, on the mock and in the clients table), --workers N, --sync-latency-ms MS (how
 * long the platform's /sync takes), --faults on|off (10% 503s, 5% hung requests), --kill-every-s S
 * (SIGKILL a worker every S seconds in rotation and start a new one), --temporal dev|server (the CLI's
 * dev server on SQLite, or Temporal's own server on PostgreSQL), --worker-env K=V
 * (repeatable), --label TEXT, --results FILE (JSON lines, default data/bench-fleet.jsonl).
 *
 * The bound: a client needs R = pages + campaigns requests; with L per window W the last one
 * cannot be sent before W × floor((R − 1) / L), and it takes the /sync latency to answer.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { temporal as temporal_api } from '@temporalio/proto';
import { generatedAccountCredentials } from '../mock-api/accounts';
import { childPids, machineTicks, PartMeter, pidsNamed } from './process-meter';
import { testDatabase, type TestDatabase } from '../dev-stack/databases';
import { startMockProcess, type MockProcess } from '../dev-stack/mock-platform-process';
import { startWorkerProcess, type WorkerProcess } from '../dev-stack/worker-process';
import { startThrowawayDevServer } from '../dev-stack/temporal-dev-server';
import { postgresServerOf, startTemporalServer } from '../dev-stack/temporal-server';
import { BUILT } from '../dev-stack/built';
import { PROJECT_ROOT } from '../src/config';

const PAGE_SIZE = 100;

const { values: options } = parseArgs({
  options: {
    clients: { type: 'string', default: '100' },
    campaigns: { type: 'string', default: '100' },
    limit: { type: 'string', default: '10' },
    'window-ms': { type: 'string', default: '6000' },
    workers: { type: 'string', default: '1' },
    'sync-latency-ms': { type: 'string', default: '2000' },
    faults: { type: 'string', default: 'off' },
    'kill-every-s': { type: 'string', default: '0' },
    temporal: { type: 'string', default: 'dev' },
    'worker-env': { type: 'string', multiple: true, default: [] },
    label: { type: 'string', default: '' },
    explain: { type: 'boolean', default: false },
    results: { type: 'string', default: join(PROJECT_ROOT, 'data', 'bench-fleet.jsonl') },
  },
});

function positive(name: keyof typeof options, min = 1): number {
  const value = Number(options[name]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min} (got ${String(options[name])})`);
  return value;
}

const config = {
  clients: positive('clients'),
  campaigns: positive('campaigns'),
  limit: positive('limit'),
  windowMs: positive('window-ms'),
  workers: positive('workers'),
  syncLatencyMs: positive('sync-latency-ms', 0),
  faults: options.faults === 'on',
  killEveryS: positive('kill-every-s', 0),
  /** `dev`: the CLI's dev server on SQLite; `server`: Temporal's own server on PostgreSQL (npm run temporal-server:ensure). */
  temporal: options.temporal as 'dev' | 'server',
  workerEnv: Object.fromEntries((options['worker-env'] as string[]).map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string])),
  label: options.label as string,
};
if (!['on', 'off'].includes(options.faults as string)) throw new Error('--faults must be on or off');
if (!['dev', 'server'].includes(config.temporal)) throw new Error('--temporal must be dev or server');

const pages = Math.max(1, Math.ceil(config.campaigns / PAGE_SIZE));
const requestsPerClient = pages + config.campaigns;
const boundS = (config.windowMs * Math.floor((requestsPerClient - 1) / config.limit) + config.syncLatencyMs) / 1000;

/** The code measured, so a table row can say which revision its figures belong to. */
function revision(): string {
  try {
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PROJECT_ROOT }).toString().trim() !== '';
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT }).toString().trim() + (dirty ? '+changes' : '');
  } catch {
    return 'unknown';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The fleet's clients as a user registers them: credentials in a secrets file, by reference. */
async function registerClients(database: TestDatabase, mockUrl: string, work: string): Promise<{ ids: string[]; secretsFile: string }> {
  const secrets: Record<string, { email: string; password: string; host: string }> = {};
  const ids: string[] = [];
  const { host } = new URL(mockUrl);
  for (let i = 1; i <= config.clients; i++) {
    const account = generatedAccountCredentials(i);
    secrets[account.id] = { email: account.email, password: account.password, host };
    ids.push(account.id);
  }
  const secretsFile = join(work, 'secrets.json');
  writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
  await insertClients(database, ids, mockUrl);
  return { ids, secretsFile };
}

async function insertClients(database: TestDatabase, ids: string[], mockUrl: string): Promise<void> {
  await database.pool.query(
    `INSERT INTO clients (id, name, api_base_url, credentials_ref, rate_limit, rate_window_ms)
     SELECT id, id, $2, id, $3, $4 FROM unnest($1::text[]) AS id`,
    [ids, mockUrl, config.limit, config.windowMs],
  );
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

interface StoredOutcome {
  last_finished: number;
  completed: number;
  failed_runs: number;
  rows: number;
  distinct_rows: number;
  confirmed_rows: number;
}

/** What the syncs left in PostgreSQL: when the last finished, how they ended, and the campaign rows. */
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
async function waitForFleet(database: TestDatabase, workers: WorkerProcess[], startWorker: () => Promise<unknown>, meters: PartMeter[]) {
  let kills = 0;
  let nextKillAt = config.killEveryS ? Date.now() + config.killEveryS * 1000 : Infinity;
  const deadline = Date.now() + Math.max(30 * 60_000, boundS * 10_000);
  for (;;) {
    meters.forEach((m) => m.sample());
    const finished = await finishedSyncs(database);
    if (finished >= config.clients) return { finished, kills };
    if (Date.now() > deadline) throw new Error(`only ${finished} of ${config.clients} syncs finished before the deadline`);
    if (Date.now() >= nextKillAt) {
      const victim = workers.shift()!;
      await victim.stop('SIGKILL');
      kills += 1;
      await startWorker();
      nextKillAt += config.killEveryS * 1000;
    }
    await sleep(500);
  }
}

/** The mock's account of the run: requests, confirmations, repeated sync calls, 429s. */
async function platformFigures(mock: MockProcess) {
  const stats = Object.values((await mock.stats()).accounts);
  const sum = (f: (s: (typeof stats)[number]) => number) => stats.reduce((total, s) => total + f(s), 0);
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

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'campaign-sync-bench-'));
  const [database, mock] = await Promise.all([
    testDatabase('reachable'),
    startMockProcess({
      generatedAccounts: config.clients,
      campaignsPerAccount: config.campaigns,
      rateLimit: config.limit,
      rateWindowMs: config.windowMs,
      syncLatencyMs: config.syncLatencyMs,
      rate503: config.faults ? 0.1 : 0,
      hangRate: config.faults ? 0.05 : 0,
    }),
  ]);
  const devServer =
    config.temporal === 'server' ? await startTemporalServer(postgresServerOf(database.connectionString)) : await startThrowawayDevServer();
  const workers: WorkerProcess[] = [];
  try {
    const { ids, secretsFile } = await registerClients(database, mock.url, work);
    const env = {
      DATABASE_URL: database.connectionString,
      TEMPORAL_ADDRESS: devServer.address,
      TEMPORAL_TASK_QUEUE: 'campaign-sync-bench',
      CAMPAIGN_SYNC_SECRETS_FILE: secretsFile,
      PLATFORM_HEADERS_TIMEOUT_MS: '5000',
      PLATFORM_BODY_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'info',
      ...config.workerEnv,
    };
    const startWorker = async () => workers.push(await startWorkerProcess(env));
    for (let i = 0; i < config.workers; i++) await startWorker();

    const workerMeter = new PartMeter(() => workers.flatMap((w) => (w.child.pid ? childPids(w.child.pid) : [])));
    const serverMeter = new PartMeter(() => (devServer.process.child.pid ? childPids(devServer.process.child.pid) : []));
    const mockMeter = new PartMeter(() => (mock.process.child.pid ? childPids(mock.process.child.pid) : []));
    const postgresMeter = new PartMeter(() => pidsNamed('postgres'));
    const meters = [workerMeter, serverMeter, mockMeter, postgresMeter];
    meters.forEach((m) => m.startBaseline());
    const machineBefore = machineTicks();

    const startedAtMs = await databaseNowMs(database);
    const startedAt = Date.now();
    await syncAllThroughCli(env);
    const cliSeconds = (Date.now() - startedAt) / 1000;
    const { finished, kills } = await waitForFleet(database, workers, startWorker, meters);
    meters.forEach((m) => m.sample());
    const machineAfter = machineTicks();

    const outcome = await storedOutcome(database);
    const platform = await platformFigures(mock);
    const timeline = await clientTimelines(mock, database, ids, startedAtMs);
    const wrongValues = await countWrongValues(mock, database, ids);
    const expected = config.clients * config.campaigns;
    const wallS = outcome.last_finished - startedAtMs / 1000;
    const campaignsCpu = workerMeter.cpuSeconds() + serverMeter.cpuSeconds();
    const result = {
      label: config.label,
      revision: revision(),
      at: new Date().toISOString(),
      load: { ...config, pages, requestsPerClient },
      wallS: round(wallS, 1),
      boundS,
      ratio: round(wallS / boundS, 3),
      cliS: round(cliSeconds, 1),
      syncs: { finished, completed: outcome.completed, failedOrPartial: outcome.failed_runs },
      campaignsExpected: expected,
      rows: outcome.rows,
      distinctRows: outcome.distinct_rows,
      confirmedRows: outcome.confirmed_rows,
      lostCampaigns: expected - outcome.confirmed_rows,
      duplicatedRows: outcome.rows - outcome.distinct_rows,
      wrongValues,
      confirmedByPlatform: platform.confirmedByPlatform,
      requests: platform.requests,
      window429s: platform.window429s,
      mostInAWindow: platform.mostInAWindow,
      repeatedSyncCalls: platform.repeatedSyncCalls,
      kills,
      repeatedSyncCallsPerKill: kills ? round(platform.repeatedSyncCalls / kills, 2) : null,
      campaignsPerS: round(platform.confirmedByPlatform / wallS, 1),
      cpuS: {
        workers: round(workerMeter.cpuSeconds(), 1),
        temporalServer: round(serverMeter.cpuSeconds(), 1),
        mock: round(mockMeter.cpuSeconds(), 1),
        postgres: round(postgresMeter.cpuSeconds(), 1),
      },
      cpuMsPerCampaign: round((campaignsCpu * 1000) / Math.max(1, platform.confirmedByPlatform), 2),
      peakRssMb: { worker: round(workerMeter.peakRssMb(), 0), temporalServer: round(serverMeter.peakRssMb(), 0) },
      timeline,
      machineBusyPct: round(((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * 100, 0),
    };
    console.log(JSON.stringify(result, null, 1));
    if (options.explain) await explainSlowest(devServer.address, database, startedAtMs);
    mkdirSync(dirname(options.results as string), { recursive: true });
    appendFileSync(options.results as string, `${JSON.stringify(result)}\n`);
  } finally {
    await Promise.allSettled(workers.map((w) => w.stop('SIGKILL')));
    await Promise.allSettled([mock.stop(), devServer.stop(), database.stop()]);
    rmSync(work, { recursive: true, force: true });
  }
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
};

/**
 * Where a client's time goes, as the platform saw it: from the start to its first request, the
 * lateness of each rate window (request i + limit after request i, minus the window: the margin
 * is the floor), and from its last request to the end of its sync. Median and 90th percentile
 * over the clients, in seconds.
 */
async function clientTimelines(mock: Awaited<ReturnType<typeof startMockProcess>>, database: TestDatabase, ids: string[], startMs: number) {
  const { rows } = await database.pool.query<{ client_id: string; finished_ms: number }>(
    'SELECT client_id, extract(epoch FROM finished_at)::float8 * 1000 AS finished_ms FROM sync_runs',
  );
  const finished = new Map(rows.map((r) => [r.client_id, r.finished_ms]));
  const firstRequest: number[] = [],
    windowLate: number[] = [],
    afterLastRequest: number[] = [];
  for (const id of ids) {
    const arrivals = (await mock.requests(id))
      .filter((r) => r.endpoint !== 'auth')
      .map((r) => r.at)
      .sort((a, b) => a - b);
    if (!arrivals.length) continue;
    firstRequest.push(arrivals[0]! - startMs);
    for (let i = config.limit; i < arrivals.length; i++) windowLate.push(arrivals[i]! - arrivals[i - config.limit]! - config.windowMs);
    afterLastRequest.push((finished.get(id) ?? NaN) - arrivals[arrivals.length - 1]!);
  }
  const summary = (values: number[]) => ({
    min: round(quantile(values, 0) / 1000, 3),
    median: round(quantile(values, 0.5) / 1000, 2),
    p90: round(quantile(values, 0.9) / 1000, 2),
    max: round(quantile(values, 1) / 1000, 3),
  });
  return { firstRequestS: summary(firstRequest), windowLateS: summary(windowLate), afterLastRequestS: summary(afterLastRequest) };
}

/** Campaigns of the platform whose stored record differs from the platform's (or is missing). */
async function countWrongValues(
  mock: Awaited<ReturnType<typeof startMockProcess>>,
  database: TestDatabase,
  ids: string[],
): Promise<number> {
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

/** --explain: the event timeline of the client that finished last (parent and first batch), for finding where time goes. */
async function explainSlowest(address: string, database: TestDatabase, startMs: number) {
  const { rows } = await database.pool.query<{ workflow_id: string; run_id: string }>(
    'SELECT workflow_id, run_id FROM sync_runs ORDER BY finished_at DESC LIMIT 1',
  );
  const connection = await Connection.connect({ address });
  try {
    const temporal = new Client({ connection, namespace: 'default' });
    const show = async (workflowId: string, runId?: string) => {
      const history = await temporal.workflow.getHandle(workflowId, runId).fetchHistory();
      console.log(`--- ${workflowId}`);
      for (const event of history.events ?? []) {
        const at = Number(event.eventTime?.seconds ?? 0) * 1000 + Math.round((event.eventTime?.nanos ?? 0) / 1e6);
        const type = String(temporal_api.api.enums.v1.EventType[event.eventType ?? 0]).replace('EVENT_TYPE_', '');
        const activity =
          event.activityTaskScheduledEventAttributes?.activityType?.name ?? event.markerRecordedEventAttributes?.markerName ?? '';
        console.log(`${((at - startMs) / 1000).toFixed(3).padStart(8)} s  ${type} ${activity}`);
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
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

main().catch((err: unknown) => {
  console.error(`bench:fleet: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
