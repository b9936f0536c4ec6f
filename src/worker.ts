import type { PayloadCodec } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { dataConverter, encryptionCodec } from './codec/encryption-codec';
import { createPool } from './db/pool';
import { createActivities, type ActivityDependencies } from './activities';
import {
  databasePoolOptions,
  DEFAULT_MAX_CONCURRENT_ACTIVITIES,
  DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS,
  loadSettings,
  metricsAddress,
  platformLimits,
  type Settings,
} from './config';
import { openConfiguredDatabase } from './infra/database';
import { searchAttributesMissing } from './infra/startup-errors';
import { connectNativeTemporal, resolveTemporalConnection } from './infra/temporal-connection';
import { missingSearchAttributes } from './infra/search-attributes';
import { createLogger, type Logger } from './logger';
import type { SyncMetrics } from './metrics';
import { installTemporalRuntime } from './infra/temporal-runtime';
import { PlatformApi, type PlatformObserver } from './platform/api';
import { createCredentialStore } from './platform/credentials';
import { workflowCode } from './workflow-bundle';

export interface CampaignSyncWorkerOptions extends ActivityDependencies {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Defaults to this package's workflows (the prebuilt bundle when there is one); tests may bundle their own. */
  workflowsPath?: string;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxCachedWorkflows?: number;
  /** The encryption codec, when history encryption is on. */
  codec?: PayloadCodec;
}

/**
 * Syncs record their client and outcome in search attributes; on a namespace without them every
 * sync would stall at its first upsert, so a worker refuses to start instead, saying what to run.
 */
async function requireSearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length > 0) throw searchAttributesMissing(namespace, missing);
}

export async function createCampaignSyncWorker(options: CampaignSyncWorkerOptions): Promise<Worker> {
  await requireSearchAttributes(options.connection, options.namespace);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowsPath ? { workflowsPath: options.workflowsPath } : workflowCode({ encodeFailures: options.codec !== undefined })),
    activities: createActivities(options),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? DEFAULT_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTaskExecutions ?? DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: options.maxCachedWorkflows,
    // A fleet's syncs start at once: pollers scale with the backlog instead of a fixed few
    // (by default 2 of 10 workflow pollers take new workflows' first tasks).
    workflowTaskPollerBehavior: { type: 'autoscaling' },
    // A killed worker's cached workflows (a batch's timer firing, say) move to a live worker after
    // 3 s instead of the SDK's 10: the server only stops dispatching to it 10 s after its last poll.
    stickyQueueScheduleToStartTimeout: '3 seconds',
    // A worker told to stop stops, even with Temporal gone: in-flight activities get 5 s to wind
    // down (their work is retried elsewhere), and the whole shutdown at most 15 s.
    shutdownGraceTime: '5 seconds',
    shutdownForceTime: '15 seconds',
    activityTaskPollerBehavior: { type: 'autoscaling' },
    dataConverter: dataConverter(options.codec),
  });
}

/** Where a worker polls and how much it runs at once, as the settings say; `namespace` is the resolved connection's. */
export function workerSettings(settings: Settings, namespace: string) {
  return {
    namespace,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    maxConcurrentActivityTaskExecutions: settings.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: settings.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: settings.WORKER_MAX_CACHED_WORKFLOWS,
  } satisfies Partial<CampaignSyncWorkerOptions>;
}

/** What PlatformApi reports becomes metrics; a misbehaving platform is also a warning in the log. */
export function platformObserver(metrics: SyncMetrics, log: Logger): PlatformObserver {
  return {
    request: metrics.platformRequest,
    misbehaved: (client, endpoint, kind, detail) => {
      metrics.platformMisbehaved(client, endpoint, kind);
      log.warn({ client, endpoint, kind }, `the platform misbehaved: ${detail}`);
    },
  };
}

/** A worker process: connects, runs until SIGTERM or SIGINT, drains in-flight tasks, exits. */
async function main() {
  const settings = loadSettings();
  const log = createLogger(settings.LOG_LEVEL);
  const metrics = installTemporalRuntime(log, { metricsAddress: metricsAddress(settings) });
  const credentials = createCredentialStore(process.env, (message) => log.warn(message));
  credentials.checkFile();
  const database = await openConfiguredDatabase(settings, { onWarning: (line) => log.warn(line) });
  const pool = createPool(database.connectionString, databasePoolOptions(settings, 'campaign-sync-worker'), (err) =>
    log.warn({ err: err.message }, 'database connection lost'),
  );
  const platform = new PlatformApi(platformLimits(settings), platformObserver(metrics, log));
  const temporal = resolveTemporalConnection(settings);
  const connection = await connectNativeTemporal(temporal);
  const worker = await createCampaignSyncWorker({
    connection,
    ...workerSettings(settings, temporal.namespace),
    pool,
    platform,
    credentials,
    metrics,
    codec: encryptionCodec(settings),
  });
  log.info(
    {
      address: temporal.address,
      namespace: temporal.namespace,
      tls: temporal.summary.tls,
      taskQueue: settings.TEMPORAL_TASK_QUEUE,
      pid: process.pid,
    },
    'worker started',
  );
  // The SDK's runtime turns SIGTERM/SIGINT into a graceful shutdown: run() resolves once drained.
  await worker.run();
  await Promise.all([connection.close(), pool.end(), platform.close()]);
  log.info('worker stopped');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
