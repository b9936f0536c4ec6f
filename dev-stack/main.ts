import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { generatedAccountCredentials } from '../mock-api/accounts';
import { defaultMockConfig, mockConfigFromEnv, mockEnv, type MockConfig } from '../mock-api/config';
import { describeProgress, failureReason, followSyncs } from '../src/cli/progress';
import { startClientSyncs, type SyncHandle } from '../src/client/syncs';
import { startCodecServer } from '../src/codec/codec-server';
import { dataConverter, encryptionCodec } from '../src/codec/encryption-codec';
import { dataPaths, loadSettings, metricsAddress, platformTimeouts } from '../src/config';
import { saveClient } from '../src/db/clients';
import { createPool } from '../src/db/pool';
import { freePort, portIsFree } from './processes';
import { openConfiguredDatabase } from '../src/infra/database';
import { startMockPlatformProcess } from './mock-platform-process';
import { ensureTemporalCli } from './temporal-cli';
import { startDevServer } from './temporal-dev-server';
import { installTemporalRuntime } from '../src/infra/temporal-runtime';
import { createLogger } from '../src/logger';
import { PlatformClient } from '../src/platform/client';
import { createCredentialStore, credentialEnvNames } from '../src/platform/credentials';
import { createCampaignSyncWorker } from '../src/worker';

/**
 * The demo platform: a few accounts, faults on, and a window scaled down from the reference's
 * 10 per 60 s to 10 per 10 s so the whole demo finishes in about a minute. Any MOCK_* variable
 * in the environment overrides these.
 */
const DEMO_ACCOUNTS = 4;
/** Where `npm start`'s worker serves Prometheus metrics, unless WORKER_METRICS_PORT says otherwise. */
const DEMO_METRICS_PORT = 9464;
const DEMO_PLATFORM: Partial<MockConfig> = {
  generatedAccounts: DEMO_ACCOUNTS,
  campaignsPerAccount: 40,
  rateLimit: 10,
  rateWindowMs: 10_000,
  rate503: 0.1,
  hangRate: 0.05,
  syncLatencyMs: 1000,
};

async function main() {
  const once = process.argv.includes('--once');
  const settings = loadSettings();
  // The progress bars are the output here; only warnings and errors are logged.
  const log = createLogger(settings.LOG_LEVEL === 'info' ? 'warn' : settings.LOG_LEVEL);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  // The worker's Prometheus endpoint, unless something else holds the port.
  const metricsPort = settings.WORKER_METRICS_PORT ?? DEMO_METRICS_PORT;
  const servesMetrics = await portIsFree(metricsPort);
  if (!servesMetrics) say(`port ${metricsPort} is in use: this run serves no /metrics (set WORKER_METRICS_PORT to another port)`);
  const metrics = installTemporalRuntime(log, { minimumLogLevel: 'ERROR', metricsAddress: servesMetrics ? metricsAddress(settings, metricsPort) : undefined });
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.warn({ err: String(err) }, 'while stopping'));
  };

  const codec = encryptionCodec(settings);
  try {
    let address = settings.TEMPORAL_ADDRESS;
    let uiUrl = 'your Temporal cluster\'s Web UI';
    if (!address) {
      for (const port of [settings.TEMPORAL_PORT, settings.TEMPORAL_UI_PORT]) {
        if (!(await portIsFree(port))) {
          throw new Error(`port ${port} is in use (another Temporal server?): stop it, or set TEMPORAL_PORT/TEMPORAL_UI_PORT, or TEMPORAL_ADDRESS to use it`);
        }
      }
      const cliPath = await ensureTemporalCli(process.env, say);
      let uiCodecEndpoint: string | undefined;
      if (codec) {
        const codecServer = await startCodecServer(codec, { port: settings.CODEC_SERVER_PORT, uiOrigin: `http://localhost:${settings.TEMPORAL_UI_PORT}` });
        stops.push(() => codecServer.close());
        uiCodecEndpoint = codecServer.url;
        say(`History encryption on; the Web UI decodes payloads through ${uiCodecEndpoint}`);
      }
      say(`Starting the Temporal dev server (${cliPath})...`);
      const devServer = await startDevServer({
        cliPath, dbFilename: dataPaths(settings).temporalDb, port: settings.TEMPORAL_PORT, uiPort: settings.TEMPORAL_UI_PORT, uiCodecEndpoint,
      });
      stops.push(() => devServer.stop());
      address = devServer.address;
      uiUrl = devServer.uiUrl;
    }

    say(settings.DATABASE_URL ? 'Using PostgreSQL at DATABASE_URL...' : 'Starting the embedded PostgreSQL...');
    const database = await openConfiguredDatabase(settings, { adoptLeftRunning: true });
    stops.push(() => database.stop());
    const pool = createPool(database.connectionString, (err) => log.warn({ err: err.message }, 'database connection lost'));
    stops.push(() => pool.end());

    const defaultPort = defaultMockConfig().port;
    const mockPort = (await portIsFree(defaultPort)) ? defaultPort : await freePort();
    const demoPlatform = mockConfigFromEnv({ ...mockEnv(DEMO_PLATFORM), ...process.env, PORT: String(mockPort) });
    const mock = await startMockPlatformProcess(demoPlatform);
    stops.push(() => mock.process.stop());
    say(`Mock ad platform at ${mock.url} (${DEMO_ACCOUNTS} demo accounts, 10% 503s, 5% hung requests)`);

    // Demo clients and their credentials; the credentials stay in this process's memory.
    const credentialEnv: Record<string, string> = {};
    const clientIds: string[] = [];
    for (let i = 1; i <= DEMO_ACCOUNTS; i++) {
      const account = generatedAccountCredentials(i);
      const ref = `demo-${account.id}`;
      const names = credentialEnvNames(ref);
      credentialEnv[names.email] = account.email;
      credentialEnv[names.password] = account.password;
      await saveClient(pool, {
        id: `demo-${account.id}`, name: `Demo ${account.id}`, apiBaseUrl: mock.url, credentialsRef: ref,
        rateLimit: demoPlatform.rateLimit,
        rateWindowMs: demoPlatform.rateWindowMs,
        enabled: true,
      });
      clientIds.push(`demo-${account.id}`);
    }

    const nativeConnection = await NativeConnection.connect({ address });
    const platform = new PlatformClient({ ...platformTimeouts(settings), headersMs: Math.min(settings.PLATFORM_HEADERS_TIMEOUT_MS, 5000) }, metrics.platformRequest);
    const worker = await createCampaignSyncWorker({
      connection: nativeConnection, namespace: settings.TEMPORAL_NAMESPACE, taskQueue: settings.TEMPORAL_TASK_QUEUE,
      pool, platform, credentials: createCredentialStore({ ...process.env, ...credentialEnv }), codec, metrics,
    });
    const workerRun = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
      await Promise.all([nativeConnection.close(), platform.close()]);
    });

    const connection = await Connection.connect({ address });
    stops.push(() => connection.close());
    const temporal = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE, dataConverter: dataConverter(codec) });
    const syncs = await startClientSyncs(temporal, settings.TEMPORAL_TASK_QUEUE, clientIds.map((clientId) => ({ clientId, pageSize: 10 })));
    const handles = new Map<string, SyncHandle>(clientIds.map((clientId, i) => [clientId, syncs[i]!.handle]));
    say(`Syncing ${clientIds.length} clients; watch them at ${uiUrl}/namespaces/${settings.TEMPORAL_NAMESPACE}/workflows`);
    if (servesMetrics) say(`Worker metrics: http://${metricsAddress(settings, metricsPort)}/metrics`);
    const started = Date.now();
    const outcomes = await followSyncs(handles, process.stdout);
    say(`\nSummary (${((Date.now() - started) / 1000).toFixed(1)} s):`);
    let failures = 0;
    for (const [clientId, outcome] of [...outcomes].sort(([a], [b]) => a.localeCompare(b))) {
      if (outcome instanceof Error || outcome.failed > 0) failures += 1;
      say(`  ${clientId}: ${outcome instanceof Error ? `FAILED: ${failureReason(outcome)}` : describeProgress(outcome)}`);
    }
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM campaigns WHERE client_id = any($1::text[])', [clientIds]);
    say(`  campaigns in PostgreSQL: ${rows[0]!.n}`);
    say(`Web UI: ${uiUrl}`);

    if (!once) {
      say('Running; start more syncs with `npm run cli -- sync --all --wait`. Press Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      say('Stopping...');
    }
    await stopAll();
    process.exitCode = failures ? 1 : 0;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`campaign-sync: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
