import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parse as parseConnectionString } from 'pg-connection-string';
import { loadSettings, PROJECT_ROOT, SECRET_SETTINGS, SETTING_NAMES } from '../../src/config';
import { devServerArgs } from '../../dev-stack/temporal-dev-server';
import { SEARCH_ATTRIBUTES } from '../../src/contract/sync';
import { localEnvironment, readCompose, secretFile, SECRETS_MOUNT, substitute, type Compose } from '../helpers/compose';
import { copiesFromBuild, dockerfileStages, stageInstructions } from '../helpers/dockerfile';

// No Docker engine runs in CI: the compose files and the Dockerfile are checked by parsing them;
// the secrets they mount are made by the deploy scripts into a temporary folder.
const read = (file: string) => readFileSync(join(PROJECT_ROOT, file), 'utf8');
const production = readCompose('docker-compose.yml');
const dev = readCompose('docker-compose.dev.yml');
const services = (compose: Compose) => Object.entries(compose.services);
const service = (name: string) => production.services[name]!;
const env = (name: string) => service(name).environment!;
/** The health check of each service another waits for as healthy, by name. */
const healthChecksWaitedFor = (compose: Compose) =>
  Object.fromEntries(
    services(compose)
      .flatMap(([, s]) => Object.entries((s.depends_on ?? {}) as Record<string, { condition: string }>))
      .filter(([, { condition }]) => condition === 'service_healthy')
      .map(([dependency]) => dependency)
      .sort()
      .map((dependency) => [dependency, compose.services[dependency]!.healthcheck?.test]),
  );

/** The variables @temporalio/envconfig reads (and the `temporal` CLI, from Go's envconfig), from its source. */
const envconfigSource = readFileSync(require.resolve('@temporalio/envconfig/lib/envconfig-toml.js'), 'utf8');
/** Read by src/platform/credentials.ts, whose variable names come from each client's credentials ref. */
const CREDENTIALS_FILE = 'CAMPAIGN_SYNC_SECRETS_FILE';

let secrets: string;
beforeAll(() => {
  secrets = mkdtempSync(join(tmpdir(), 'campaign-sync-compose-secrets-'));
  execFileSync('/bin/sh', [join(PROJECT_ROOT, 'deploy', 'make-secrets.sh'), secrets]);
  execFileSync('/bin/sh', [join(PROJECT_ROOT, 'deploy', 'tls', 'make-certs.sh'), join(secrets, 'tls')]);
});
afterAll(() => rmSync(secrets, { recursive: true, force: true }));

describe('docker-compose.yml (production)', () => {
  const worker = service('worker');

  test("runs Temporal's own server on PostgreSQL with its schema and namespace jobs, the Web UI and its codec endpoint, the app's PostgreSQL, workers and Prometheus", () => {
    expect(Object.keys(production.services).sort()).toEqual([
      'app-db',
      'codec',
      'migrate',
      'prometheus',
      'temporal',
      'temporal-db',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
    expect(service('temporal').image).toMatch(/^temporalio\/server:1\.30\.\d+$/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:2\.\d+\.\d+$/);
    expect(env('temporal').DB).toBe('postgres12');
    expect(worker.build).toBe('.'); // the Dockerfile's default (last) stage: production, no mock
    expect(service('codec').build).toBe('.');
    expect(service('codec').image).toBe(worker.image);
    expect(service('codec').command).toEqual(['node', 'dist/src/codec/codec-server.js']);
    expect(worker.deploy?.replicas).toBeGreaterThanOrEqual(2);
  });

  test("every image is pinned to a version; the schema and namespace jobs use the server's own version", () => {
    for (const [name, s] of [...services(production), ...services(dev)]) {
      if (!s.image) continue;
      expect({ name, image: s.image }).toEqual({
        name,
        image: expect.stringMatching(/^[\w./-]+:(v?\d[\w.-]*|dev|\$\{CAMPAIGN_SYNC_VERSION:-local\})$/),
      });
    }
    const version = service('temporal').image!.split(':')[1];
    expect(service('temporal-schema').image).toBe(`temporalio/admin-tools:${version}`);
    expect(service('temporal-namespace').image).toBe(`temporalio/admin-tools:${version}`);
  });

  test('starts in order: databases healthy, schema set up, server healthy, namespace registered, then workers', () => {
    const waitsFor = (name: string) => service(name).depends_on as Record<string, { condition: string }>;
    expect(waitsFor('temporal-schema')).toEqual({ 'temporal-db': { condition: 'service_healthy' } });
    expect(waitsFor('temporal')).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(waitsFor('temporal-namespace')).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(waitsFor('migrate')).toEqual({ 'app-db': { condition: 'service_healthy' } });
    expect(waitsFor('worker')).toEqual({
      'app-db': { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
      'temporal-namespace': { condition: 'service_completed_successfully' },
    });
    // Whatever is waited for as healthy checks what its dependents need: the databases answer as
    // their user, the server on the port the clients dial. What runs for good restarts.
    expect(healthChecksWaitedFor(production)).toEqual({
      'app-db': ['CMD-SHELL', `pg_isready -U ${env('app-db').POSTGRES_USER}`],
      temporal: ['CMD', 'nc', '-z', 'localhost', env('worker').TEMPORAL_ADDRESS!.split(':')[1]],
      'temporal-db': ['CMD-SHELL', `pg_isready -U ${env('temporal-db').POSTGRES_USER}`],
    });
    for (const name of ['temporal-db', 'temporal', 'temporal-ui', 'codec', 'app-db', 'worker', 'prometheus'])
      expect(service(name).restart).toBe('unless-stopped');
    for (const name of ['temporal-schema', 'temporal-namespace', 'migrate']) expect(service(name).restart).toMatch(/^on-failure/);
  });

  test('publishes only the UI, the codec endpoint and Prometheus, on 127.0.0.1 unless CAMPAIGN_SYNC_BIND says otherwise', () => {
    const published = Object.fromEntries(services(production).flatMap(([name, s]) => (s.ports ? [[name, s.ports]] : [])));
    expect(published).toEqual({
      'temporal-ui': ['${CAMPAIGN_SYNC_BIND:-127.0.0.1}:8080:8080'],
      codec: ['${CAMPAIGN_SYNC_BIND:-127.0.0.1}:8888:8888'],
      prometheus: ['${CAMPAIGN_SYNC_BIND:-127.0.0.1}:9090:9090'],
    });
    for (const ports of Object.values(published)) {
      expect(ports.map((port) => substitute(port))).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/)]);
      expect(substitute(ports[0]!, { CAMPAIGN_SYNC_BIND: '10.0.0.5' })).toMatch(/^10\.0\.0\.5:/);
    }
    // Nothing reaches the Temporal frontend, the databases or a worker's metrics from outside.
    for (const name of ['temporal', 'temporal-db', 'app-db', 'worker']) expect(service(name).ports).toBeUndefined();
    // The dev stack too publishes on the loopback interface only.
    for (const [, s] of services(dev)) for (const port of s.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  test("docs/operating.md's port table says what the file publishes, and where", () => {
    const doc = read('docs/operating.md').split('\n');
    const header = doc.indexOf('| port | service | published on | who can reach it |');
    const rows = doc.slice(header + 2, doc.indexOf('', header)).map((line) => {
      const [ports, , where] = line.split(' | ');
      return { ports: ports!.replace(/^\| /, '').split(', '), where: where! };
    });
    const published = services(production).flatMap(([, s]) => (s.ports ?? []).map((port) => port.split(':')));
    expect(rows.filter((row) => row.where !== 'not published').flatMap((row) => row.ports.map((port) => `${row.where} ${port}`))).toEqual(
      published.map((parts) => `\`${parts.slice(0, -2).join(':')}\` ${parts.at(-1)}`),
    );
    // What stays inside the network: the frontend, both databases, the workers' and the server's metrics.
    expect(rows.filter((row) => row.where === 'not published').flatMap((row) => row.ports)).toEqual([
      '7233',
      '5432',
      env('worker').WORKER_METRICS_PORT,
      env('temporal').PROMETHEUS_ENDPOINT!.split(':')[1],
    ]);
  });

  test('the Web UI is read-only unless TEMPORAL_UI_DISABLE_WRITE_ACTIONS=false, and decodes through the codec endpoint with its access token', () => {
    const ui = env('temporal-ui');
    expect(substitute(ui.TEMPORAL_DISABLE_WRITE_ACTIONS!)).toBe('true');
    expect(substitute(ui.TEMPORAL_DISABLE_WRITE_ACTIONS!, { TEMPORAL_UI_DISABLE_WRITE_ACTIONS: 'false' })).toBe('false');
    expect(substitute(ui.TEMPORAL_CODEC_ENDPOINT!)).toBe(`http://localhost:${service('codec').ports![0]!.split(':').at(-1)}`);
    expect(ui.TEMPORAL_CODEC_PASS_ACCESS_TOKEN).toBe('true');
    expect(ui.TEMPORAL_CODEC_INCLUDE_CREDENTIALS).toBe('false');
  });

  test('the codec endpoint requires its token (a secret file) and answers only the UI origin and the host names it is published as', () => {
    const codec = env('codec');
    expect(codec.CODEC_SERVER_TOKEN_FILE).toBe(`${SECRETS_MOUNT}codec-token`);
    expect(codec.CODEC_SERVER_TOKEN).toBeUndefined();
    expect(service('codec').secrets).toEqual(['codec-token', 'encryption-key']);
    expect(codec.CODEC_SERVER_HOST).toBe('0.0.0.0'); // its container's interfaces; published on CAMPAIGN_SYNC_BIND
    expect(codec.CODEC_SERVER_PORT).toBe(service('codec').ports![0]!.split(':').at(-1));
    expect(substitute(codec.CODEC_SERVER_UI_ORIGIN!)).toBe(`http://localhost:${service('temporal-ui').ports![0]!.split(':').at(-1)}`);
    expect(substitute(codec.CODEC_SERVER_ALLOWED_HOSTS!).split(',')).toEqual(['localhost:8888', '127.0.0.1:8888']);
    expect(codec.CAMPAIGN_SYNC_ENCRYPTION_KEY_FILE).toBe(env('worker').CAMPAIGN_SYNC_ENCRYPTION_KEY_FILE);
    const token = readFileSync(secretFile(production, 'codec-token', secrets), 'utf8').trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
  });

  test('TLS with client certificates between the Temporal server and every client: workers, the namespace job and the UI', () => {
    const server = env('temporal');
    expect(server).toMatchObject({
      TEMPORAL_TLS_FRONTEND_CERT: `${SECRETS_MOUNT}temporal-server-cert`,
      TEMPORAL_TLS_FRONTEND_KEY: `${SECRETS_MOUNT}temporal-server-key`,
      TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: 'true',
      TEMPORAL_TLS_CLIENT1_CA_CERT: `${SECRETS_MOUNT}temporal-ca`,
      TEMPORAL_TLS_SERVER_CA_CERT: `${SECRETS_MOUNT}temporal-ca`,
      TEMPORAL_TLS_INTERNODE_SERVER_NAME: 'temporal',
      TEMPORAL_TLS_FRONTEND_SERVER_NAME: 'temporal',
    });
    const clientTls = {
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: `${SECRETS_MOUNT}temporal-ca`,
      TEMPORAL_TLS_CLIENT_CERT_PATH: `${SECRETS_MOUNT}temporal-client-cert`,
      TEMPORAL_TLS_CLIENT_KEY_PATH: `${SECRETS_MOUNT}temporal-client-key`,
      TEMPORAL_TLS_SERVER_NAME: 'temporal',
    };
    for (const name of ['worker', 'temporal-namespace']) expect(env(name)).toMatchObject(clientTls);
    for (const variable of Object.keys(clientTls)) expect(envconfigSource).toContain(`'${variable}'`);
    // The UI server's own names (temporalio/ui-server docker/config-template.yaml).
    expect(env('temporal-ui')).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_TLS_CA: `${SECRETS_MOUNT}temporal-ca`,
      TEMPORAL_TLS_CERT: `${SECRETS_MOUNT}temporal-client-cert`,
      TEMPORAL_TLS_KEY: `${SECRETS_MOUNT}temporal-client-key`,
      TEMPORAL_TLS_SERVER_NAME: 'temporal',
      TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: 'true',
    });
    // The certificates deploy/tls/make-certs.sh makes fit: the server's is for the name the clients
    // check, both chain to the CA, and the keys are readable by their owner only.
    const certificate = (name: string) => secretFile(production, name, secrets);
    const san = execFileSync('openssl', [
      'x509',
      '-in',
      certificate('temporal-server-cert'),
      '-noout',
      '-ext',
      'subjectAltName',
    ]).toString();
    expect(san).toContain(`DNS:${clientTls.TEMPORAL_TLS_SERVER_NAME}`);
    const verified = execFileSync('openssl', [
      'verify',
      '-CAfile',
      certificate('temporal-ca'),
      certificate('temporal-server-cert'),
      certificate('temporal-client-cert'),
    ]);
    expect(verified.toString().match(/: OK/g)).toHaveLength(2);
    for (const key of ['temporal-server-key', 'temporal-client-key']) expect(statSync(certificate(key)).mode & 0o777).toBe(0o600);
  });

  test('every /run/secrets path a service names is a secret it mounts, and every secret is a file the deploy scripts make (keys and passwords 0600)', () => {
    for (const [name, s] of services(production)) {
      for (const value of Object.values(s.environment ?? {})) {
        if (!value.startsWith(SECRETS_MOUNT)) continue;
        expect({ name, value, mounted: s.secrets ?? [] }).toEqual({
          name,
          value,
          mounted: expect.arrayContaining([value.slice(SECRETS_MOUNT.length)]),
        });
      }
    }
    const used = new Set(services(production).flatMap(([, s]) => s.secrets ?? []));
    for (const secret of Object.keys(production.secrets!)) {
      expect({ secret, used: used.has(secret) }).toEqual({ secret, used: true });
      if (secret === 'platform-credentials') continue; // the operator's own file (docs/operating.md)
      const file = secretFile(production, secret, secrets);
      if (file.endsWith('.pem')) continue; // certificates are public
      expect({ secret, mode: statSync(file).mode & 0o077 }).toEqual({ secret, mode: 0 });
    }
    expect(production.secrets!['platform-credentials']!.file).toMatch(/^\$\{PLATFORM_CREDENTIALS_FILE:-/);
    expect(read('.gitignore').split('\n')).toContain('secrets/');
    expect(read('.dockerignore').split('\n')).toContain('secrets');
  });

  test('no password, token or key is written in the file or passed as a variable: each comes from a secret file', () => {
    for (const [name, s] of services(production)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|PWD|TOKEN|SECRET|_KEY$/.test(key) && !/^TEMPORAL_CODEC_PASS_ACCESS_TOKEN$|^CAMPAIGN_SYNC_SECRETS_FILE$/.test(key))
          expect({ name, key, value }).toEqual({
            name,
            key: expect.stringMatching(/_FILE$|_KEY$/),
            value: expect.stringMatching(/^\/run\/secrets\/[\w-]+$/),
          });
      }
    }
    // The databases take their passwords from files; Temporal's images through deploy/temporal/env-from-files.sh.
    expect(env('temporal-db').POSTGRES_PASSWORD_FILE).toBe(`${SECRETS_MOUNT}temporal-db-password`);
    expect(env('app-db').POSTGRES_PASSWORD_FILE).toBe(`${SECRETS_MOUNT}app-db-password`);
    expect(env('temporal').POSTGRES_PWD_FILE).toBe(`${SECRETS_MOUNT}temporal-db-password`);
    expect(env('temporal-schema').SQL_PASSWORD_FILE).toBe(`${SECRETS_MOUNT}temporal-db-password`);
    expect(service('temporal').entrypoint).toEqual(['/bin/sh', '/etc/temporal/env-from-files.sh']);
    expect(service('temporal').command).toEqual(['/etc/temporal/entrypoint.sh']); // the image's own entrypoint
    expect(service('temporal-schema').entrypoint).toEqual(['/bin/sh', '/deploy/env-from-files.sh']);
    // The wrapper sets each password from its file and drops the _FILE variable (checked without printing it).
    const passwordFile = secretFile(production, 'temporal-db-password', secrets);
    const check = 'test "$POSTGRES_PWD" = "$(cat "$1")" && test "$SQL_PASSWORD" = "$(cat "$1")" && test -z "${POSTGRES_PWD_FILE:-}"';
    execFileSync(
      '/bin/sh',
      [join(PROJECT_ROOT, 'deploy', 'temporal', 'env-from-files.sh'), '/bin/sh', '-c', check, 'check', passwordFile],
      {
        env: { PATH: process.env.PATH, POSTGRES_PWD_FILE: passwordFile, SQL_PASSWORD_FILE: passwordFile },
      },
    );
    // Database URLs name a role, never its password (DATABASE_PASSWORD_FILE does).
    for (const [name, s] of services(production))
      for (const [key, value] of Object.entries(s.environment ?? {}))
        if (/DATABASE_(OWNER_)?URL$/.test(key))
          expect({ name, key, password: new URL(value).password }).toEqual({ name, key, password: '' });
  });

  test("the worker's and the codec endpoint's environments are valid configuration naming only settings the app reads", () => {
    const known = [...SETTING_NAMES, ...SECRET_SETTINGS.map((name) => `${name}_FILE`), CREDENTIALS_FILE];
    for (const name of ['worker', 'codec'])
      expect({
        name,
        unknown: Object.keys(env(name)).filter((key) => !known.includes(key) && !envconfigSource.includes(`'${key}'`)),
      }).toEqual({
        name,
        unknown: [],
      });
    const settings = loadSettings(localEnvironment(production, 'worker', secrets));
    expect(new URL(settings.DATABASE_URL!).hostname).toBe('app-db');
    expect(settings.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(settings.WORKER_METRICS_HOST).toBe('0.0.0.0');
    expect(Buffer.from(settings.CAMPAIGN_SYNC_ENCRYPTION_KEY!, 'base64')).toHaveLength(32);
    expect(env('worker')[CREDENTIALS_FILE]).toBe(`${SECRETS_MOUNT}platform-credentials`);
    expect(loadSettings(localEnvironment(production, 'codec', secrets)).CODEC_SERVER_PORT).toBe(8888);
  });

  test('Prometheus scrapes every worker replica on its metrics port and the Temporal server on its endpoint, inside the network', () => {
    const prometheus = parse(read('deploy/prometheus/prometheus.yml'));
    const jobs = Object.fromEntries(prometheus.scrape_configs.map((job: { job_name: string }) => [job.job_name, job]));
    expect(jobs['campaign-sync-worker'].dns_sd_configs[0]).toEqual({
      names: ['worker'],
      type: 'A',
      port: Number(worker.environment!.WORKER_METRICS_PORT),
    });
    expect(jobs['temporal-server'].static_configs[0].targets).toEqual([`temporal:${env('temporal').PROMETHEUS_ENDPOINT!.split(':')[1]}`]);
    expect(worker.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${worker.environment!.WORKER_METRICS_PORT}/metrics`);
  });

  test('the files the services mount exist; the jobs register the search attributes the worker requires', () => {
    for (const [, s] of services(production)) {
      for (const volume of s.volumes ?? []) {
        if (volume.startsWith('./')) expect(existsSync(join(PROJECT_ROOT, volume.split(':')[0]!))).toBe(true);
      }
    }
    for (const script of [
      'temporal/setup-schema.sh',
      'temporal/register-namespace.sh',
      'temporal/env-from-files.sh',
      'make-secrets.sh',
      'tls/make-certs.sh',
    ])
      accessSync(join(PROJECT_ROOT, 'deploy', script), constants.X_OK);
    const register = read('deploy/temporal/register-namespace.sh');
    for (const key of SEARCH_ATTRIBUTES) expect(register).toContain(key.name);
  });
});

describe('docker-compose.yml: database roles (owner migrates, workers read and write rows only)', () => {
  const migrate = service('migrate');
  const worker = service('worker');

  test("the migrate job runs the image's `campaign-sync migrate` as the owner role, granting the worker role", () => {
    expect(migrate.image).toBe(worker.image);
    expect(migrate.command).toEqual(['node', 'dist/src/cli.js', 'migrate', '--grant-to', 'campaign_sync_worker']);
    const settings = loadSettings(localEnvironment(production, 'migrate', secrets));
    const owner = parseConnectionString(settings.DATABASE_URL!);
    expect([owner.user, owner.host, owner.database]).toEqual([env('app-db').POSTGRES_USER, 'app-db', env('app-db').POSTGRES_DB]);
    expect(owner.password).toBe(readFileSync(secretFile(production, 'app-db-password', secrets), 'utf8').trim());
  });

  test('workers connect as campaign_sync_worker, the password from the secret file, and never migrate', () => {
    const settings = loadSettings(localEnvironment(production, 'worker', secrets));
    expect(parseConnectionString(settings.DATABASE_URL!)).toMatchObject({
      user: 'campaign_sync_worker',
      password: readFileSync(secretFile(production, 'app-db-worker-password', secrets), 'utf8').trim(),
    });
    expect(worker.environment!.DATABASE_PASSWORD_FILE).toBe(`${SECRETS_MOUNT}app-db-worker-password`);
    expect(worker.environment).not.toHaveProperty('DATABASE_MIGRATE_ON_START');
    expect(worker.environment).not.toHaveProperty('DATABASE_OWNER_URL');
  });

  test('app-db creates the worker role on first start, its password from the same secret', () => {
    const appDb = service('app-db');
    expect(appDb.volumes).toContain('./deploy/app-db/create-worker-role.sh:/docker-entrypoint-initdb.d/create-worker-role.sh:ro');
    expect(appDb.secrets).toEqual(['app-db-password', 'app-db-worker-password']);
    accessSync(join(PROJECT_ROOT, 'deploy', 'app-db', 'create-worker-role.sh'), constants.X_OK);
    const script = read('deploy/app-db/create-worker-role.sh');
    expect(script).toContain('/run/secrets/app-db-worker-password');
    // psql quotes the password (:'password'); it never reaches a command line.
    expect(script).toMatch(/CREATE ROLE campaign_sync_worker LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE/);
  });
});

describe('docker-compose.dev.yml (one container per part)', () => {
  test('declares PostgreSQL, the Temporal dev server (healthy, able to write its volume), the mock platform and a worker from the image', () => {
    expect(Object.keys(dev.services).sort()).toEqual(['mock-api', 'postgres', 'temporal', 'worker']);
    expect(dev.services.temporal!.image).toBe('temporalio/temporal:1.5.1');
    expect(dev.services.temporal!.user).toBe('0:0');
    expect(healthChecksWaitedFor(dev)).toEqual({
      postgres: ['CMD', 'pg_isready', '-U', dev.services.postgres!.environment!.POSTGRES_USER],
      temporal: [
        'CMD',
        'temporal',
        'operator',
        'cluster',
        'health',
        '--address',
        `127.0.0.1:${dev.services.worker!.environment!.TEMPORAL_ADDRESS!.split(':')[1]}`,
      ],
    });
    expect((dev.services.worker!.depends_on as Record<string, unknown>).temporal).toEqual({ condition: 'service_healthy' });
    for (const name of ['mock-api', 'worker']) {
      expect(dev.services[name]!.build).toEqual({ context: '.', target: 'dev' }); // the stage with the mock
      expect(dev.services[name]!.volumes).toBeUndefined(); // no bind-mounted source tree
      expect(existsSync(join(PROJECT_ROOT, 'dist', dev.services[name]!.command![1]!.replace(/^dist\//, '')))).toBe(true);
    }
  });

  test('the dev server runs with the same tuning and search attributes as `npm start` (eager activities, SQLite write-ahead log)', () => {
    const args = devServerArgs({ cliPath: 'temporal', dbFilename: 'x', port: 1, uiPort: 2 });
    const flags = ['--dynamic-config-value', '--sqlite-pragma', '--search-attribute'];
    const tuning = args.flatMap((arg, i) => (flags.includes(arg) ? [`${arg}=${args[i + 1]}`] : []));
    // Both ways: none missing from the compose file, none there that `npm start` does not set.
    const composed = dev.services.temporal!.command!.filter((arg) => flags.includes(arg.split('=')[0]!));
    expect(composed.sort()).toEqual(tuning.sort());
    expect(tuning.filter((flag) => flag.startsWith('--search-attribute='))).toEqual(
      SEARCH_ATTRIBUTES.map((key) => `--search-attribute=${key.name}=Keyword`),
    );
  });

  test("the worker's environment is valid configuration pointing at the other services", () => {
    const devEnv = dev.services.worker!.environment!;
    const settings = loadSettings({ DATABASE_URL: devEnv.DATABASE_URL, TEMPORAL_ADDRESS: devEnv.TEMPORAL_ADDRESS });
    expect(new URL(settings.DATABASE_URL!).hostname).toBe('postgres');
    // The dev server's own port: the one it publishes, inside the network too.
    expect(settings.TEMPORAL_ADDRESS).toBe(`temporal:${dev.services.temporal!.ports![0]!.split(':').at(-1)}`);
    // One role owns the dev database: the worker migrates it at start.
    expect(loadSettings({ DATABASE_MIGRATE_ON_START: devEnv.DATABASE_MIGRATE_ON_START }).DATABASE_MIGRATE_ON_START).toBe(true);
    expect(Object.keys(dev.services.worker!.depends_on!).sort()).toEqual(['mock-api', 'postgres', 'temporal']);
    // The reference account's password goes to the mock's service only.
    expect(devEnv.CAMPAIGN_SYNC_MIXOADS_HOST).toBe(`mock-api:${dev.services['mock-api']!.environment!.PORT}`);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileStages();
  const production = stageInstructions(stages, 'production');

  test('a build stage, a runtime, a dev stage with the mock, and the production stage last (the default), on a pinned glibc Node LTS image', () => {
    expect(stages.map(({ name, from }) => `${name} from ${from}`)).toEqual([
      'build from node:22.12.0-bookworm-slim',
      'runtime from node:22.12.0-bookworm-slim',
      'dev from runtime',
      'production from runtime',
    ]);
    expect(stages.at(-1)!.lines).toEqual([]); // production is the runtime as it is
  });

  test('the production stage: production dependencies, the prebuilt workflow bundle, ca-certificates, not root, no mock, no secret', () => {
    expect(stageInstructions(stages, 'build')).toContain('RUN npm prune --omit=dev --no-audit --no-fund');
    expect(copiesFromBuild(production).map((c) => c.from)).toEqual([
      'package.json',
      'node_modules',
      'migrations',
      'dist/workflows.bundle.js',
      'dist/workflows.encoded-failures.bundle.js',
      'dist/src',
    ]);
    expect(production.join('\n')).toMatch(/apt-get install -y --no-install-recommends ca-certificates/);
    expect(production.filter((line) => line.startsWith('USER '))).toEqual(['USER node']);
    expect(production.filter((line) => /mock/i.test(line))).toEqual([]);
    expect(copiesFromBuild(stageInstructions(stages, 'dev')).at(-1)).toEqual({ from: 'dist/mock-api', to: 'dist/mock-api' });
    expect(stages.flatMap((stage) => stage.lines).filter((line) => /^(ENV|ARG) .*(PASSWORD|SECRET|TOKEN|_KEY)/.test(line))).toEqual([]);
    expect(production.at(-1)).toBe('CMD ["node", "dist/src/worker.js"]');
  });
});
