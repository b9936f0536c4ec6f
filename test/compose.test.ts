import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadSettings } from '../src/config';
import { devServerArgs } from '../src/infra/temporal-dev-server';

// No Docker engine runs in CI: the compose file is checked by parsing it.
const compose = parse(readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'));
const scripts = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).scripts;

test('declares PostgreSQL, Temporal, the mock platform and a worker', () => {
  expect(Object.keys(compose.services).sort()).toEqual(['mock-api', 'postgres', 'temporal', 'worker']);
  expect(compose.services.temporal.image).toBe('temporalio/temporal:1.5.1');
  expect(compose.services.temporal.command).toContain('start-dev');
});

test('the dev server runs with the same tuning and search attributes as `npm start` (eager activities, SQLite write-ahead log)', () => {
  const args = devServerArgs({ cliPath: 'temporal', dbFilename: 'x', port: 1, uiPort: 2 });
  const tuning = args.flatMap((arg, i) => (['--dynamic-config-value', '--sqlite-pragma', '--search-attribute'].includes(arg) ? [`${arg}=${args[i + 1]}`] : []));
  expect(tuning.length).toBeGreaterThanOrEqual(6);
  for (const flag of tuning) expect(compose.services.temporal.command).toContain(flag);
});

test('every npm script the containers run exists', () => {
  for (const name of ['mock-api', 'worker']) {
    const [tool, verb, script] = compose.services[name].command;
    expect([tool, verb]).toEqual(['npm', 'run']);
    expect(scripts[script]).toBeDefined();
  }
});

test("the worker's environment is valid configuration pointing at the other services", () => {
  const env = compose.services.worker.environment;
  expect(() => loadSettings({ DATABASE_URL: env.DATABASE_URL, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS })).not.toThrow();
  expect(new URL(env.DATABASE_URL).hostname).toBe('postgres');
  expect(env.TEMPORAL_ADDRESS.split(':')[0]).toBe('temporal');
  expect(Object.keys(compose.services.worker.depends_on).sort()).toEqual(['mock-api', 'postgres', 'temporal']);
});
