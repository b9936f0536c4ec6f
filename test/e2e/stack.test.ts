import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../dev-stack/processes';
import { Stack } from '../../dev-stack/stack';
import { findTemporalCli } from '../../dev-stack/temporal-cli';
import { startDevServer } from '../../dev-stack/temporal-dev-server';

/** This process's children, but the `ps` that lists them. */
const childCommands = () =>
  execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)])
    .toString()
    .split('\n')
    .map((line) => line.trim())
    .filter((command) => command && command !== 'ps');

test('a stack whose mock cannot start stops the parts that did, so nothing outlives the test', async () => {
  const before = childCommands();
  // The mock refuses a port it cannot listen on; the dev server and PostgreSQL start beside it.
  await expect(Stack.start({ port: 70000 })).rejects.toThrow(/mock platform/);
  expect(childCommands()).toEqual(before);
});

test('a dev server whose Web UI port is taken says so (the throwaway server then takes other ports) and leaves nothing running', async () => {
  const cliPath = findTemporalCli()!;
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const before = childCommands();
  try {
    const uiPort = (taken.address() as AddressInfo).port;
    const dbFilename = join(mkdtempSync(join(tmpdir(), 'campaign-sync-temporal-')), 'temporal.sqlite');
    await expect(startDevServer({ cliPath, dbFilename, port: await freePort(), uiPort })).rejects.toThrow(/address already in use/);
    expect(childCommands()).toEqual(before);
  } finally {
    taken.close();
  }
});

test('a dev server whose internal service lost its port to another process starts again (the CLI picks other internal ports)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'campaign-sync-temporal-'));
  const failedOnce = join(dir, 'failed-once');
  // The first start fails as the CLI does when a port it picked for its history service is taken:
  // the server logs the listener's failure, then panics on the nil listener.
  const cliPath = join(dir, 'temporal');
  writeFileSync(
    cliPath,
    `#!/bin/sh
if [ ! -e '${failedOnce}' ]; then
  touch '${failedOnce}'
  echo 'time=2026-12-03T15:35:27.000 level=ERROR msg="Failed to start gRPC listener" service=history error="listen tcp 127.0.0.1:40001: bind: address already in use"'
  echo 'panic: runtime error: invalid memory address or nil pointer dereference' >&2
  exit 2
fi
exec '${findTemporalCli()!}' "$@"
`,
  );
  chmodSync(cliPath, 0o755);
  const server = await startDevServer({
    cliPath,
    dbFilename: join(dir, 'temporal.sqlite'),
    port: await freePort(),
    uiPort: await freePort(),
  });
  try {
    expect(existsSync(failedOnce)).toBe(true);
  } finally {
    await server.stop();
  }
});
