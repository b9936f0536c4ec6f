import { NativeConnection, Worker } from '@temporalio/worker';
import { Pool } from 'pg';
import { createActivities } from './activities';
import { loadSettings, dataPaths } from './config';
import { openDatabase, migrate } from './infra/database';
import { createLogger } from './logger';

export interface CampaignSyncWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  pool: Pool;
  /** Defaults to this package's workflows; tests may bundle their own. */
  workflowsPath?: string;
  maxConcurrentActivityTaskExecutions?: number;
}

export async function createCampaignSyncWorker(options: CampaignSyncWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath: options.workflowsPath ?? require.resolve('./workflows'),
    activities: createActivities({ pool: options.pool }),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 50,
  });
}

/** A worker process: connects, runs until SIGTERM or SIGINT, then drains and exits. */
async function main() {
  const settings = loadSettings();
  const log = createLogger(settings.LOG_LEVEL);
  const database = await openDatabase({
    databaseUrl: settings.DATABASE_URL,
    dataDir: dataPaths(settings).embeddedPostgres,
    port: settings.EMBEDDED_PG_PORT,
  });
  await migrate(database.connectionString);
  const pool = new Pool({ connectionString: database.connectionString });
  const address = settings.TEMPORAL_ADDRESS ?? `127.0.0.1:${settings.TEMPORAL_PORT}`;
  const connection = await NativeConnection.connect({ address });
  const worker = await createCampaignSyncWorker({
    connection,
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    pool,
  });
  log.info({ address, taskQueue: settings.TEMPORAL_TASK_QUEUE }, 'worker started');
  // Worker.run() installs SIGTERM/SIGINT handlers that drain in-flight tasks before resolving.
  await worker.run();
  await connection.close();
  await pool.end();
  log.info('worker stopped');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
