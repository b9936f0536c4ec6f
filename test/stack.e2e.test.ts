import { execFileSync } from 'node:child_process';
import { Stack } from '../dev-stack/stack';

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
