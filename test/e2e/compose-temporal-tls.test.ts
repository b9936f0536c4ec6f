import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { Client } from 'pg';
import { testDatabase, type TestDatabase } from '../../dev-stack/databases';
import { freePort, spawnTied, type TiedProcess } from '../../dev-stack/processes';
import { findTemporalCli } from '../../dev-stack/temporal-cli';
import { freePortBelow, postgresServerOf, setUpSchemas, temporalServerParts, type PostgresServer } from '../../dev-stack/temporal-server';
import { PROJECT_ROOT } from '../../src/config';
import { SEARCH_ATTRIBUTES } from '../../src/contract/sync';
import { localEnvironment, readCompose, secretFile, substitute } from '../helpers/compose';

// docker-compose.yml's Temporal server with TLS, without Docker: the Go-built server (the same
// v1.30.1 as the temporalio/server image) runs `start` with no configuration file, so it renders
// its embedded template from the environment, as the image's entrypoint does. That environment is
// the compose file's, read from it; only hosts, ports, paths (the secrets, made here by the deploy
// scripts) and the database user and password become the local server's. The clients use the
// environment the compose file gives the workers and the namespace job (envconfig's variables).

jest.setTimeout(240_000);

const compose = readCompose('docker-compose.yml');
const execute = promisify(execFile);
const serverBinary = temporalServerParts().server;
const databases = { main: `temporal_tls_${process.pid}`, visibility: `temporal_tls_visibility_${process.pid}` };

let secrets: string;
/** The PostgreSQL server the tests use (DATABASE_URL's or an embedded one); Temporal's databases go beside the scratch one. */
let database: TestDatabase | undefined;
let pg: PostgresServer;
let server: TiedProcess | undefined;
let output = '';
/** The line in which the server says its configuration came from its environment (no file). */
const CONFIGURATION_FROM_ENVIRONMENT = 'Loading configuration from environment variables only';
/** Whether it said so: looked for in every chunk (stdout and stderr interleave, so "the first lines" are not fixed). */
let configuredFromEnvironment = false;
let address: string;

/** A bind-mounted file's path here: the source of the compose volume whose target is `containerPath`. */
function mountedFile(service: string, containerPath: string): string {
  const volume = (compose.services[service]!.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === containerPath);
  if (!volume) throw new Error(`${service} mounts nothing at ${containerPath}`);
  return join(PROJECT_ROOT, volume[0]!);
}

/** A membership port (the server stores them as smallint). */
const membershipPort = () => freePortBelow(32768);

/** The environment a client service (worker, namespace job) gets, its address the local server's. */
const connectEnvironment = (service: string): Record<string, string> => ({
  ...localEnvironment(compose, service, secrets),
  TEMPORAL_ADDRESS: address,
});

beforeAll(async () => {
  if (!existsSync(serverBinary)) throw new Error(`No Temporal server at ${serverBinary}: run \`npm run temporal-server:ensure\` first`);
  secrets = mkdtempSync(join(tmpdir(), 'campaign-sync-compose-tls-'));
  execFileSync('/bin/sh', [join(PROJECT_ROOT, 'deploy', 'make-secrets.sh'), secrets]);
  execFileSync('/bin/sh', [join(PROJECT_ROOT, 'deploy', 'tls', 'make-certs.sh'), join(secrets, 'tls')]);
  database = await testDatabase('configured');
  pg = postgresServerOf(database.connectionString);
  // The database password the server reads from its secret file: the local server's.
  writeFileSync(secretFile(compose, 'temporal-db-password', secrets), `${pg.password}\n`, { mode: 0o600 });
  await setUpSchemas(pg, databases);

  const service = compose.services.temporal!;
  const composed = localEnvironment(compose, 'temporal', secrets);
  const ports = {
    FRONTEND_GRPC_PORT: await freePort(),
    FRONTEND_HTTP_PORT: await freePort(),
    MATCHING_GRPC_PORT: await freePort(),
    HISTORY_GRPC_PORT: await freePort(),
    WORKER_GRPC_PORT: await freePort(),
    FRONTEND_MEMBERSHIP_PORT: await membershipPort(),
    MATCHING_MEMBERSHIP_PORT: await membershipPort(),
    HISTORY_MEMBERSHIP_PORT: await membershipPort(),
    WORKER_MEMBERSHIP_PORT: await membershipPort(),
  };
  address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
  expect(composed.BIND_ON_IP).toBe('0.0.0.0');
  const env: Record<string, string> = {
    ...composed,
    // Local hosts, ports, paths and user instead of the compose network's.
    POSTGRES_SEEDS: pg.host,
    DB_PORT: String(pg.port),
    POSTGRES_USER: pg.user,
    DBNAME: databases.main,
    VISIBILITY_DBNAME: databases.visibility,
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1', // what the image's entrypoint derives from the container's address
    PROMETHEUS_ENDPOINT: `127.0.0.1:${await freePort()}`,
    DYNAMIC_CONFIG_FILE_PATH: mountedFile('temporal', composed.DYNAMIC_CONFIG_FILE_PATH!),
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    PATH: process.env.PATH!,
    HOME: process.env.HOME!,
  };
  // The compose file's entrypoint (the password from its secret file), then the image's command,
  // `temporal-server start` with no configuration file.
  expect(service.entrypoint).toEqual(['/bin/sh', '/etc/temporal/env-from-files.sh']);
  server = spawnTied('/bin/sh', [mountedFile('temporal', '/etc/temporal/env-from-files.sh'), serverBinary, 'start'], {
    env,
    cwd: secrets,
    onOutput: (chunk) => {
      // The tail before the chunk too, for a line split across two chunks.
      configuredFromEnvironment ||= (output.slice(-200) + chunk).includes(CONFIGURATION_FROM_ENVIRONMENT);
      output = (output + chunk).slice(-6000);
    },
  });
  // Ready when a client with the workers' certificate gets an answer.
  const options = loadClientConnectConfig({ disableFile: true, overrideEnvVars: connectEnvironment('worker') }).connectionOptions;
  for (let attempt = 0; ; attempt++) {
    if (server.child.exitCode !== null) throw new Error(`the Temporal server exited: ${output.slice(-1500)}`);
    try {
      await (await Connection.connect({ address, tls: options.tls, connectTimeout: 2000 })).close();
      break;
    } catch (err) {
      if (attempt > 120) throw new Error(`no TLS answer from ${address}; server output: ${output.slice(-1500)}`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
});

afterAll(async () => {
  await server?.stop('SIGTERM', 15_000);
  if (secrets) rmSync(secrets, { recursive: true, force: true });
  if (!database) return;
  const admin = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: 'postgres' });
  await admin.connect();
  for (const name of Object.values(databases)) await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  await admin.end();
  await database.stop();
});

describe("docker-compose.yml's Temporal server with TLS from its environment (Go-built v1.30.1, embedded template)", () => {
  test('renders its embedded template, there being no configuration file, as the image does', () => {
    expect(compose.services.temporal!.command).toEqual(['/etc/temporal/entrypoint.sh']); // `exec temporal-server start`
    expect(configuredFromEnvironment).toBe(true);
  });

  test("the namespace job, with the compose file's client TLS environment, registers the namespace and search attributes", async () => {
    const env = connectEnvironment('temporal-namespace');
    const namespace = substitute(compose.services['temporal-namespace']!.environment!.NAMESPACE!);
    const { stdout } = await execute('/bin/sh', [join(PROJECT_ROOT, 'deploy', 'temporal', 'register-namespace.sh')], {
      env: { ...env, PATH: `${dirname(findTemporalCli()!)}:${process.env.PATH}`, HOME: process.env.HOME! },
    });
    expect(stdout).toContain(`Namespace ${namespace} and its search attributes are ready`);
    const { connectionOptions } = loadClientConnectConfig({ disableFile: true, overrideEnvVars: env });
    const connection = await Connection.connect({ address, tls: connectionOptions.tls });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(SEARCH_ATTRIBUTES.map((key) => key.name)));
    } finally {
      await connection.close();
    }
  });

  test("the workers' environment, through @temporalio/envconfig, connects a worker's connection and a client's with mutual TLS", async () => {
    const env = connectEnvironment('worker');
    const { connectionOptions, namespace } = loadClientConnectConfig({ disableFile: true, overrideEnvVars: env });
    expect(connectionOptions.tls).toMatchObject({
      serverNameOverride: 'temporal',
      serverRootCACertificate: readFileSync(env.TEMPORAL_TLS_SERVER_CA_CERT_PATH!),
      clientCertPair: { crt: readFileSync(env.TEMPORAL_TLS_CLIENT_CERT_PATH!), key: readFileSync(env.TEMPORAL_TLS_CLIENT_KEY_PATH!) },
    });
    const native = await NativeConnection.connect(connectionOptions);
    try {
      const { namespaceInfo } = await native.workflowService.describeNamespace({ namespace });
      expect(namespaceInfo?.name).toBe('default');
    } finally {
      await native.close();
    }
    const client = await Connection.connect({ address, tls: connectionOptions.tls });
    try {
      expect((await client.workflowService.getSystemInfo({})).serverVersion).toBe('1.30.1');
    } finally {
      await client.close();
    }
  });

  test('refuses a client without a certificate, one whose certificate another CA signed, and plaintext', async () => {
    const { connectionOptions } = loadClientConnectConfig({ disableFile: true, overrideEnvVars: connectEnvironment('worker') });
    const tls = connectionOptions.tls as { serverNameOverride: string; serverRootCACertificate: Buffer };
    const other = join(secrets, 'other-ca');
    execFileSync('/bin/sh', [join(PROJECT_ROOT, 'deploy', 'tls', 'make-certs.sh'), other]);
    const attempts = {
      'no client certificate': { serverNameOverride: tls.serverNameOverride, serverRootCACertificate: tls.serverRootCACertificate },
      'a client certificate from another CA': {
        ...tls,
        clientCertPair: { crt: readFileSync(join(other, 'client.pem')), key: readFileSync(join(other, 'client.key')) },
      },
      'a server it does not trust (another CA)': { ...tls, serverRootCACertificate: readFileSync(join(other, 'ca.pem')) },
      plaintext: false,
    } as const;
    for (const [what, attempt] of Object.entries(attempts)) {
      const outcome = await Connection.connect({ address, tls: attempt, connectTimeout: 5000 }).then(
        async (connection) => {
          await connection.close();
          return 'connected';
        },
        () => 'refused',
      );
      expect({ what, outcome }).toEqual({ what, outcome: 'refused' });
    }
  });
});
