import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort, portIsFree, spawnTied, type TiedProcess } from './processes';
import { findTemporalCli } from './temporal-cli';
import { waitForFrontend, type DevServer } from './temporal-dev-server';
import {
  connectionOptionsOf,
  frontendConnectEnv,
  frontendSecurityConfig,
  type FrontendSecurity,
  type FrontendSecurityConfig,
} from './frontend-security';
import { PROJECT_ROOT } from '../src/config';

/** Temporal's own server, as docker-compose.yml runs it (temporalio/server:1.30.1), built from Go. */
export const TEMPORAL_SERVER_VERSION = 'v1.30.1';

export function temporalServerDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'campaign-sync', 'temporal-server', TEMPORAL_SERVER_VERSION);
}

export const temporalServerParts = (dir = temporalServerDir()) => ({
  server: join(dir, 'server'),
  sqlTool: join(dir, 'sql'),
  schemaDir: join(dir, 'schema', 'postgresql', 'v12'),
});

/** A PostgreSQL server the Temporal server may create its own databases on. */
export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
}

export const postgresServerOf = (connectionString: string): PostgresServer => {
  const url = new URL(connectionString);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
};

/** The server stores membership ports as smallint: a free port below `limit`, off the ephemeral range. */
export async function freePortBelow(limit: number): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * (limit - 20_000));
    if (await portIsFree(port)) return port;
  }
}

/**
 * Temporal's databases and their schemas, set up by the compose file's schema job
 * (deploy/temporal/setup-schema.sh) with the SQL tool and schema files built from Go.
 */
export async function setUpSchemas(pg: PostgresServer, databases: { main: string; visibility: string }) {
  const { sqlTool, schemaDir } = temporalServerParts();
  // The job calls the tool by the name the admin-tools image gives it.
  const bin = mkdtempSync(join(tmpdir(), 'campaign-sync-sql-tool-'));
  symlinkSync(sqlTool, join(bin, 'temporal-sql-tool'));
  await promisify(execFile)('/bin/sh', [join(PROJECT_ROOT, 'deploy', 'temporal', 'setup-schema.sh')], {
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      SCHEMA_DIR: schemaDir,
      TEMPORAL_DB: databases.main,
      VISIBILITY_DB: databases.visibility,
      POSTGRES_SEEDS: pg.host,
      DB_PORT: String(pg.port),
      POSTGRES_USER: pg.user,
      SQL_PASSWORD: pg.password,
    },
  });
}

/** The server's configuration (Temporal's common/config/config.go), written as JSON, which YAML includes. */
function serverConfig(
  pg: PostgresServer,
  databases: { main: string; visibility: string },
  ports: Record<string, number>,
  dynamicConfig: string,
  security: FrontendSecurityConfig | undefined,
): Record<string, unknown> {
  const store = (databaseName: string) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: pg.password,
      maxConns: 20,
      maxIdleConns: 20,
      maxConnLifetime: '1h',
    },
  });
  const service = (name: string) => ({
    [name]: {
      rpc: {
        grpcPort: ports[`${name}Grpc`],
        membershipPort: ports[`${name}Membership`],
        bindOnLocalHost: true,
        httpPort: ports[`${name}Http`], // frontends only; JSON leaves it out elsewhere
      },
    },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: 4,
      datastores: { default: store(databases.main), visibility: store(databases.visibility) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics}` } },
      ...(security && { tls: security.tls, ...(security.authorization && { authorization: security.authorization }) }),
    },
    services: {
      ...service('frontend'),
      ...(security?.internalFrontend && service(INTERNAL_FRONTEND)),
      ...service('matching'),
      ...service('history'),
      ...service('worker'),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontendGrpc}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfig, pollInterval: '10s' },
  };
}

const INTERNAL_FRONTEND = 'internal-frontend';
const SERVICES = ['frontend', 'matching', 'history', 'worker'];

/** Temporal's own server as a Stack uses it; `restart` kills it and starts it again on the same databases. */
export type TemporalServer = DevServer & {
  connectEnv: Record<string, string>;
  /** The last few kilobytes it printed (warnings and errors), for a test to show when something fails. */
  output(): string;
  restart(downMs: number): Promise<void>;
};

/**
 * Temporal's own server on PostgreSQL, in databases of its own on `pg`, on free ports; the
 * namespace and search attributes registered by the compose file's namespace job. Shaped as the
 * dev server so a Stack can use it. `security`: TLS on the frontend, with client certificates or
 * the JWT authorizer (plaintext without); `connectEnv` says how to reach it.
 */
export async function startTemporalServer(pg: PostgresServer, security?: FrontendSecurity): Promise<TemporalServer> {
  const { server } = temporalServerParts();
  if (!existsSync(server)) throw new Error(`No Temporal server at ${server}: run \`npm run temporal-server:ensure\` first`);
  const id = `${process.pid}_${Date.now()}`;
  const databases = { main: `temporal_${id}`, visibility: `temporal_visibility_${id}` };
  await setUpSchemas(pg, databases);

  const securityConfig = security && frontendSecurityConfig(security);
  const services = securityConfig?.internalFrontend ? [...SERVICES, INTERNAL_FRONTEND] : SERVICES;
  const ports: Record<string, number> = { metrics: await freePort() };
  for (const name of services) {
    ports[`${name}Grpc`] = await freePort();
    if (name.endsWith('frontend')) ports[`${name}Http`] = await freePort();
    ports[`${name}Membership`] = await freePortBelow(32768);
  }
  const configFile = join(mkdtempSync(join(tmpdir(), 'campaign-sync-temporal-server-')), 'config.yaml');
  // The production stack's dynamic configuration.
  const dynamicConfig = join(PROJECT_ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml');
  writeFileSync(configFile, JSON.stringify(serverConfig(pg, databases, ports, dynamicConfig, securityConfig), null, 2));
  const address = `127.0.0.1:${ports.frontendGrpc}`;
  const connectEnv = frontendConnectEnv(security, address);
  // The set-up's calls: the namespace job's and the readiness check's.
  const adminEnv = { ...connectEnv, ...(security?.mode === 'jwt' && { TEMPORAL_API_KEY: security.adminApiKey }) };

  const args = ['--config-file', configFile, ...(securityConfig?.authorization ? [] : ['--allow-no-auth']), 'start'];
  for (const name of services) args.push('--service', name);
  let output = '';
  let current: TiedProcess;
  const launch = async () => {
    current = spawnTied(server, args, { onOutput: (chunk) => (output = (output + chunk).slice(-4000)) });
    await waitForFrontend(`Temporal server at ${address}`, connectionOptionsOf(adminEnv), {
      timeoutMs: 120_000,
      intervalMs: 500,
      gaveUp: () => (current.child.exitCode !== null ? `the server exited: ${output.slice(-800)}` : undefined),
    });
  };
  await launch();
  // The compose file's namespace job, run against this server (the CLI reads the same variables).
  await promisify(execFile)('/bin/sh', [join(PROJECT_ROOT, 'deploy', 'temporal', 'register-namespace.sh')], {
    env: { ...process.env, PATH: `${dirname(findTemporalCli()!)}:${process.env.PATH}`, ...adminEnv, NAMESPACE: 'default' },
  });
  return {
    options: { cliPath: server, dbFilename: databases.main, port: ports.frontendGrpc!, uiPort: 0 },
    address,
    uiUrl: '',
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    connectEnv,
    output: () => output,
    get process() {
      return current;
    },
    async stop() {
      await current.stop('SIGTERM', 15_000);
      // Its databases go with it (an embedded server goes whole anyway).
      const admin = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: 'postgres' });
      await admin.connect();
      for (const name of Object.values(databases))
        await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
      await admin.end();
    },
    async restart(downMs: number) {
      await current.stop('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await launch();
    },
  };
}
