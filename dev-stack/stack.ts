import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { temporal as proto } from '@temporalio/proto';
import { saveClient, type ClientRecord } from '../src/db/clients';
import { startDevServer, startThrowawayDevServer, type DevServer } from './temporal-dev-server';
import { credentialEnvNames } from '../src/platform/credentials';
import { dataConverter, EncryptionCodec } from '../src/codec/encryption-codec';
import { startClientSync } from '../src/temporal-ops/syncs';
import type { SyncClientInput } from '../src/contract/sync';
import type { syncClientWorkflow } from '../src/workflows';
import { testDatabase, type TestDatabase } from './databases';
import { startMockProcess, type MockProcess } from './mock-platform-process';
import type { MockConfig } from '../mock-api/config';
import { startWorkerProcess, type WorkerProcess } from './worker-process';
import { freePort } from './processes';
import { connectionOptionsOf } from './frontend-security';
import { Lifecycle } from './lifecycle';

const temporalEnvOf = (server: DevServer) => server.connectEnv ?? { TEMPORAL_ADDRESS: server.address };

/** History encryption for a stack's workers and client: a key ring (id -> base64 key) and the id that encrypts. */
export interface StackEncryption {
  keys: Record<string, string>;
  currentKeyId: string;
}

/** The environment that gives a worker (or the CLI) this key ring. */
export const encryptionEnv = (encryption: StackEncryption): Record<string, string> => ({
  CAMPAIGN_SYNC_ENCRYPTION_KEYS: Object.entries(encryption.keys)
    .map(([id, key]) => `${id}:${key}`)
    .join(','),
  CAMPAIGN_SYNC_ENCRYPTION_KEY_ID: encryption.currentKeyId,
});

export const encryptionCodecFor = (encryption: StackEncryption): EncryptionCodec =>
  new EncryptionCodec({
    currentKeyId: encryption.currentKeyId,
    keys: new Map(Object.entries(encryption.keys).map(([id, key]) => [id, Buffer.from(key, 'base64')])),
  });

type History = proto.api.history.v1.IHistory;

/** The real parts, each its own process: Temporal dev server, PostgreSQL, the mock platform, workers. */
export class Stack {
  readonly taskQueue = `sync-${randomUUID()}`;
  readonly workers: WorkerProcess[] = [];
  /** Every login given to addClient: secrets the leak search (test/helpers/secret-leaks.ts) looks for. */
  readonly logins: { email: string; password: string }[] = [];
  /** The key ring the stack encrypts with, when it does (its keys are secrets the leak search looks for). */
  encryption?: StackEncryption;
  /** The codec the stack's client uses (undefined: payloads in plain JSON), for reading histories as a person would. */
  codec?: PayloadCodec;
  private credentialsEnv: Record<string, string> = {};
  private workerEnv: Record<string, string> = {};

  private constructor(
    public devServer: DevServer,
    readonly database: TestDatabase,
    readonly mock: MockProcess,
    public temporal: Client,
    private readonly connection: Connection,
    private readonly lifecycle: Lifecycle,
  ) {
    // Registered last, so stopped first: workers before the servers they use.
    lifecycle.onStop(() => Promise.allSettled(this.workers.map((w) => w.stop('SIGKILL'))));
  }

  /**
   * `database`: `embedded` for tests that restart PostgreSQL, `reachable` for tests that need a server of their own to
   * make roles on (DATABASE_URL's or 127.0.0.1:5432) (default: DATABASE_URL's server or embedded).
   * `temporal`: another Temporal server than the dev server (the server built from Go, on the test's PostgreSQL server);
   * its `connectEnv` (TLS, API key) serves the stack's Temporal client and workers.
   * `encryption`: the key ring of the workers started from now on and of `temporal`, the stack's Temporal client.
   */
  static async start(
    mockSettings: Partial<MockConfig>,
    options: {
      database?: 'embedded' | 'reachable';
      encryption?: StackEncryption;
      temporal?: (database: TestDatabase) => Promise<DevServer>;
    } = {},
  ): Promise<Stack> {
    const temporal = options.temporal;
    const databaseWhere = options.database ?? 'configured';
    // A part that fails to start stops the others (their processes would outlive the test and keep jest from exiting).
    const lifecycle = new Lifecycle();
    const [devServer, database, mock] = temporal
      ? await lifecycle
          .startTogether(
            () => testDatabase(databaseWhere),
            () => startMockProcess(mockSettings),
          )
          .then(async ([db, m]) => [await lifecycle.start(() => temporal(db)), db, m] as const)
      : await lifecycle.startTogether(
          () => startThrowawayDevServer(),
          () => testDatabase(databaseWhere),
          () => startMockProcess(mockSettings),
        );
    const connection = await lifecycle.start(
      () => Connection.connect(connectionOptionsOf(temporalEnvOf(devServer))),
      (c) => c.close(),
    );
    const stack = new Stack(devServer, database, mock, new Client({ connection }), connection, lifecycle);
    if (options.encryption) stack.useEncryption(options.encryption);
    return stack;
  }

  /** Encrypts with this key ring from now on: workers started after this call, and the stack's client (a rotation). */
  useEncryption(encryption: StackEncryption) {
    this.encryption = encryption;
    this.codec = encryptionCodecFor(encryption);
    this.workerEnv = encryptionEnv(encryption);
    this.temporal = new Client({ connection: this.connection, dataConverter: dataConverter(this.codec) });
  }

  /** How workers and the CLI reach this stack's Temporal: its address, and for a secured server its TLS and API key. */
  get temporalEnv(): Record<string, string> {
    return temporalEnvOf(this.devServer);
  }

  /** Registers a client (credentials by reference, for the mock's host and port, given to workers through their environment). */
  async addClient(
    id: string,
    login: { email: string; password: string },
    rate: Pick<ClientRecord, 'rateLimit' | 'rateWindowMs' | 'sharedBudgetId'>,
  ) {
    const ref = `${id}-login`;
    await saveClient(this.database.pool, {
      id,
      name: id,
      apiBaseUrl: this.mock.url,
      credentialsRef: ref,
      enabled: true,
      ...rate,
    });
    this.logins.push({ email: login.email, password: login.password });
    const names = credentialEnvNames(ref);
    this.credentialsEnv[names.email] = login.email;
    this.credentialsEnv[names.password] = login.password;
    this.credentialsEnv[names.host] = new URL(this.mock.url).host;
  }

  /**
   * A worker process; it serves /metrics on a free port unless `env` names one (WORKER_METRICS_PORT).
   * A port freePort found can be taken before the worker binds it (servers start beside it): then
   * it starts again on another.
   */
  async startWorker(env: Record<string, string> = {}, script?: string) {
    for (let attempt = 1; ; attempt++) {
      try {
        const worker = await startWorkerProcess(
          {
            WORKER_METRICS_PORT: String(await freePort()),
            DATABASE_URL: this.database.connectionString,
            ...this.temporalEnv,
            TEMPORAL_TASK_QUEUE: this.taskQueue,
            PLATFORM_HEADERS_TIMEOUT_MS: '2000',
            PLATFORM_BODY_TIMEOUT_MS: '2000',
            ...this.credentialsEnv,
            ...this.workerEnv,
            ...env,
          },
          script,
        );
        this.workers.push(worker);
        return worker;
      } catch (err) {
        const portTaken = String(err).includes('metrics exporter: Address already in use');
        if (attempt >= 3 || !portTaken || 'WORKER_METRICS_PORT' in env || 'WORKER_METRICS_PORT' in this.workerEnv) throw err;
      }
    }
  }

  /** Starts (or joins) a client's sync the way the CLI and `npm start` do. */
  async startSync(input: SyncClientInput): Promise<WorkflowHandleWithFirstExecutionRunId<typeof syncClientWorkflow>> {
    return (await startClientSync(this.temporal, this.taskQueue, input)).handle;
  }

  async campaignRows(clientId: string) {
    const { rows } = await this.database.pool.query(
      `SELECT campaign_id AS id, name, status, budget::float8 AS budget, impressions::float8 AS impressions,
              clicks::float8 AS clicks, conversions::float8 AS conversions,
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
         FROM campaigns WHERE client_id = $1 ORDER BY campaign_id`,
      [clientId],
    );
    return rows as Record<string, unknown>[];
  }

  /** Kills the dev server and starts it again on the same port and SQLite file. */
  async restartDevServer(downMs: number) {
    await this.devServer.process.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, downMs));
    const options = this.devServer.options;
    this.devServer = await this.lifecycle.start(() => startDevServer(options));
  }

  /** Every history of the task queue's workflows (parents, children, earlier runs), as the SDK returns them (payload bytes as bytes). */
  async historyObjects(): Promise<History[]> {
    const histories: History[] = [];
    for await (const execution of this.temporal.workflow.list({ query: `TaskQueue = '${this.taskQueue}'` })) {
      histories.push(await this.temporal.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory());
    }
    return histories;
  }

  async stop() {
    await this.lifecycle.stop();
  }
}

export const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.id).localeCompare(String(b.id));
