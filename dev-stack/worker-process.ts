import { waitFor } from '../src/infra/wait-for';
import { BUILT } from './built';
import { spawnTied, type TiedProcess } from './processes';

/** A worker process, everything it has printed, and where it serves /metrics (when its environment says). */
export type WorkerProcess = TiedProcess & { output: () => string; metricsUrl?: string };

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
  const metricsPort = env.WORKER_METRICS_PORT;
  return Object.assign(worker, {
    output: () => output,
    ...(metricsPort && { metricsUrl: `http://${env.WORKER_METRICS_HOST ?? '127.0.0.1'}:${metricsPort}/metrics` }),
  });
}
