/**
 * The orchestration floor: the CPU a Temporal server and a worker spend per workflow on workflows
 * that do nothing (floor-workflows.ts), started as `sync --all` starts syncs (32 at a time). What a
 * client's sync costs beyond it is our code; what it costs up to it, no change of ours can remove.
 *
 *   npm run bench:floor -- [--workflows 1000] [--temporal dev|server]
 *
 * The worker runs in this process (its CPU includes the starts' client calls); the server is its
 * own process, measured from /proc (and PostgreSQL's backends with `--temporal server`).
 */
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { testDatabase } from '../dev-stack/databases';
import { withLifecycle } from '../dev-stack/lifecycle';
import { startThrowawayDevServer } from '../dev-stack/temporal-dev-server';
import { postgresServerOf, startTemporalServer } from '../dev-stack/temporal-server';
import { FLOOR_SHAPES } from './floor-workflows';
import { childPids, PartMeter, pidsNamed } from './process-meter';

const STARTS_IN_FLIGHT = 32;
const TASK_QUEUE = 'orchestration-floor';

interface FloorRow {
  shape: string;
  workflows: number;
  startedS: number;
  wallS: number;
  serverMs: number;
  postgresMs: number;
  workerMs: number;
}

async function startAll(client: Client, shape: string, count: number, run: number) {
  const handles: Awaited<ReturnType<Client['workflow']['start']>>[] = [];
  let next = 0;
  const starter = async () => {
    for (let i = next++; i < count; i = next++)
      handles.push(await client.workflow.start(shape, { taskQueue: TASK_QUEUE, workflowId: `${shape}-${run}-${i}` }));
  };
  await Promise.all(Array.from({ length: STARTS_IN_FLIGHT }, starter));
  return handles;
}

async function main() {
  const { values } = parseArgs({
    options: { workflows: { type: 'string', default: '1000' }, temporal: { type: 'string', default: 'dev' } },
  });
  const count = Number(values.workflows);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--workflows must be a positive integer (got ${values.workflows})`);
  if (values.temporal !== 'dev' && values.temporal !== 'server')
    throw new Error(`--temporal must be dev or server (got ${values.temporal})`);
  // The worker's own log (bundling, start, stop) would bury the table.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const rows = await withLifecycle(async (lifecycle) => {
    const database = values.temporal === 'server' ? await lifecycle.start(() => testDatabase('reachable')) : undefined;
    const server = await lifecycle.start(() =>
      database ? startTemporalServer(postgresServerOf(database.connectionString)) : startThrowawayDevServer(),
    );
    const workerConnection = await NativeConnection.connect({ address: server.address });
    lifecycle.onStop(() => workerConnection.close());
    const worker = await Worker.create({
      connection: workerConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath: require.resolve('./floor-workflows'),
      activities: { nothing: async () => undefined },
      // As the campaign-sync worker polls (src/worker.ts).
      workflowTaskPollerBehavior: { type: 'autoscaling' },
      activityTaskPollerBehavior: { type: 'autoscaling' },
    });
    const running = worker.run();
    lifecycle.onStop(async () => {
      worker.shutdown();
      await running;
    });
    const connection = await Connection.connect({ address: server.address });
    lifecycle.onStop(() => connection.close());
    const client = new Client({ connection });
    const found: FloorRow[] = [];
    for (const [run, shape] of FLOOR_SHAPES.entries()) {
      const serverMeter = new PartMeter(() => (server.process.child.pid ? childPids(server.process.child.pid) : []));
      const postgresMeter = new PartMeter(() => (database ? pidsNamed('postgres') : []));
      [serverMeter, postgresMeter].forEach((m) => m.startBaseline());
      const workerBefore = process.cpuUsage();
      const startedAt = Date.now();
      const handles = await startAll(client, shape, count, run);
      const startedS = (Date.now() - startedAt) / 1000;
      await Promise.all(handles.map((h) => h.result()));
      const wallS = (Date.now() - startedAt) / 1000;
      [serverMeter, postgresMeter].forEach((m) => m.sample());
      const worker = process.cpuUsage(workerBefore);
      const perWorkflowMs = (cpuS: number) => Math.round((cpuS * 1000 * 10) / count) / 10;
      found.push({
        shape,
        workflows: count,
        startedS,
        wallS,
        serverMs: perWorkflowMs(serverMeter.cpuSeconds()),
        postgresMs: perWorkflowMs(postgresMeter.cpuSeconds()),
        workerMs: perWorkflowMs((worker.user + worker.system) / 1e6),
      });
    }
    return found;
  });
  console.log(`| workflow | workflows | all started | all done | CPU ms per workflow: server / PostgreSQL / worker and client | all in |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const r of rows) {
    const allIn = Math.round((r.serverMs + r.postgresMs + r.workerMs) * 10) / 10;
    console.log(
      `| ${r.shape} | ${r.workflows} | ${r.startedS} s | ${r.wallS} s | ${r.serverMs} / ${r.postgresMs} / ${r.workerMs} | ${allIn} ms |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(`bench:floor: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
