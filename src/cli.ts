#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from '@temporalio/client';
import { Command, InvalidArgumentError, Option } from 'commander';
import { dataConverter, encryptionCodec } from './codec/encryption-codec';
import { databasePoolOptions, loadSettings, type Settings } from './config';
import {
  CLIENT_ID_PATTERN,
  deleteClient,
  listClients,
  saveClient,
  setClientEnabled,
  type ClientRecord,
  type RemovedClient,
} from './db/clients';
import { countConfirmedCampaigns } from './db/campaigns';
import { deleteSharedBudget, listSharedBudgets, saveSharedBudget } from './db/shared-budgets';
import { listSyncRuns, type SyncRunRow } from './db/sync-runs';
import { repairAbandonedRuns } from './temporal-ops/abandoned-runs';
import { createPool } from './db/pool';
import { maintainAsOwner, migrateAsOwner, openConfiguredDatabase } from './infra/database';
import { DEFAULT_DAYS_AHEAD } from './db/snapshot-partitions';
import { campaignVersions, intervalPerformance, reportScope, type PerformanceInterval, type PerformanceQuery } from './db/campaign-history';
import { reportCsv, reportHtml, reportLines, reportStart, spanRefusal, type Report } from './cli/report';
import { roleNameRefusal } from './db/grants';
import { connectOpsTemporal, resolveTemporalConnection } from './infra/temporal-connection';
import { apiUrlRefusal } from './platform/api-url';
import { describeRun } from './cli/runs';
import {
  changeClientSchedule,
  DEFAULT_CATCHUP_WINDOW,
  defaultJitterMs,
  listClientSchedules,
  parseDuration,
  removeClientScheduleIfAny,
  setClientSchedule,
  type ScheduleCommand,
  type SchedulePolicy,
  type ScheduleTiming,
} from './temporal-ops/schedules';
import { cancelClientSync, isSyncRunning, readProgress, startClientSyncs, type SyncHandle } from './temporal-ops/syncs';
import { describeProgress, describeWaiting, failureReason, followSyncs, withLiveCount, type ConfirmedCounter } from './cli/progress';
import { printable } from './printable';
import { tabbed } from './cli/printable';
import { describeSchedule } from './cli/schedule-list';
import { syncWorkflowId } from './contract/sync';
import { SYNC_WORKFLOW_VERSIONS } from './contract/versions';
import { runningSyncsRecording, runsPerVersion } from './cli/versions';

const positiveInt = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a positive integer');
  return Number(value);
};

async function withDatabase<T>(settings: Settings, work: (pool: ReturnType<typeof createPool>) => Promise<T>): Promise<T> {
  const database = await openConfiguredDatabase(settings, { onWarning: (line) => process.stderr.write(`campaign-sync: ${line}\n`) });
  const pool = createPool(database.connectionString, databasePoolOptions(settings, 'campaign-sync-cli'));
  try {
    return await work(pool);
  } finally {
    await pool.end();
    await database.stop();
  }
}

async function withTemporal<T>(settings: Settings, work: (temporal: Client) => Promise<T>): Promise<T> {
  const config = resolveTemporalConnection(settings);
  const connection = await connectOpsTemporal(config);
  try {
    return await work(new Client({ connection, namespace: config.namespace, dataConverter: dataConverter(encryptionCodec(settings)) }));
  } finally {
    await connection.close();
  }
}

/** The clients a command names, or with `--all` every enabled client. */
async function chosenClientIds(settings: Settings, clientIds: string[], all: boolean | undefined): Promise<string[]> {
  const ids = all ? (await withDatabase(settings, listClients)).filter((c) => c.enabled).map((c) => c.id) : clientIds;
  if (!ids.length) throw new Error('name at least one client id, or pass --all');
  return ids;
}

export function buildCli(settings: () => Settings = loadSettings): Command {
  const program = new Command('campaign-sync').description('Sync advertising campaigns from the ad platform into PostgreSQL, on Temporal');
  addClientCommands(program, settings);
  addSharedBudgetCommands(program, settings);
  addSyncCommands(program, settings);
  addScheduleCommands(program, settings);
  addDatabaseCommands(program, settings);
  addReportCommand(program, settings);
  return program;
}

function addDatabaseCommands(program: Command, settings: () => Settings) {
  program
    .command('migrate')
    .description(
      "apply the pending migrations as the owner role (DATABASE_OWNER_URL, else DATABASE_URL); with --grant-to, give the workers' role read and write on the application's tables (no DDL)",
    )
    .option('--grant-to <role>', 'the role workers and the CLI connect as')
    .action(async (options: { grantTo?: string }) => {
      const refusal = options.grantTo === undefined ? undefined : roleNameRefusal(options.grantTo);
      if (refusal) throw new Error(refusal);
      for (const line of await migrateAsOwner(settings(), options.grantTo)) console.log(line);
    });

  program
    .command('maintain')
    .description(
      "as the owner role, make the campaign history's daily partitions ahead and drop those older than HISTORY_KEEP_DAYS (run it daily)",
    )
    .option('--days-ahead <n>', 'days of partitions to make ahead of today', positiveInt, DEFAULT_DAYS_AHEAD)
    .action(async (options: { daysAhead: number }) => {
      for (const line of await maintainAsOwner(settings(), options.daysAhead)) console.log(line);
    });
}

function addReportCommand(program: Command, settings: () => Settings) {
  program
    .command('report <clientId>')
    .description("a client's campaign performance per hour or day, from the history: a table and a chart, CSV or an HTML page")
    .option('--campaign <id>', 'one campaign, with its attribute changes')
    .option('--since <when>', 'a duration back (7d, 24h) or a UTC date (2026-11-26)', '7d')
    .addOption(new Option('--by <interval>', 'the intervals').choices(['hour', 'day']).default('day'))
    .option('--csv', 'CSV on stdout, for a spreadsheet')
    .option('--html <file>', 'write a self-contained page with a chart instead')
    .action(
      async (clientId: string, options: { campaign?: string; since: string; by: PerformanceInterval; csv?: boolean; html?: string }) => {
        if (options.csv && options.html) throw new Error('--csv or --html, not both');
        const to = new Date();
        const from = reportStart(options.since, to);
        const refusal = spanRefusal(from, to, options.by);
        if (refusal) throw new Error(refusal);
        const report = await withDatabase(settings(), (pool) =>
          readReport(pool, { clientId, campaignId: options.campaign, from, to, interval: options.by }),
        );
        if (options.csv) process.stdout.write(reportCsv(report));
        else if (options.html) {
          writeFileSync(
            options.html,
            reportHtml(report, readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8')),
          );
          console.log(`report written to ${options.html}`);
        } else for (const line of reportLines(report)) console.log(line);
      },
    );
}

/** What a report shows, once the client (and the campaign) are known to exist. */
async function readReport(pool: ReturnType<typeof createPool>, query: PerformanceQuery): Promise<Report> {
  const { clientId, campaignId } = query;
  const scope = await reportScope(pool, clientId, campaignId);
  if (!scope.client) throw new Error(`no client "${clientId}": see \`campaign-sync clients list\``);
  if (campaignId !== undefined && !scope.campaign) throw new Error(`client ${clientId} has no campaign "${printable(campaignId)}"`);
  return {
    ...query,
    campaigns: scope.campaigns,
    rows: await intervalPerformance(pool, query),
    versions: campaignId === undefined ? [] : await campaignVersions(pool, clientId, campaignId, query.from, query.to),
  };
}

function addClientCommands(program: Command, settings: () => Settings) {
  const clients = program.command('clients').description('manage the client accounts to sync');

  clients
    .command('add <id>')
    .description(
      'add or update a client; its credentials are read by workers from CAMPAIGN_SYNC_<REF>_EMAIL/_PASSWORD/_HOST or the secrets file',
    )
    .requiredOption('--api-url <url>', 'the platform base URL: https://, or http:// on this machine, e.g. http://localhost:3001')
    .option(
      '--allow-insecure-http',
      'accept a plain http:// URL to another machine, for a platform that has no TLS (the password travels unencrypted)',
    )
    .requiredOption('--credentials-ref <ref>', 'name of the credentials entry (never the password itself)')
    .option('--name <name>', 'display name')
    .option('--rate-limit <n>', 'requests allowed per window', positiveInt, 10)
    .option('--rate-window-ms <ms>', 'sliding window length in ms', positiveInt, 60_000)
    .option(
      '--shared-budget <id>',
      'a limit above the account its requests also count against (`campaign-sync shared-budgets`; omitted: none)',
    )
    .option('--disabled', 'keep the client but do not sync it')
    .action(async (id: string, options: ClientAddOptions) => {
      const client = clientRecord(id, options);
      await withDatabase(settings(), (pool) => saveClient(pool, client)).catch((err: unknown) => {
        // The foreign key names the shared budget the client would count against: it must exist first.
        if ((err as { code?: string }).code !== '23503') throw err;
        throw new Error(
          `no shared budget "${options.sharedBudget}": add it first with \`campaign-sync shared-budgets set ${options.sharedBudget} --rate-limit N --rate-window-ms MS\``,
        );
      });
      console.log(`client ${id} saved`);
    });

  clients
    .command('list')
    .description('list the clients')
    .action(async () => {
      const rows = await withDatabase(settings(), listClients);
      if (!rows.length) console.log('no clients yet: add one with `campaign-sync clients add`');
      for (const c of rows) {
        console.log(
          tabbed([
            c.id,
            c.enabled ? 'enabled' : 'disabled',
            `${c.rateLimit}/${c.rateWindowMs}ms`,
            ...(c.sharedBudgetId ? [`shared budget: ${c.sharedBudgetId}`] : []),
            c.apiBaseUrl,
            `credentials: ${c.credentialsRef}`,
          ]),
        );
      }
    });

  for (const [command, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    clients
      .command(`${command} <id>`)
      .description(enabled ? 'sync the client again' : 'keep the client and what was synced, but sync it no more (a running sync finishes)')
      .action(async (id: string) => {
        const found = await withDatabase(settings(), (pool) => setClientEnabled(pool, id, enabled));
        if (!found) throw new Error(`no client "${id}": see \`campaign-sync clients list\``);
        console.log(`client ${id} ${command}d`);
      });
  }

  clients
    .command('remove <id>')
    .description('delete a client with its campaigns and run history (refused while it syncs)')
    .action(async (id: string) => {
      const removed = await removeClient(settings(), id);
      console.log(
        `client ${id} removed with ${removed.campaigns} campaigns, ${removed.syncRuns} runs and their history (${removed.snapshots} snapshots, ${removed.versions} attribute versions)`,
      );
    });
}

interface ClientAddOptions {
  apiUrl: string;
  credentialsRef: string;
  name?: string;
  rateLimit: number;
  rateWindowMs: number;
  sharedBudget?: string;
  disabled?: boolean;
  allowInsecureHttp?: boolean;
}

/** The client `clients add` saves, once its id and API URL are known to be usable. */
function clientRecord(id: string, options: ClientAddOptions): ClientRecord {
  const refusal = apiUrlRefusal(options.apiUrl, { allowInsecureHttp: options.allowInsecureHttp ?? false });
  if (refusal) throw new Error(refusal);
  if (!CLIENT_ID_PATTERN.test(id)) throw new Error(`client id "${id}" must be lower-case letters, digits, - or _`);
  return {
    id,
    name: options.name ?? id,
    apiBaseUrl: options.apiUrl,
    credentialsRef: options.credentialsRef,
    rateLimit: options.rateLimit,
    rateWindowMs: options.rateWindowMs,
    sharedBudgetId: options.sharedBudget,
    enabled: !options.disabled,
  };
}

function addSharedBudgetCommands(program: Command, settings: () => Settings) {
  const budgets = program
    .command('shared-budgets')
    .description(
      "manage limits above the account: requests per window summed over every client that names one (an application's or developer token's)",
    );

  budgets
    .command('set <id>')
    .description('add or change a shared budget; clients join it with `clients add --shared-budget <id>`')
    .requiredOption('--rate-limit <n>', 'requests allowed per window, over all its clients', positiveInt)
    .requiredOption('--rate-window-ms <ms>', 'sliding window length in ms', positiveInt)
    .action(async (id: string, options: { rateLimit: number; rateWindowMs: number }) => {
      if (!CLIENT_ID_PATTERN.test(id)) throw new Error(`shared budget id "${id}" must be lower-case letters, digits, - or _`);
      await withDatabase(settings(), (pool) => saveSharedBudget(pool, { id, ...options }));
      console.log(`shared budget ${id} saved`);
    });

  budgets
    .command('list')
    .description('list the shared budgets and how many clients count against each')
    .action(async () => {
      const rows = await withDatabase(settings(), listSharedBudgets);
      if (!rows.length) console.log('no shared budgets: add one with `campaign-sync shared-budgets set`');
      for (const b of rows) console.log(tabbed([b.id, `${b.rateLimit}/${b.rateWindowMs}ms`, `${b.clients} clients`]));
    });

  budgets
    .command('remove <id>')
    .description('delete a shared budget no client names')
    .action(async (id: string) => {
      const removed = await withDatabase(settings(), (pool) => deleteSharedBudget(pool, id));
      if (!removed) throw new Error(`no shared budget "${id}": see \`campaign-sync shared-budgets list\``);
      if (!removed.deleted)
        throw new Error(`shared budget ${id} is named by ${removed.clients} clients: \`clients add\` them without --shared-budget first`);
      console.log(`shared budget ${id} removed`);
    });
}

/** Deletes a client that is not syncing, with what was stored for it, then its schedule. */
async function removeClient(settings: Settings, id: string): Promise<RemovedClient> {
  if (await withTemporal(settings, (temporal) => isSyncRunning(temporal, id))) {
    throw new Error(`client ${id} is syncing: wait for it, or \`campaign-sync cancel ${id}\` first`);
  }
  const removed = await withDatabase(settings, (pool) => deleteClient(pool, id));
  if (!removed) throw new Error(`no client "${id}": see \`campaign-sync clients list\``);
  await withTemporal(settings, (temporal) => removeClientScheduleIfAny(temporal, id));
  return removed;
}

function addSyncCommands(program: Command, settings: () => Settings) {
  program
    .command('versions')
    .description('running syncs per workflow version; an old version with none left may be retired (ARCHITECTURE.md, "Workflow versions")')
    .action(async () => {
      const recording = await withTemporal(settings(), (temporal) =>
        Promise.all(
          SYNC_WORKFLOW_VERSIONS.map(async ({ patches }) => (await temporal.workflow.count(runningSyncsRecording(patches))).count),
        ),
      );
      const current = SYNC_WORKFLOW_VERSIONS.at(-1)!.name;
      for (const { name, running } of runsPerVersion(SYNC_WORKFLOW_VERSIONS, recording))
        console.log(tabbed([name, `${running} running`, name === current ? 'current' : running === 0 ? 'none left' : 'in use']));
    });

  program
    .command('runs [clientId]')
    .description('recent syncs, newest first, from the sync_runs table: status, counts, duration, error')
    .option('--limit <n>', 'how many', positiveInt, 20)
    .action(async (clientId: string | undefined, options: { limit: number }) => {
      const runs = await listRuns(settings(), clientId, options.limit);
      if (!runs.length) console.log(clientId ? `${clientId}: no runs yet` : 'no runs yet');
      for (const run of runs) console.log(describeRun(run));
    });

  program
    .command('cancel <clientId>')
    .description("cancel a client's running sync and wait until it has stopped")
    .action(async (clientId: string) => {
      await withTemporal(settings(), (temporal) => cancelClientSync(temporal, clientId));
      console.log(`${clientId}: sync cancelled`);
    });

  program
    .command('sync [clientIds...]')
    .description('start a sync for the given clients, or --all enabled clients')
    .option('--all', 'every enabled client')
    .option('--wait', 'show live progress and wait for the result')
    .option('--page-size <n>', 'campaigns per list call', positiveInt)
    .option('--retry-failed', 'only the campaigns the last finished sync listed but could not sync')
    .action(async (clientIds: string[], options: SyncOptions) => {
      const s = settings();
      const unsuccessful = await syncClients(s, await chosenClientIds(s, clientIds, options.all), options);
      if (unsuccessful) process.exitCode = 1;
    });

  program
    .command('status <clientId>')
    .description("show a client's current or last sync")
    .action(async (clientId: string) =>
      withDatabase(settings(), (pool) =>
        withTemporal(settings(), (temporal) => showStatus(temporal, (runs) => countConfirmedCampaigns(pool, runs), clientId)),
      ),
    );
}

/**
 * The most recent runs; those recorded as running are first checked against Temporal, and the
 * ends of the ones that have ended without recording it are recorded (abandoned-runs.ts).
 */
async function listRuns(settings: Settings, clientId: string | undefined, limit: number): Promise<SyncRunRow[]> {
  return withDatabase(settings, async (pool) => {
    const runs = await listSyncRuns(pool, clientId, limit);
    const running = runs.filter((run) => run.status === 'running');
    if (running.length === 0) return runs;
    const repaired = await withTemporal(settings, (temporal) => repairAbandonedRuns(pool, temporal, running)).catch((err: unknown) => {
      process.stderr.write(
        `campaign-sync: running syncs not checked against Temporal: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      return 0;
    });
    return repaired > 0 ? listSyncRuns(pool, clientId, limit) : runs;
  });
}

interface SyncOptions {
  all?: boolean;
  wait?: boolean;
  pageSize?: number;
  retryFailed?: boolean;
}

/** Starts (or joins) the clients' syncs; with --wait follows them. Returns how many did not succeed in full. */
async function syncClients(settings: Settings, ids: string[], options: SyncOptions): Promise<number> {
  return withTemporal(settings, async (temporal) => {
    const inputs = ids.map((clientId) => ({ clientId, pageSize: options.pageSize, retryFailed: options.retryFailed }));
    const started = await startClientSyncs(temporal, settings.TEMPORAL_TASK_QUEUE, inputs, (clientId, { handle, joined }) =>
      console.log(`${clientId}: ${joined ? 'already syncing, following' : 'sync started'} (workflow ${handle.workflowId})`),
    );
    if (!options.wait) return 0;
    const handles = new Map<string, SyncHandle>(ids.map((clientId, i) => [clientId, started[i]!.handle]));
    return withDatabase(settings, (pool) => reportOutcomes(handles, (runs) => countConfirmedCampaigns(pool, runs)));
  });
}

/** Follows the syncs to their ends, printing each one's; returns how many failed or left campaigns failed. */
async function reportOutcomes(handles: Map<string, SyncHandle>, countConfirmed: ConfirmedCounter): Promise<number> {
  const outcomes = await followSyncs(handles, countConfirmed);
  for (const [clientId, outcome] of outcomes) {
    console.log(outcome instanceof Error ? `${clientId}: FAILED: ${failureReason(outcome)}` : `${clientId}: ${describeProgress(outcome)}`);
  }
  return [...outcomes.values()].filter((o) => o instanceof Error || o.failed > 0).length;
}

async function showStatus(temporal: Client, countConfirmed: ConfirmedCounter, clientId: string): Promise<void> {
  const handle = temporal.workflow.getHandle(syncWorkflowId(clientId));
  const description = await handle.describe().catch(() => undefined);
  if (!description) return console.log(`${clientId}: never synced`);
  const read = await readProgress(handle);
  const progress = read?.confirmedRun
    ? withLiveCount(read, (await countConfirmed([{ clientId, syncRun: read.confirmedRun }]).catch(() => undefined))?.get(clientId))
    : read;
  console.log(`${clientId}: ${description.status.name.toLowerCase()} since ${description.startTime.toISOString()}`);
  if (progress) console.log(`  ${describeProgress(progress)}; ${describeWaiting(progress)}`);
}

function addScheduleCommands(program: Command, settings: () => Settings) {
  const schedule = program
    .command('schedule')
    .description("run clients' syncs on Temporal Schedules (a scheduled and a manual sync of a client never run at once)");

  schedule
    .command('set [clientIds...]')
    .description("create or change clients' schedules: --every or --cron")
    .option('--all', 'every enabled client')
    .option('--every <duration>', 'interval, like 30m, 1h or 1d')
    .option('--cron <expression>', 'cron expression, like "0 * * * *"')
    .option('--jitter <duration>', 'random delay per run (default: a tenth of the interval, at most 15m; 1m for --cron)')
    .option(
      '--catchup-window <duration>',
      'a run missed while Temporal was down is still taken if no later than this',
      DEFAULT_CATCHUP_WINDOW,
    )
    .action(async (clientIds: string[], options: ScheduleSetOptions) => {
      const timing = scheduleTiming(options);
      const policy = {
        jitterMs: options.jitter === undefined ? defaultJitterMs(timing) : parseDuration(options.jitter),
        catchupWindowMs: parseDuration(options.catchupWindow),
      };
      const s = settings();
      await setSchedules(s, await chosenClientIds(s, clientIds, options.all), timing, policy);
    });

  schedule
    .command('list')
    .description("every client's schedule: timing, paused or active, next and last run")
    .action(async () => {
      const schedules = await withTemporal(settings(), listClientSchedules);
      if (!schedules.length) console.log('no schedules yet: add one with `campaign-sync schedule set <client> --every 1h`');
      for (const found of schedules) console.log(describeSchedule(found));
    });

  const changes: [ScheduleCommand, string, string][] = [
    ['pause', 'stop scheduled runs until unpaused', 'paused'],
    ['unpause', 'resume scheduled runs', 'unpaused'],
    ['trigger', 'run the schedule now (skipped if a sync of the client is running)', 'triggered'],
    ['remove', 'delete the schedule (a running sync goes on)', 'removed'],
  ];
  for (const [command, description, done] of changes) {
    schedule
      .command(`${command} <clientId>`)
      .description(description)
      .action(async (clientId: string) => {
        await withTemporal(settings(), (temporal) => changeClientSchedule(temporal, clientId, command));
        console.log(`${clientId}: schedule ${done}`);
      });
  }
}

interface ScheduleSetOptions {
  all?: boolean;
  every?: string;
  cron?: string;
  jitter?: string;
  catchupWindow: string;
}

function scheduleTiming(options: ScheduleSetOptions): ScheduleTiming {
  if ((options.every === undefined) === (options.cron === undefined))
    throw new Error('give either --every (like 1h) or --cron (like "0 * * * *")');
  return options.every === undefined ? { cron: options.cron! } : { every: options.every };
}

async function setSchedules(settings: Settings, ids: string[], timing: ScheduleTiming, policy: SchedulePolicy): Promise<void> {
  const described = timing.every === undefined ? `cron "${timing.cron}"` : `every ${timing.every}`;
  await withTemporal(settings, async (temporal) => {
    for (const clientId of ids) {
      const done = await setClientSchedule(temporal, settings.TEMPORAL_TASK_QUEUE, clientId, timing, policy);
      console.log(`${clientId}: schedule ${done} (${described})`);
    }
  });
}

if (require.main === module) {
  buildCli()
    .parseAsync()
    .catch((err: unknown) => {
      // Errors may quote Temporal or the platform.
      process.stderr.write(`campaign-sync: ${printable(err instanceof Error ? err.message : String(err))}\n`);
      process.exit(1);
    });
}
