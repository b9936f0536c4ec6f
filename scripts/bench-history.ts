/**
 * The campaign history at scale: C clients × N campaigns synced hourly for D days, written through
 * the real insert path (upsertCampaigns: one statement per page of up to 100 campaigns, which
 * upserts the campaigns and appends their snapshots and changed versions), then what it costs:
 * rows and sizes of campaign_snapshots (its partitions summed) and campaign_versions, the database
 * time of one page statement (wall per statement measured here; PostgreSQL's CPU from /proc), and
 * the times of the history's queries on it.
 *
 *   npm run bench:history -- [--clients 1000] [--campaigns 100] [--days 30] [--concurrency 4] \
 *     [--query-runs 50] [--start 2025-06-01] [--seed 1] [--vacuum auto|on|off] [--explain]
 *
 * A throwaway migrated database (testDatabase('reachable'): the server at DATABASE_URL or
 * 127.0.0.1:5432, else an embedded one), dropped at the end, also on Ctrl-C. The daily partitions of
 * the whole simulated span are made first (keepDailyPartitions, as `maintain` does). Each simulated
 * hour every client lists its campaigns at its own minute past the hour: active campaigns' counters
 * grow with the time of day, now and then a budget or a status changes (a new version), rarely the
 * platform resets a campaign's counters. `--concurrency` syncs run at once, each on its own
 * connection. Clients' campaigns are deterministic (`--seed`), whatever the concurrency.
 *
 * With the server's autovacuum off (`--vacuum auto`, the default) or `--vacuum on`, the benchmark
 * does its work beside the syncs (Vacuumer below), reported apart; `--vacuum off` lets the
 * campaigns table bloat as such a server would.
 *
 * PostgreSQL's CPU is read from /proc: the backends of this benchmark's connections, and every
 * process named `postgres` on the machine (WAL writer, checkpointer... and any other database's
 * work meanwhile). Query times are wall times here, one query at a time, after ANALYZE;
 * `--explain` also prints each query's plan (EXPLAIN ANALYZE, BUFFERS) to stderr.
 * Progress goes to stderr once per simulated day; the tables and a JSON line to stdout.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client, escapeIdentifier, Pool } from 'pg';
import { testDatabase } from '../dev-stack/databases';
import { withLifecycle } from '../dev-stack/lifecycle';
import { seededRandom } from '../dev-stack/seeded-random';
import type { Campaign } from '../src/contract/activities';
import { intervalPerformance } from '../src/db/campaign-history';
import { upsertCampaigns } from '../src/db/campaigns';
import { saveClient } from '../src/db/clients';
import { dailyPartitionName, keepDailyPartitions } from '../src/db/snapshot-partitions';
import { PartMeter, pidsNamed, sampleProcess } from './process-meter';
import { revision } from './revision';

const PAGE_SIZE = 100;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const APPLICATION_NAME = 'bench-history';
const VACUUM_APPLICATION_NAME = 'bench-history-vacuum';
/** How often the meter of all postgres processes samples, so one that exits mid-run keeps its CPU. */
const METER_EVERY_MS = 1000;

interface Options {
  clients: number;
  campaigns: number;
  days: number;
  concurrency: number;
  queryRuns: number;
  startMs: number;
  seed: number;
  explain: boolean;
  /** on/off: the benchmark vacuums as autovacuum would; auto: when the server's autovacuum is off. */
  vacuum: 'on' | 'off' | 'auto';
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '1000' },
      campaigns: { type: 'string', default: '100' },
      days: { type: 'string', default: '30' },
      concurrency: { type: 'string', default: '4' },
      'query-runs': { type: 'string', default: '50' },
      start: { type: 'string', default: '2025-06-01' },
      seed: { type: 'string', default: '1' },
      explain: { type: 'boolean', default: false },
      vacuum: { type: 'string', default: 'auto' },
    },
  });
  const positive = (name: string, value: string | undefined) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got ${value})`);
    return n;
  };
  const startMs = Date.parse(`${values.start}T00:00:00.000Z`);
  if (Number.isNaN(startMs)) throw new Error(`--start must be a day, YYYY-MM-DD (got ${values.start})`);
  const vacuum = values.vacuum;
  if (vacuum !== 'on' && vacuum !== 'off' && vacuum !== 'auto') throw new Error(`--vacuum must be on, off or auto (got ${vacuum})`);
  return {
    clients: positive('clients', values.clients),
    campaigns: positive('campaigns', values.campaigns),
    days: positive('days', values.days),
    concurrency: positive('concurrency', values.concurrency),
    queryRuns: positive('query-runs', values['query-runs']),
    startMs,
    seed: positive('seed', values.seed),
    explain: values.explain,
    vacuum,
  };
}

type Status = 'active' | 'paused' | 'completed';

/** Per campaign-hour: a budget change, a pause or resume, a reset of the counters on the platform. */
const BUDGET_CHANGE = 0.001;
const STATUS_CHANGE = 0.0005;
const COUNTER_RESET = 0.0001;

/** One client's account on the simulated platform: its campaigns, their counters growing hour by hour. */
class SimulatedClient {
  readonly id: string;
  /** When in each hour its sync lists the campaigns. */
  readonly offsetMs: number;
  /** Attribute changes (new versions) and counter resets so far. */
  changes = 0;
  resets = 0;
  private readonly random: () => number;
  private readonly status: Status[];
  private readonly budget: Float64Array;
  private readonly impressions: Float64Array;
  private readonly clicks: Float64Array;
  private readonly conversions: Float64Array;
  /** Impressions per hour at the day's peak, click-through and conversion rates. */
  private readonly peakRate: Float64Array;
  private readonly ctr: Float64Array;
  private readonly cvr: Float64Array;

  constructor(
    index: number,
    private readonly count: number,
    seed: number,
  ) {
    this.id = `client-${String(index + 1).padStart(4, '0')}`;
    this.offsetMs = ((index * 7) % 60) * 60_000 + ((index * 13) % 60) * 1000;
    this.random = seededRandom(seed * 1_000_003 + index);
    const r = this.random;
    this.status = Array.from({ length: count }, () => {
      const x = r();
      return x < 0.8 ? 'active' : x < 0.95 ? 'paused' : 'completed';
    });
    this.budget = Float64Array.from({ length: count }, () => 100 * Math.round(5 + r() * 495));
    this.impressions = Float64Array.from({ length: count }, () => Math.floor(1000 + r() * 499_000));
    this.clicks = Float64Array.from(this.impressions, (i) => Math.floor(i * (0.005 + r() * 0.045)));
    this.conversions = Float64Array.from(this.clicks, (c) => Math.floor(c * (0.01 + r() * 0.09)));
    // Log-uniform from 20 to 20,000 impressions an hour at the peak.
    this.peakRate = Float64Array.from({ length: count }, () => 20 * Math.pow(1000, r()));
    this.ctr = Float64Array.from({ length: count }, () => 0.005 + r() * 0.045);
    this.cvr = Float64Array.from({ length: count }, () => 0.01 + r() * 0.09);
  }

  /** The listing at simulated hour `hour` (UTC hour of day `hourOfDay`): an hour's growth and changes since the previous one. */
  list(hour: number, hourOfDay: number): Campaign[] {
    const r = this.random;
    // Traffic by time of day: a quarter of the peak at night, the peak mid-afternoon.
    const daytime = 0.25 + 0.75 * ((1 - Math.cos((2 * Math.PI * (hourOfDay - 3)) / 24)) / 2);
    const roundRandomly = (x: number) => Math.floor(x + r());
    const campaigns: Campaign[] = [];
    for (let i = 0; i < this.count; i++) {
      if (hour > 0) {
        if (this.status[i] === 'active') {
          const impressions = roundRandomly(this.peakRate[i]! * daytime * (0.7 + 0.6 * r()));
          const clicks = roundRandomly(impressions * this.ctr[i]! * (0.5 + r()));
          this.impressions[i]! += impressions;
          this.clicks[i]! += clicks;
          this.conversions[i]! += roundRandomly(clicks * this.cvr[i]! * (0.5 + r()));
        }
        const event = r();
        if (event < BUDGET_CHANGE) {
          const budget = Math.max(100, 10 * Math.round((this.budget[i]! * (0.7 + 0.6 * r())) / 10));
          if (budget !== this.budget[i]) {
            this.budget[i] = budget;
            this.changes++;
          }
        } else if (event < BUDGET_CHANGE + STATUS_CHANGE) {
          if (this.status[i] !== 'completed') {
            this.status[i] = this.status[i] === 'active' ? 'paused' : 'active';
            this.changes++;
          }
        } else if (event < BUDGET_CHANGE + STATUS_CHANGE + COUNTER_RESET) {
          this.impressions[i] = 0;
          this.clicks[i] = 0;
          this.conversions[i] = 0;
          this.resets++;
        }
      }
      const n = i + 1;
      campaigns.push({
        id: `campaign_${n}`,
        name: `Campaign ${n}`,
        status: this.status[i]!,
        budget: this.budget[i]!,
        impressions: this.impressions[i]!,
        clicks: this.clicks[i]!,
        conversions: this.conversions[i]!,
        created_at: new Date(Date.UTC(2025, 0, 1) + n * DAY_MS).toISOString(),
      });
    }
    return campaigns;
  }
}

/** Nearest-rank quantile of unsorted values. */
function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]! : NaN;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const count = (n: number) => Math.round(n).toLocaleString('en-US');
const size = (bytes: number) =>
  bytes >= 1024 ** 3
    ? `${round(bytes / 1024 ** 3, 2)} GB`
    : bytes >= 1024 ** 2
      ? `${round(bytes / 1024 ** 2, 1)} MB`
      : `${round(bytes / 1024, 1)} kB`;
const duration = (s: number) => (s < 120 ? `${round(s, 1)} s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`);

/** The pids of this benchmark's backends (its pool's connections), from pg_stat_activity. */
async function ourBackends(pool: Pool): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
    [APPLICATION_NAME],
  );
  return rows.map((r) => r.pid);
}

/**
 * Autovacuum's work, for a server that has it off: without it every hourly upsert leaves a dead
 * version of each campaign row that nothing reclaims (the campaigns table grows by its whole size
 * every simulated hour), and no snapshot partition is ever vacuumed. One VACUUM at a time on a
 * connection of its own, beside the syncs: the campaigns table after each simulated hour (a
 * request while one is queued is dropped), the day's partition and campaign_versions after each day.
 */
class Vacuumer {
  runs = 0;
  wallS = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly queued = new Set<string>();
  private failure: unknown;

  private constructor(
    private readonly connection: Client,
    readonly pid: number,
  ) {}

  static async open(connectionString: string): Promise<Vacuumer> {
    const connection = new Client({ connectionString, application_name: VACUUM_APPLICATION_NAME });
    await connection.connect();
    connection.on('error', () => undefined);
    const { rows } = await connection.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return new Vacuumer(connection, rows[0]!.pid);
  }

  request(table: string): void {
    if (this.queued.has(table)) return;
    this.queued.add(table);
    this.chain = this.chain
      .then(async () => {
        this.queued.delete(table);
        if (this.failure !== undefined) return;
        const t0 = performance.now();
        await this.connection.query(`VACUUM ${escapeIdentifier(table)}`);
        this.wallS += (performance.now() - t0) / 1000;
        this.runs++;
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      });
  }

  /** Waits for the vacuums requested so far; throws the first that failed. */
  async settle(): Promise<void> {
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
  }

  async stop(): Promise<void> {
    await this.chain;
    await this.connection.end();
  }
}

interface DayProgress {
  day: number;
  wallS: number;
  snapshotsPerS: number;
  p50Ms: number;
  p95Ms: number;
}

interface InsertFigures {
  statements: number;
  wallS: number;
  statementMs: { p50: number; p95: number; p99: number; max: number };
  /** CPU ms per statement: this benchmark's backends, every postgres process, this process. */
  cpuMsPerStatement: { backends: number; allPostgres: number; vacuum: number; benchmark: number };
  vacuum: { runs: number; wallS: number } | null;
  postgresProcesses: number;
  changes: number;
  resets: number;
  days: DayProgress[];
}

async function insertHistory(
  pool: Pool,
  clients: SimulatedClient[],
  options: Options,
  vacuumer: Vacuumer | undefined,
  interrupted: () => boolean,
): Promise<InsertFigures> {
  const hours = options.days * 24;
  const pages = Math.ceil(options.campaigns / PAGE_SIZE);
  const durations = new Float64Array(hours * clients.length * pages);
  let statements = 0;
  const backendPids: number[] = [];
  const backends = new PartMeter(() => backendPids);
  const allPostgres = new PartMeter(() => pidsNamed('postgres'));
  const vacuumCpuBefore = vacuumer ? (sampleProcess(vacuumer.pid)?.cpuSeconds ?? 0) : 0;
  // The pool's connections, opened before the baseline so their setup is not counted.
  const held = await Promise.all(Array.from({ length: options.concurrency }, () => pool.connect()));
  held.forEach((c) => c.release());
  backendPids.push(...(await ourBackends(pool)));
  backends.startBaseline();
  allPostgres.startBaseline();
  const meterTimer = setInterval(() => allPostgres.sample(), METER_EVERY_MS);
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  let dayStartedAt = startedAt;
  let dayFirstStatement = 0;
  const days: DayProgress[] = [];
  try {
    for (let hour = 0; hour < hours; hour++) {
      const hourOfDay = hour % 24;
      let next = 0;
      const sync = async () => {
        for (let c = next++; c < clients.length; c = next++) {
          if (interrupted()) throw new Error('interrupted');
          const client = clients[c]!;
          const campaigns = client.list(hour, hourOfDay);
          const listedAt = new Date(options.startMs + hour * HOUR_MS + client.offsetMs).toISOString();
          for (let p = 0; p < campaigns.length; p += PAGE_SIZE) {
            const t0 = performance.now();
            await upsertCampaigns(pool, client.id, `run-${client.id}-${hour}`, campaigns.slice(p, p + PAGE_SIZE), listedAt);
            durations[statements++] = performance.now() - t0;
          }
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, sync));
      vacuumer?.request('campaigns');
      if (hourOfDay === 23) {
        vacuumer?.request(dailyPartitionName(new Date(options.startMs + (hour - 23) * HOUR_MS)));
        vacuumer?.request('campaign_versions');
        const now = performance.now();
        const dayDurations = durations.subarray(dayFirstStatement, statements);
        const wallS = (now - dayStartedAt) / 1000;
        const day: DayProgress = {
          day: days.length + 1,
          wallS: round(wallS, 1),
          snapshotsPerS: Math.round((24 * clients.length * options.campaigns) / wallS),
          p50Ms: round(quantile(dayDurations, 0.5), 2),
          p95Ms: round(quantile(dayDurations, 0.95), 2),
        };
        days.push(day);
        const elapsedS = (now - startedAt) / 1000;
        const etaS = (elapsedS / day.day) * (options.days - day.day);
        process.stderr.write(
          `bench:history: day ${day.day}/${options.days}: ${count(hour + 1)} hours × ${count(clients.length)} clients, ` +
            `${count((hour + 1) * clients.length * options.campaigns)} snapshots; this day ${count(day.snapshotsPerS)} rows/s, ` +
            `statement p50 ${day.p50Ms} ms p95 ${day.p95Ms} ms; elapsed ${duration(elapsedS)}, to go about ${duration(etaS)}\n`,
        );
        dayStartedAt = now;
        dayFirstStatement = statements;
      }
    }
  } finally {
    clearInterval(meterTimer);
  }
  // The vacuums requested during the run are part of its cost.
  await vacuumer?.settle();
  const wallS = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  backends.sample();
  allPostgres.sample();
  const vacuumCpuS = vacuumer ? (sampleProcess(vacuumer.pid)?.cpuSeconds ?? 0) - vacuumCpuBefore : 0;
  const perStatement = (cpuS: number) => round((cpuS * 1000) / statements, 2);
  return {
    statements,
    wallS: round(wallS, 1),
    statementMs: {
      p50: round(quantile(durations, 0.5), 2),
      p95: round(quantile(durations, 0.95), 2),
      p99: round(quantile(durations, 0.99), 2),
      max: round(quantile(durations, 1), 1),
    },
    cpuMsPerStatement: {
      backends: perStatement(backends.cpuSeconds()),
      allPostgres: perStatement(allPostgres.cpuSeconds()),
      vacuum: perStatement(vacuumCpuS),
      benchmark: perStatement((cpu.user + cpu.system) / 1e6),
    },
    vacuum: vacuumer ? { runs: vacuumer.runs, wallS: round(vacuumer.wallS, 1) } : null,
    postgresProcesses: pidsNamed('postgres').length,
    changes: clients.reduce((sum, c) => sum + c.changes, 0),
    resets: clients.reduce((sum, c) => sum + c.resets, 0),
    days,
  };
}

interface StoredFigures {
  snapshots: number;
  inDefaultPartition: number;
  versions: number;
  partitions: number;
  snapshotsBytes: { total: number; indexes: number };
  versionsBytes: { total: number; indexes: number };
  campaignsBytes: number;
  databaseBytes: number;
}

async function storedFigures(pool: Pool): Promise<StoredFigures> {
  const { rows } = await pool.query<{
    snapshots: string;
    in_default: string;
    versions: string;
    partitions: number;
    snapshots_total: string;
    snapshots_indexes: string;
    versions_total: string;
    versions_indexes: string;
    campaigns_total: string;
    database_total: string;
  }>(
    `SELECT (SELECT count(*) FROM campaign_snapshots) AS snapshots,
            (SELECT count(*) FROM campaign_snapshots_default) AS in_default,
            (SELECT count(*) FROM campaign_versions) AS versions,
            p.partitions, p.total AS snapshots_total, p.indexes AS snapshots_indexes,
            pg_total_relation_size('campaign_versions') AS versions_total,
            pg_indexes_size('campaign_versions') AS versions_indexes,
            pg_total_relation_size('campaigns') AS campaigns_total,
            pg_database_size(current_database()) AS database_total
       FROM (SELECT count(*)::int AS partitions, coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) AS total,
                    coalesce(sum(pg_indexes_size(i.inhrelid)), 0) AS indexes
               FROM pg_inherits i WHERE i.inhparent = 'campaign_snapshots'::regclass) p`,
  );
  const r = rows[0]!;
  return {
    snapshots: Number(r.snapshots),
    inDefaultPartition: Number(r.in_default),
    versions: Number(r.versions),
    partitions: r.partitions,
    snapshotsBytes: { total: Number(r.snapshots_total), indexes: Number(r.snapshots_indexes) },
    versionsBytes: { total: Number(r.versions_total), indexes: Number(r.versions_indexes) },
    campaignsBytes: Number(r.campaigns_total),
    databaseBytes: Number(r.database_total),
  };
}

interface QueryCase {
  name: string;
  /** One random run: its SQL and parameters for EXPLAIN, and the run itself, returning the rows it got. */
  draw(): { sql: string; params: unknown[]; run(): Promise<number> };
}

const PERFORMANCE_SQL = `SELECT interval_start, sum(impressions), sum(clicks), sum(conversions), sum(resets)::int, bool_or(estimated),
  count(*) FILTER (WHERE first_seen)::int FROM campaign_deltas($1, $2, $3, $4, $5) GROUP BY interval_start ORDER BY interval_start`;

function queryCases(pool: Pool, clients: SimulatedClient[], options: Options): QueryCase[] {
  const r = seededRandom(options.seed * 7919 + 17);
  const pick = <T>(items: readonly T[]) => items[Math.floor(r() * items.length)]!;
  const clientId = () => pick(clients).id;
  const campaignId = () => `campaign_${1 + Math.floor(r() * options.campaigns)}`;
  const spanMs = options.days * DAY_MS;
  /** A range of `lengthMs` (the whole span when longer) at a random boundary of `alignMs` inside the span. */
  const range = (lengthMs: number, alignMs: number) => {
    const length = Math.min(lengthMs, spanMs);
    const from = options.startMs + Math.floor(r() * ((spanMs - length) / alignMs + 1)) * alignMs;
    return { from: new Date(from), to: new Date(from + length) };
  };
  const days = (ms: number) => `${round(Math.min(ms, spanMs) / DAY_MS, 1)} day${Math.min(ms, spanMs) === DAY_MS ? '' : 's'}`;
  const rowsOf = (sql: string, params: unknown[]) => ({ sql, params, run: async () => (await pool.query(sql, params)).rowCount ?? 0 });
  const byInterval = (query: Parameters<typeof intervalPerformance>[1]) => ({
    sql: PERFORMANCE_SQL,
    params: [query.clientId, query.from, query.to, query.interval, query.campaignId ?? null],
    run: async () => (await intervalPerformance(pool, query)).length,
  });
  return [
    {
      name: `(a) campaign_snapshots: one client, one campaign, ${days(7 * DAY_MS)}`,
      draw: () => {
        const { from, to } = range(7 * DAY_MS, HOUR_MS);
        return rowsOf(
          `SELECT listed_at, sync_run, impressions, clicks, conversions FROM campaign_snapshots
            WHERE client_id = $1 AND campaign_id = $2 AND listed_at >= $3 AND listed_at < $4 ORDER BY listed_at`,
          [clientId(), campaignId(), from, to],
        );
      },
    },
    {
      name: `(b) campaign_snapshots: one client, all campaigns, ${days(DAY_MS)}`,
      draw: () => {
        const { from, to } = range(DAY_MS, DAY_MS);
        return rowsOf(
          `SELECT campaign_id, listed_at, sync_run, impressions, clicks, conversions FROM campaign_snapshots
            WHERE client_id = $1 AND listed_at >= $2 AND listed_at < $3`,
          [clientId(), from, to],
        );
      },
    },
    {
      name: `(c) intervalPerformance: one client, all campaigns, ${days(7 * DAY_MS)} by hour`,
      draw: () => byInterval({ clientId: clientId(), ...range(7 * DAY_MS, HOUR_MS), interval: 'hour' }),
    },
    {
      name: `(d) intervalPerformance: one client, one campaign, ${days(30 * DAY_MS)} by day`,
      draw: () => byInterval({ clientId: clientId(), campaignId: campaignId(), ...range(30 * DAY_MS, DAY_MS), interval: 'day' }),
    },
  ];
}

interface QueryFigures {
  name: string;
  runs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  meanRows: number;
}

async function timeQueries(pool: Pool, cases: QueryCase[], options: Options): Promise<QueryFigures[]> {
  const found: QueryFigures[] = [];
  for (const query of cases) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < options.queryRuns; i++) {
      const { run } = query.draw();
      const t0 = performance.now();
      rows += await run();
      times.push(performance.now() - t0);
    }
    found.push({
      name: query.name,
      runs: options.queryRuns,
      p50Ms: round(quantile(times, 0.5), 2),
      p95Ms: round(quantile(times, 0.95), 2),
      maxMs: round(quantile(times, 1), 2),
      meanRows: round(rows / options.queryRuns, 1),
    });
    if (options.explain) {
      const { sql, params } = query.draw();
      const { rows: plan } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
      process.stderr.write(`\n${query.name}\n${plan.map((p) => p['QUERY PLAN']).join('\n')}\n`);
    }
  }
  return found;
}

async function main() {
  const options = parseOptions();
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
    process.stderr.write('bench:history: interrupted: stopping after the statements under way, then dropping the database\n');
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const measured = await withLifecycle(async (lifecycle) => {
    const database = await lifecycle.start(() => testDatabase('reachable'));
    const pool = new Pool({
      connectionString: database.connectionString,
      max: options.concurrency,
      idleTimeoutMillis: 0,
      application_name: APPLICATION_NAME,
    });
    pool.on('error', () => undefined);
    lifecycle.onStop(() => pool.end());
    const clients = Array.from({ length: options.clients }, (_, i) => new SimulatedClient(i, options.campaigns, options.seed));
    let next = 0;
    const save = async () => {
      for (let c = next++; c < clients.length; c = next++) {
        const id = clients[c]!.id;
        await saveClient(pool, {
          id,
          name: id,
          apiBaseUrl: 'http://127.0.0.1:1',
          credentialsRef: `${id}-login`,
          rateLimit: 10,
          rateWindowMs: 60_000,
          enabled: true,
        });
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, save));
    const owner = await pool.connect();
    try {
      await keepDailyPartitions(owner, { now: new Date(options.startMs), daysAhead: options.days });
    } finally {
      owner.release();
    }
    const vacuuming =
      options.vacuum === 'auto'
        ? (await pool.query<{ autovacuum: string }>('SHOW autovacuum')).rows[0]!.autovacuum === 'off'
        : options.vacuum === 'on';
    const vacuumer = vacuuming ? await lifecycle.start(() => Vacuumer.open(database.connectionString)) : undefined;
    const insert = await insertHistory(pool, clients, options, vacuumer, () => interrupted);
    const stored = await storedFigures(pool);
    const analyzeStartedAt = performance.now();
    await pool.query('ANALYZE');
    const analyzeS = round((performance.now() - analyzeStartedAt) / 1000, 1);
    const queries = await timeQueries(pool, queryCases(pool, clients, options), options);
    return { insert, stored, analyzeS, queries };
  });
  const { insert, stored, analyzeS, queries } = measured;
  const campaignsListed = insert.statements > 0 ? (options.clients * options.campaigns * options.days * 24) / insert.statements : 0;
  const expectedSnapshots = options.clients * options.campaigns * options.days * 24;
  const expectedVersions = options.clients * options.campaigns + insert.changes;
  const perRow = (bytes: number, rows: number) => (rows ? `${Math.round(bytes / rows)} B` : '-');
  console.log(
    `### bench:history: ${options.clients} clients × ${options.campaigns} campaigns × ${options.days} days, hourly syncs, concurrency ${options.concurrency}`,
  );
  console.log('');
  console.log('| figure | value |');
  console.log('|---|---|');
  const line = (figure: string, value: string) => console.log(`| ${figure} | ${value} |`);
  line('syncs (upsertCampaigns statements)', `${count(insert.statements)} (${round(campaignsListed, 1)} campaigns each)`);
  line(
    'campaign_snapshots rows',
    `${count(stored.snapshots)} (expected ${count(expectedSnapshots)}; ${count(stored.inDefaultPartition)} in the default partition)`,
  );
  line(
    'campaign_versions rows',
    `${count(stored.versions)} (expected ${count(expectedVersions)}: first listings + ${count(insert.changes)} changes)`,
  );
  line('counter resets simulated', count(insert.resets));
  line(
    `campaign_snapshots size, total / indexes (${stored.partitions} partitions)`,
    `${size(stored.snapshotsBytes.total)} / ${size(stored.snapshotsBytes.indexes)} ` +
      `(${perRow(stored.snapshotsBytes.total, stored.snapshots)} / ${perRow(stored.snapshotsBytes.indexes, stored.snapshots)} per row)`,
  );
  line(
    'campaign_versions size, total / indexes',
    `${size(stored.versionsBytes.total)} / ${size(stored.versionsBytes.indexes)} ` +
      `(${perRow(stored.versionsBytes.total, stored.versions)} / ${perRow(stored.versionsBytes.indexes, stored.versions)} per row)`,
  );
  line('campaigns table / whole database', `${size(stored.campaignsBytes)} / ${size(stored.databaseBytes)}`);
  line(
    'insert wall time',
    `${duration(insert.wallS)}: ${count(insert.statements / insert.wallS)} statements/s, ${count(stored.snapshots / insert.wallS)} snapshots/s`,
  );
  line(
    'wall ms per statement p50 / p95 / p99 / max',
    `${insert.statementMs.p50} / ${insert.statementMs.p95} / ${insert.statementMs.p99} / ${insert.statementMs.max}`,
  );
  line(
    'PostgreSQL CPU ms per statement of 100 campaigns: its backends / all postgres processes',
    `${insert.cpuMsPerStatement.backends} / ${insert.cpuMsPerStatement.allPostgres} (${insert.postgresProcesses} processes at the end)`,
  );
  line(
    'VACUUM by the benchmark (autovacuum stand-in): runs, wall, CPU ms per statement',
    insert.vacuum
      ? `${count(insert.vacuum.runs)}, ${duration(insert.vacuum.wallS)}, ${insert.cpuMsPerStatement.vacuum}`
      : 'none (--vacuum off, or autovacuum on)',
  );
  line('this process CPU ms per statement (simulation and pg client)', String(insert.cpuMsPerStatement.benchmark));
  line('first / last simulated day: snapshots/s, statement p50 ms', dayTrend(insert.days));
  line('ANALYZE', `${analyzeS} s`);
  console.log('');
  console.log('| query | runs | p50 ms | p95 ms | max ms | rows returned (mean) |');
  console.log('|---|---|---|---|---|---|');
  for (const q of queries) console.log(`| ${q.name} | ${q.runs} | ${q.p50Ms} | ${q.p95Ms} | ${q.maxMs} | ${q.meanRows} |`);
  console.log('');
  console.log(
    JSON.stringify({
      bench: 'history',
      revision: revision(),
      at: new Date().toISOString(),
      options: { ...options, start: new Date(options.startMs).toISOString().slice(0, 10), startMs: undefined },
      insert,
      stored,
      analyzeS,
      queries,
    }),
  );
}

function dayTrend(days: DayProgress[]): string {
  const first = days[0];
  const last = days.at(-1);
  return first && last ? `${count(first.snapshotsPerS)}, ${first.p50Ms} / ${count(last.snapshotsPerS)}, ${last.p50Ms}` : '-';
}

main().catch((err: unknown) => {
  console.error(`bench:history: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
