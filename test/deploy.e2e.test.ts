import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { findTemporalCli } from '../dev-stack/temporal-cli';
import { SEARCH_ATTRIBUTES } from '../src/workflows';
import { generatedAccountCredentials } from '../mock-api/accounts';
import { Stack } from '../dev-stack/stack';
import { PROJECT_ROOT } from '../src/config';

const LOGIN = generatedAccountCredentials(1);

// No Docker engine here: the production stack's steps are replayed without it. The Dockerfile's
// final stage is replayed in a temporary folder. Its build
// stage is this checkout's `npm run build` (which ran before the tests); each `COPY --from=build`
// copies from it, `npm prune --omit=dev` becomes an install of the production dependencies from the
// lockfile, and the worker it would run syncs against a dev server.

jest.setTimeout(300_000);

let app: string;
let stack: Stack | undefined;

afterAll(async () => {
  await stack?.stop();
  if (app) rmSync(app, { recursive: true, force: true });
});

test("the image's files, production dependencies from the lockfile and the prebuilt bundle make a worker that syncs", async () => {
  const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8').split('\n');
  const finalStage = dockerfile.slice(dockerfile.map((line) => line.startsWith('FROM ')).lastIndexOf(true));
  const copies = finalStage.flatMap((line) => {
    const match = /^COPY --from=build \/app\/(\S+) \.\/(\S+)$/.exec(line);
    return match ? [{ from: match[1]!, to: match[2]! }] : [];
  });
  expect(copies.map((c) => c.from)).toEqual(
    expect.arrayContaining(['package.json', 'node_modules', 'migrations', 'dist/workflows.bundle.js', 'dist/src']),
  );
  expect(dockerfile).toContain('RUN npm prune --omit=dev --no-audit --no-fund');

  app = mkdtempSync(join(tmpdir(), 'campaign-sync-image-'));
  for (const { from, to } of copies.filter((c) => c.from !== 'node_modules'))
    cpSync(join(PROJECT_ROOT, from), join(app, to), { recursive: true });
  cpSync(join(PROJECT_ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
  await promisify(execFile)('npm', ['install', '--omit=dev', '--no-audit', '--no-fund'], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
  expect(existsSync(join(app, 'node_modules', '@temporalio', 'worker'))).toBe(true);
  expect(existsSync(join(app, 'node_modules', 'typescript'))).toBe(false); // no dev dependency in the image

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
