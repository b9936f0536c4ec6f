import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { findTemporalCli } from '../../dev-stack/temporal-cli';
import { SEARCH_ATTRIBUTES } from '../../src/contract/sync';
import { generatedAccountCredentials } from '../../mock-api/accounts';
import { Stack } from '../../dev-stack/stack';
import { PROJECT_ROOT } from '../../src/config';
import { copiesFromBuild, dockerfileStages, stageInstructions } from '../helpers/dockerfile';

const LOGIN = generatedAccountCredentials(1);

// No Docker engine here: the production stack's steps are replayed without it. The Dockerfile's
// build stage is replayed in a temporary folder: its COPY lines copy from this checkout, `npm install`
// becomes a link to this checkout's node_modules (no network), and `npm run build:image` runs there.
// The production stage (the default) copies from that folder as its `COPY --from=build` lines say;
// `npm prune --omit=dev` becomes an install of the production dependencies from the lockfile, and
// the worker it would run syncs against a dev server.

jest.setTimeout(300_000);

let build: string;
let app: string;
let stack: Stack | undefined;

afterAll(async () => {
  await stack?.stop();
  for (const dir of [build, app]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every file under `dir`, relative to it, node_modules left out. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .filter((file) => !file.startsWith('node_modules'));

test("the build stage's files build the image; the production stage's files, production dependencies from the lockfile and the prebuilt bundle make a worker that syncs, with no mock in them", async () => {
  const stages = dockerfileStages();
  expect(stages.map((stage) => stage.name)).toEqual(['build', 'runtime', 'dev', 'production']);
  const buildSteps = stageInstructions(stages, 'build');
  build = mkdtempSync(join(tmpdir(), 'campaign-sync-image-build-'));
  for (const line of buildSteps) {
    const copy = /^COPY (.+) (\S+)$/.exec(line);
    if (copy)
      for (const source of copy[1]!.split(' '))
        cpSync(join(PROJECT_ROOT, source), join(build, copy[2]!.endsWith('/') ? source : copy[2]!), { recursive: true });
  }
  expect(buildSteps).toContain('RUN npm install --no-audit --no-fund');
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(build, 'node_modules'));
  expect(buildSteps).toContain('RUN npm run build:image');
  await promisify(execFile)('npm', ['run', 'build:image'], { cwd: build, maxBuffer: 16 * 1024 * 1024 });
  expect(buildSteps).toContain('RUN npm prune --omit=dev --no-audit --no-fund');

  const production = stageInstructions(stages, 'production');
  expect(stages.at(-1)!.name).toBe('production'); // the default target
  const copies = copiesFromBuild(production); // which files: test/unit/compose.test.ts
  app = mkdtempSync(join(tmpdir(), 'campaign-sync-image-'));
  for (const { from, to } of copies.filter((c) => c.from !== 'node_modules')) cpSync(join(build, from), join(app, to), { recursive: true });
  cpSync(join(PROJECT_ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
  await promisify(execFile)('npm', ['install', '--omit=dev', '--no-audit', '--no-fund'], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
  expect(existsSync(join(app, 'node_modules', '@temporalio', 'worker'))).toBe(true);
  expect(existsSync(join(app, 'node_modules', 'typescript'))).toBe(false); // no dev dependency in the image
  // The mock platform was built (the dev stage copies it) but is not in the production image.
  expect(existsSync(join(build, 'dist', 'mock-api', 'main.js'))).toBe(true);
  const shipped = filesUnder(app);
  expect(shipped).toContain(join('dist', 'src', 'worker.js'));
  expect(shipped.filter((file) => /mock/i.test(file))).toEqual([]);

  stack = await Stack.start({ generatedAccounts: 1, campaignsPerAccount: 12, rateLimit: 10, rateWindowMs: 1000, syncLatencyMs: 20 });
  await stack.addClient('acme', LOGIN, { rateLimit: 10, rateWindowMs: 1000 });
  const worker = await stack.startWorker({ NODE_ENV: 'production' }, join(app, 'dist', 'src', 'worker.js'));
  expect(await (await stack.startSync({ clientId: 'acme' })).result()).toMatchObject({ state: 'completed', synced: 12 });
  // It ran the bundle built ahead of time rather than bundling at start.
  expect(worker.output()).not.toContain('Workflow bundle created');
});

test('the namespace job (deploy/temporal/register-namespace.sh) creates the namespace and the search attributes, and may run again', async () => {
  stack ??= await Stack.start({ generatedAccounts: 0 });
  const env = {
    ...process.env,
    PATH: `${dirname(findTemporalCli()!)}:${process.env.PATH}`,
    TEMPORAL_ADDRESS: stack.devServer.address,
    NAMESPACE: 'production',
  };
  for (let run = 0; run < 2; run++) {
    const { stdout } = await promisify(execFile)('/bin/sh', [join(PROJECT_ROOT, 'deploy', 'temporal', 'register-namespace.sh')], { env });
    expect(stdout).toContain('Namespace production and its search attributes are ready');
  }
  const { customAttributes } = await stack.temporal.connection.operatorService.listSearchAttributes({ namespace: 'production' });
  for (const key of SEARCH_ATTRIBUTES) expect(Object.keys(customAttributes ?? {})).toContain(key.name);
});
