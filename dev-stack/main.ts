import { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { generatedAccountCredentials } from '../mock-api/accounts';
import { defaultMockConfig, mockConfigFromEnv, mockEnv, type MockConfig } from '../mock-api/config';
import { describeProgress, failureReason, followSyncs } from '../src/cli/progress';
import { startClientSyncs, type SyncHandle } from '../src/temporal-ops/syncs';
import { codecServerOptions, startCodecServer } from '../src/codec/codec-server';
import { dataConverter, encryptionCodec, type EncryptionCodec } from '../src/codec/encryption-codec';
import { dataPaths, databasePoolOptions, loadSettings, metricsAddress, platformLimits, type Settings } from '../src/config';
import { countCampaignsOfClients, countConfirmedCampaigns } from '../src/db/campaigns';
import { saveClient } from '../src/db/clients';
import { createPool } from '../src/db/pool';
import { freePort, portIsFree } from './processes';
import { withLifecycle, type Lifecycle } from './lifecycle';
import { openConfiguredDatabase } from '../src/infra/database';
import { startMockPlatformProcess } from './mock-platform-process';
import { ensureTemporalCli } from './temporal-cli';
import { startDevServer } from './temporal-dev-server';
import { installTemporalRuntime } from '../src/infra/temporal-runtime';
import {
  connectOpsTemporal,
  connectNativeTemporal,
  resolveTemporalConnection,
  type TemporalConnectionConfig,
} from '../src/infra/temporal-connection';
import { createLogger, type Logger } from '../src/logger';
import type { SyncMetrics } from '../src/metrics';
import { PlatformApi } from '../src/platform/api';
import { createCredentialStore, credentialEnvNames } from '../src/platform/credentials';
import { createCampaignSyncWorker, platformObserver, workerSettings } from '../src/worker';

/** Where `npm start`'s worker serves Prometheus metrics, unless WORKER_METRICS_PORT says otherwise. */
const DEMO_METRICS_PORT = 9464;
/**
 * The demo platform: a few accounts, faults on, and a window scaled down from the reference's
 * 10 per 60 s to 10 per 10 s so the whole demo finishes in about a minute. Any MOCK_* variable
 * in the environment overrides these.
 */
const DEMO_ACCOUNTS = 4;
const DEMO_PLATFORM: Partial<MockConfig> = {
  generatedAccounts: DEMO_ACCOUNTS,
  campaignsPerAccount: 40,
  rateLimit: 10,
  rateWindowMs: 10_000,
  rate503: 0.1,
  hangRate: 0.05,
  syncLatencyMs: 1000,
};

/** What every step of the demo shares: settings, where to log and print, and what to stop at the end. */
interface Demo {
  settings: Settings;
  log: Logger;
  say(line: string): void;
  codec: EncryptionCodec | undefined;
  /** What the demo started, stopped last first at the end (or as soon as a start fails). */
  lifecycle: Lifecycle;
}

/** The worker's Prometheus endpoint, unless something else holds the port. */
async function installRuntime(demo: Demo): Promise<{ metrics: SyncMetrics; metricsUrl: string | undefined }> {
  const { settings, say } = demo;
  const port = settings.WORKER_METRICS_PORT ?? DEMO_METRICS_PORT;
  const servesMetrics = await portIsFree(port);
  if (!servesMetrics) say(`port ${port} is in use: this run serves no /metrics (set WORKER_METRICS_PORT to another port)`);
  const address = servesMetrics ? metricsAddress(settings, port) : undefined;
  const metrics = installTemporalRuntime(demo.log, { minimumLogLevel: 'ERROR', metricsAddress: address });
  return { metrics, metricsUrl: address && `http://${address}/metrics` };
}

/** Where the demo's Temporal is: how to connect, and where its Web UI shows the syncs. */
interface DemoTemporal {
  config: TemporalConnectionConfig;
  uiUrl: string;
}

/**
 * The cluster TEMPORAL_ADDRESS (or a temporal.toml profile) names, else a dev server started here
 * (with a codec server for its Web UI when history is encrypted).
 */
async function connectTemporal(demo: Demo): Promise<DemoTemporal> {
  const { settings, say, codec } = demo;
  const config = resolveTemporalConnection(settings);
  if (config.addressConfigured) {
    say(`Using the Temporal cluster at ${config.address} (${config.summary.addressFrom}), namespace ${config.namespace}`);
    return { config, uiUrl: "your Temporal cluster's Web UI" };
  }
  for (const port of [settings.TEMPORAL_PORT, settings.TEMPORAL_UI_PORT]) {
    if (!(await portIsFree(port))) {
      throw new Error(
        `port ${port} is in use (another Temporal server?): stop it, or set TEMPORAL_PORT/TEMPORAL_UI_PORT, or TEMPORAL_ADDRESS to use it`,
      );
    }
  }
  const cliPath = await ensureTemporalCli(process.env, say);
  let uiCodecEndpoint: string | undefined;
  if (codec) {
    const codecServer = await demo.lifecycle.start(
      () => startCodecServer(codec, codecServerOptions(settings)),
      (server) => server.close(),
    );
    uiCodecEndpoint = codecServer.url;
    say(`History encryption on; the Web UI decodes payloads through ${uiCodecEndpoint}`);
  }
  say(`Starting the Temporal dev server (${cliPath})...`);
  const devServer = await demo.lifecycle.start(() =>
    startDevServer({
      cliPath,
      dbFilename: dataPaths(settings).temporalDb,
      port: settings.TEMPORAL_PORT,
      uiPort: settings.TEMPORAL_UI_PORT,
      uiCodecEndpoint,
    }),
  );
  return { config: { ...config, address: devServer.address }, uiUrl: devServer.uiUrl };
}

async function openDatabase(demo: Demo): Promise<Pool> {
  demo.say(demo.settings.DATABASE_URL ? 'Using PostgreSQL at DATABASE_URL...' : 'Starting the embedded PostgreSQL...');
  // npm start is the developer's own stack: it migrates even a DATABASE_URL database, as its owner.
  const database = await demo.lifecycle.start(() => openConfiguredDatabase(demo.settings, { adoptLeftRunning: true, migrate: true }));
  const pool = createPool(database.connectionString, databasePoolOptions(demo.settings, 'campaign-sync-worker'), (err) =>
    demo.log.warn({ err: err.message }, 'database connection lost'),
  );
  demo.lifecycle.onStop(() => pool.end());
  return pool;
}

/** The mock platform on its usual port when free; MOCK_* variables in the environment override the demo's settings. */
async function startDemoPlatform(demo: Demo): Promise<{ url: string; config: MockConfig }> {
  const usualPort = defaultMockConfig().port;
  const port = (await portIsFree(usualPort)) ? usualPort : await freePort();
  const config = mockConfigFromEnv({ ...mockEnv(DEMO_PLATFORM), ...process.env, PORT: String(port) });
  const mock = await demo.lifecycle.start(
    () => startMockPlatformProcess(config),
    (m) => m.process.stop(),
  );
  demo.say(`Mock ad platform at ${mock.url} (${DEMO_ACCOUNTS} demo accounts, 10% 503s, 5% hung requests)`);
  return { url: mock.url, config };
}

/** One client per generated account; their credentials stay in this process's memory (as worker environment). */
async function registerDemoClients(pool: Pool, platform: { url: string; config: MockConfig }) {
  const credentialEnv: Record<string, string> = {};
  const clientIds: string[] = [];
  for (let i = 1; i <= DEMO_ACCOUNTS; i++) {
    const account = generatedAccountCredentials(i);
    const clientId = `demo-${account.id}`;
    const names = credentialEnvNames(clientId);
    credentialEnv[names.email] = account.email;
    credentialEnv[names.password] = account.password;
    credentialEnv[names.host] = new URL(platform.url).host;
    await saveClient(pool, {
      id: clientId,
      name: `Demo ${account.id}`,
      apiBaseUrl: platform.url,
      credentialsRef: clientId,
      rateLimit: platform.config.rateLimit,
      rateWindowMs: platform.config.rateWindowMs,
      enabled: true,
    });
    clientIds.push(clientId);
  }
  return { clientIds, credentialEnv };
}

/** A worker in this process, with a shorter hung-request timeout than production's so the demo stays quick. */
async function startDemoWorker(
  demo: Demo,
  temporal: DemoTemporal,
  pool: Pool,
  metrics: SyncMetrics,
  credentialEnv: Record<string, string>,
) {
  const { settings } = demo;
  const connection = await demo.lifecycle.start(
    () => connectNativeTemporal(temporal.config),
    (c) => c.close(),
  );
  const platform = new PlatformApi(
    { ...platformLimits(settings), headersMs: Math.min(settings.PLATFORM_HEADERS_TIMEOUT_MS, 5000) },
    platformObserver(metrics, demo.log),
  );
  demo.lifecycle.onStop(() => platform.close());
  const worker = await createCampaignSyncWorker({
    connection,
    ...workerSettings(settings, temporal.config.namespace),
    pool,
    platform,
    credentials: createCredentialStore({ ...process.env, ...credentialEnv }, (message) => demo.log.warn(message)),
    codec: demo.codec,
    metrics,
  });
  const run = worker.run();
  // Stopped before the connection and platform API it uses, which were registered first.
  demo.lifecycle.onStop(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await run;
  });
}

/** Starts every demo client's sync, shows their progress, then a summary; returns how many failed. */
async function syncAndSummarise(demo: Demo, server: DemoTemporal, pool: Pool, clientIds: string[], metricsUrl: string | undefined) {
  const { settings, say } = demo;
  const connection = await demo.lifecycle.start(
    () => connectOpsTemporal(server.config),
    (c) => c.close(),
  );
  const { namespace } = server.config;
  const temporal = new Client({ connection, namespace, dataConverter: dataConverter(demo.codec) });
  const syncs = await startClientSyncs(
    temporal,
    settings.TEMPORAL_TASK_QUEUE,
    clientIds.map((clientId) => ({ clientId, pageSize: 10 })),
  );
  const handles = new Map<string, SyncHandle>(clientIds.map((clientId, i) => [clientId, syncs[i]!.handle]));
  say(`Syncing ${clientIds.length} clients; watch them at ${server.uiUrl}/namespaces/${namespace}/workflows`);
  if (metricsUrl) say(`Worker metrics: ${metricsUrl}`);
  const started = Date.now();
  const outcomes = await followSyncs(handles, (runs) => countConfirmedCampaigns(pool, runs), process.stdout);
  say(`\nSummary (${((Date.now() - started) / 1000).toFixed(1)} s):`);
  let failures = 0;
  for (const [clientId, outcome] of [...outcomes].sort(([a], [b]) => a.localeCompare(b))) {
    if (outcome instanceof Error || outcome.failed > 0) failures += 1;
    say(`  ${clientId}: ${outcome instanceof Error ? `FAILED: ${failureReason(outcome)}` : describeProgress(outcome)}`);
  }
  say(`  campaigns in PostgreSQL: ${await countCampaignsOfClients(pool, clientIds)}`);
  say(`Web UI: ${server.uiUrl}`);
  return failures;
}

const untilInterrupted = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });

async function main() {
  const once = process.argv.includes('--once');
  const settings = loadSettings();
  // The progress bars are the output here; only warnings and errors are logged.
  const log = createLogger(settings.LOG_LEVEL === 'info' ? 'warn' : settings.LOG_LEVEL);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const codec = encryptionCodec(settings);
  const stopWarning = (err: unknown) => log.warn({ err: String(err) }, 'while stopping');
  const failures = await withLifecycle(async (lifecycle) => {
    const demo: Demo = { settings, log, say, codec, lifecycle };
    const { metrics, metricsUrl } = await installRuntime(demo);
    const temporal = await connectTemporal(demo);
    const pool = await openDatabase(demo);
    const platform = await startDemoPlatform(demo);
    const { clientIds, credentialEnv } = await registerDemoClients(pool, platform);
    await startDemoWorker(demo, temporal, pool, metrics, credentialEnv);
    const failed = await syncAndSummarise(demo, temporal, pool, clientIds, metricsUrl);
    if (!once) {
      say('Running; start more syncs with `npm run cli -- sync --all --wait`. Press Ctrl-C to stop.');
      await untilInterrupted();
      say('Stopping...');
    }
    return failed;
  }, stopWarning);
  process.exitCode = failures ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`campaign-sync: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
