import { join } from 'node:path';
import { spawnTied, waitFor, type TiedProcess } from './child-process';

const MOCK_MAIN = join(__dirname, '..', '..', 'mock-api', 'main.js');

/** Starts the mock ad platform (mock-api/) as its own process; PORT=0 picks a free port. */
export async function startMockPlatformProcess(env: NodeJS.ProcessEnv): Promise<{ url: string; process: TiedProcess }> {
  let output = '';
  const mock = spawnTied(process.execPath, [MOCK_MAIN], { env, onOutput: (chunk) => (output += chunk) });
  const url = await waitFor('mock platform', async () => {
    const match = /listening on (http:\/\/[^\s]+)/.exec(output);
    if (!match) throw new Error('not listening yet');
    return match[1]!;
  }, { timeoutMs: 20_000, intervalMs: 50, gaveUp: () => (mock.child.exitCode !== null ? output.trim() : undefined) });
  return { url, process: mock };
}
