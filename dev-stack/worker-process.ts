import { waitFor } from '../src/infra/wait-for';
import { BUILT } from './built';
import { spawnTied, type TiedProcess } from './processes';

/** A worker process and everything it has printed. */
export type WorkerProcess = TiedProcess & { output: () => string };

/** A worker as its own process (node dist/src/worker.js, or another build's `script`), so tests can SIGKILL it. */
export async function startWorkerProcess(env: Record<string, string>, script = BUILT.worker): Promise<WorkerProcess> {
  let output = '';
  const worker = spawnTied(process.execPath, [script], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    onOutput: (chunk) => (output += chunk),
  });
  await waitFor(
    'worker',
    async () => {
      if (!output.includes('worker started')) throw new Error('not started yet');
    },
    { timeoutMs: 60_000, intervalMs: 100, gaveUp: () => (worker.child.exitCode !== null ? output : undefined) },
  );
  return Object.assign(worker, { output: () => output });
}
