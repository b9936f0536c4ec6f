import { accessSync, constants, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parse as parseConnectionString } from 'pg-connection-string';
import { loadSettings, PROJECT_ROOT, SECRET_SETTINGS, SETTING_NAMES } from '../src/config';
import { devServerArgs } from '../dev-stack/temporal-dev-server';
import { SEARCH_ATTRIBUTES } from '../src/workflows';

// No Docker engine runs in CI: the compose files and the Dockerfile are checked by parsing them.
const read = (file: string) => readFileSync(join(PROJECT_ROOT, file), 'utf8');
const production = parse(read('docker-compose.yml'), { merge: true });
const dev = parse(read('docker-compose.dev.yml'));

interface Service {
  image?: string;
  build?: string;
  restart?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
  volumes?: string[];
  command?: string[];
  ports?: string[];
  deploy?: { replicas?: number };
  secrets?: string[];
}
/** Stands in for the worker role's secret file (compose mounts it at /run/secrets/app-db-worker-password). */
const workerPasswordFile = join(mkdtempSync(join(tmpdir(), 'compose-test-')), 'app-db-worker-password');
writeFileSync(workerPasswordFile, 'worker-s3cret\n', { mode: 0o600 });
const services = (compose: { services: Record<string, Service> }) => Object.entries(compose.services);

/** `${NAME:-default}` and `${NAME:?message}` as docker compose resolves them, with these values set. */
const substitute = (value: string, env: Record<string, string>) =>
  value.replace(
    /\$\{(\w+)(?::([-?])([^}]*))?\}/g,
    (_all, name: string, operator?: string, word?: string) => env[name] ?? (operator === '-' ? word! : ''),
  );

describe('docker-compose.yml (production)', () => {
  const worker = production.services.worker as Service;

  test("runs Temporal's own server on PostgreSQL with its schema and namespace jobs, the Web UI, the app's PostgreSQL, workers and Prometheus", () => {
    expect(Object.keys(production.services).sort()).toEqual([
      'app-db',
      'migrate',
      'prometheus',
      'temporal',
      'temporal-db',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
    expect(production.services.temporal.image).toMatch(/^temporalio\/server:1\.30\.\d+$/);
    expect(production.services['temporal-ui'].image).toMatch(/^temporalio\/ui:2\.\d+\.\d+$/);
    expect(production.services.temporal.environment.DB).toBe('postgres12');
    expect(worker.build).toBe('.');
    expect(worker.deploy?.replicas).toBeGreaterThanOrEqual(2);
  });

  test("every image is pinned to a version; the schema and namespace jobs use the server's own version", () => {
    for (const [name, service] of [...services(production), ...services(dev)]) {
      if (!service.image) continue;
      expect({ name, image: service.image }).toEqual({
        name,
        image: expect.stringMatching(/^[\w./-]+:(v?\d[\w.-]*|dev|\$\{CAMPAIGN_SYNC_VERSION:-local\})$/),
      });
    }
    const version = production.services.temporal.image.split(':')[1];
    expect(production.services['temporal-schema'].image).toBe(`temporalio/admin-tools:${version}`);
    expect(production.services['temporal-namespace'].image).toBe(`temporalio/admin-tools:${version}`);
  });

  test('starts in order: databases healthy, schema set up, server healthy, namespace registered, then workers', () => {
    const waitsFor = (name: string) => production.services[name].depends_on as Record<string, { condition: string }>;
    expect(waitsFor('temporal-schema')).toEqual({ 'temporal-db': { condition: 'service_healthy' } });
    expect(waitsFor('temporal')).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(waitsFor('temporal-namespace')).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(waitsFor('migrate')).toEqual({ 'app-db': { condition: 'service_healthy' } });
    expect(waitsFor('worker')).toEqual({
      'app-db': { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
      'temporal-namespace': { condition: 'service_completed_successfully' },
    });
    // Whatever is waited for as healthy has a health check; what runs for good restarts.
    for (const [, service] of services(production)) {
      for (const [dependency, { condition }] of Object.entries((service.depends_on ?? {}) as Record<string, { condition: string }>)) {
        if (condition === 'service_healthy') expect(production.services[dependency].healthcheck).toBeDefined();
      }
    }
    for (const name of ['temporal-db', 'temporal', 'temporal-ui', 'app-db', 'worker', 'prometheus'])
      expect(production.services[name].restart).toBe('unless-stopped');
    for (const name of ['temporal-schema', 'temporal-namespace', 'migrate'])
      expect(production.services[name].restart).toMatch(/^on-failure/);
  });

  test("the worker's environment is valid configuration naming only settings it reads, pointing at the other services", () => {
    // CAMPAIGN_SYNC_SECRETS_FILE is read by src/platform/credentials.ts.
    const known: string[] = [...SETTING_NAMES, ...SECRET_SETTINGS.map((name) => `${name}_FILE`), 'CAMPAIGN_SYNC_SECRETS_FILE'];
    expect(Object.keys(worker.environment!).filter((name) => !known.includes(name))).toEqual([]);
    const env = Object.fromEntries(Object.entries(worker.environment!).map(([k, v]) => [k, substitute(v, { APP_DB_PASSWORD: 's3cret' })]));
    const settings = loadSettings({ ...env, DATABASE_PASSWORD_FILE: workerPasswordFile });
    expect(new URL(settings.DATABASE_URL!).hostname).toBe('app-db');
    expect(settings.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(settings.WORKER_METRICS_HOST).toBe('0.0.0.0');
    expect(settings.CAMPAIGN_SYNC_ENCRYPTION_KEY).toBeUndefined(); // empty: encryption off
    expect(env.CAMPAIGN_SYNC_SECRETS_FILE).toBe('/run/secrets/platform-credentials');
    expect(worker.secrets).toEqual(['platform-credentials', 'app-db-worker-password']);
    expect(production.secrets['platform-credentials'].file).toMatch(/^\$\{PLATFORM_CREDENTIALS_FILE:-/);
  });

  test('no secret is written in the file: passwords and keys come from the environment', () => {
    for (const [name, service] of services(production)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (key.endsWith('_FILE')) expect({ name, key, value }).toEqual({ name, key, value: expect.stringMatching(/^\/run\/secrets\//) });
        else if (/PASSWORD|PWD|_KEY$/.test(key))
          expect({ name, key, value }).toEqual({ name, key, value: expect.stringMatching(/^\$\{\w+:[?-][^}]*\}$/) });
        // A database URL's password, if any, is a variable substituted at start.
        if (/^DATABASE_(OWNER_)?URL$/.test(key)) expect(value).toMatch(/^postgres:\/\/\w+(:\$\{\w+:\?[^}]*\})?@/);
      }
    }
  });

  test('Prometheus scrapes every worker replica on its metrics port and the Temporal server on its endpoint', () => {
    const prometheus = parse(read('deploy/prometheus/prometheus.yml'));
    const jobs = Object.fromEntries(prometheus.scrape_configs.map((job: { job_name: string }) => [job.job_name, job]));
    expect(jobs['campaign-sync-worker'].dns_sd_configs[0]).toEqual({
      names: ['worker'],
      type: 'A',
      port: Number(worker.environment!.WORKER_METRICS_PORT),
    });
    expect(jobs['temporal-server'].static_configs[0].targets).toEqual([
      `temporal:${production.services.temporal.environment.PROMETHEUS_ENDPOINT.split(':')[1]}`,
    ]);
    expect(worker.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${worker.environment!.WORKER_METRICS_PORT}/metrics`);
  });

  test('the files the services mount exist; the jobs register the search attributes the worker requires', () => {
    for (const [, service] of services(production)) {
      for (const volume of service.volumes ?? []) {
        if (volume.startsWith('./')) expect(existsSync(join(PROJECT_ROOT, volume.split(':')[0]!))).toBe(true);
      }
    }
    for (const script of ['setup-schema.sh', 'register-namespace.sh'])
      accessSync(join(PROJECT_ROOT, 'deploy', 'temporal', script), constants.X_OK);
    const register = read('deploy/temporal/register-namespace.sh');
    for (const key of SEARCH_ATTRIBUTES) expect(register).toContain(key.name);
    expect(production.services['temporal-ui'].environment.TEMPORAL_CODEC_ENDPOINT).toBe('${TEMPORAL_CODEC_ENDPOINT:-}');
  });
});

describe('docker-compose.yml: database roles (owner migrates, workers read and write rows only)', () => {
  const migrate = production.services.migrate as Service;
  const worker = production.services.worker as Service;

  test("the migrate job runs the image's `campaign-sync migrate` as the owner role, granting the worker role", () => {
    expect(migrate.image).toBe(worker.image);
    expect(migrate.command).toEqual(['node', 'dist/src/cli.js', 'migrate', '--grant-to', 'campaign_sync_worker']);
    expect(Object.keys(migrate.environment!)).toEqual(['DATABASE_OWNER_URL']);
    const owner = new URL(substitute(migrate.environment!.DATABASE_OWNER_URL!, { APP_DB_PASSWORD: 's3cret' }));
    expect([owner.username, owner.hostname, owner.pathname]).toEqual([
      production.services['app-db'].environment.POSTGRES_USER,
      'app-db',
      '/campaign_sync',
    ]);
  });

  test('workers connect as campaign_sync_worker, the password from the secret file, and never migrate', () => {
    const settings = loadSettings({ DATABASE_URL: worker.environment!.DATABASE_URL!, DATABASE_PASSWORD_FILE: workerPasswordFile });
    expect(parseConnectionString(settings.DATABASE_URL!)).toMatchObject({ user: 'campaign_sync_worker', password: 'worker-s3cret' });
    expect(worker.environment!.DATABASE_PASSWORD_FILE).toBe('/run/secrets/app-db-worker-password');
    expect(worker.environment).not.toHaveProperty('DATABASE_MIGRATE_ON_START');
    expect(worker.environment).not.toHaveProperty('DATABASE_OWNER_URL');
    expect(production.secrets['app-db-worker-password'].file).toMatch(/^\$\{APP_DB_WORKER_PASSWORD_FILE:-/);
  });

  test('app-db creates the worker role on first start, its password from the same secret', () => {
    const appDb = production.services['app-db'] as Service;
    expect(appDb.volumes).toContain('./deploy/app-db/create-worker-role.sh:/docker-entrypoint-initdb.d/create-worker-role.sh:ro');
    expect(appDb.secrets).toEqual(['app-db-worker-password']);
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
    expect(dev.services.temporal.image).toBe('temporalio/temporal:1.5.1');
    expect(dev.services.temporal.user).toBe('0:0');
    expect(dev.services.temporal.healthcheck).toBeDefined();
    expect(dev.services.worker.depends_on.temporal).toEqual({ condition: 'service_healthy' });
    for (const name of ['mock-api', 'worker']) {
      expect(dev.services[name].build).toBe('.');
      expect(dev.services[name].volumes).toBeUndefined(); // no bind-mounted source tree
      expect(existsSync(join(PROJECT_ROOT, 'dist', dev.services[name].command[1].replace(/^dist\//, '')))).toBe(true);
    }
  });

  test('the dev server runs with the same tuning and search attributes as `npm start` (eager activities, SQLite write-ahead log)', () => {
    const args = devServerArgs({ cliPath: 'temporal', dbFilename: 'x', port: 1, uiPort: 2 });
    const tuning = args.flatMap((arg, i) =>
      ['--dynamic-config-value', '--sqlite-pragma', '--search-attribute'].includes(arg) ? [`${arg}=${args[i + 1]}`] : [],
    );
    expect(tuning.length).toBeGreaterThanOrEqual(6);
    for (const flag of tuning) expect(dev.services.temporal.command).toContain(flag);
  });

  test("the worker's environment is valid configuration pointing at the other services", () => {
    const env = dev.services.worker.environment;
    expect(() => loadSettings({ DATABASE_URL: env.DATABASE_URL, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS })).not.toThrow();
    expect(new URL(env.DATABASE_URL).hostname).toBe('postgres');
    expect(env.TEMPORAL_ADDRESS.split(':')[0]).toBe('temporal');
    // One role owns the dev database: the worker migrates it at start.
    expect(loadSettings({ DATABASE_MIGRATE_ON_START: env.DATABASE_MIGRATE_ON_START }).DATABASE_MIGRATE_ON_START).toBe(true);
    expect(Object.keys(dev.services.worker.depends_on).sort()).toEqual(['mock-api', 'postgres', 'temporal']);
    // The reference account's password goes to the mock's service only.
    expect(env.CAMPAIGN_SYNC_MIXOADS_HOST).toBe(`mock-api:${dev.services['mock-api'].environment.PORT}`);
  });
});

describe('Dockerfile', () => {
  const lines = read('Dockerfile')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'));
  const froms = lines.filter((line) => line.startsWith('FROM '));
  const final = lines.slice(lines.lastIndexOf(froms.at(-1)!));

  test('two stages on a pinned glibc Node LTS image (the native bridge does not load on musl)', () => {
    expect(froms).toHaveLength(2);
    for (const from of froms) expect(from).toMatch(/^FROM node:(20|22|24)\.\d+\.\d+-(bookworm|bullseye)(-slim)? ?/);
  });

  test('the final stage: production dependencies, the prebuilt workflow bundle, ca-certificates, not root, no secret', () => {
    expect(lines.join('\n')).toMatch(/RUN npm prune --omit=dev/);
    expect(final.join('\n')).toContain('COPY --from=build /app/dist/workflows.bundle.js');
    expect(final.join('\n')).toMatch(/apt-get install -y --no-install-recommends ca-certificates/);
    expect(final).toContain('USER node');
    expect(lines.filter((line) => /^(ENV|ARG) .*(PASSWORD|SECRET|TOKEN|_KEY)/.test(line))).toEqual([]);
    expect(final.at(-1)).toBe('CMD ["node", "dist/src/worker.js"]');
  });
});
