import { CancelledFailure, WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { MultiBar, Presets } from 'cli-progress';
import { clientSyncStart, progressQuery, syncWorkflowId, type SyncClientInput, type SyncProgress, type SyncSummary, type syncClientWorkflow } from '../workflows';

export type SyncHandle = WorkflowHandle<typeof syncClientWorkflow>;

/**
 * Starts a client's sync, or joins the one already running: the workflow id carries the client
 * id and the conflict policy is USE_EXISTING, so there is never a second concurrent sync.
 */
export async function startClientSync(
  temporal: Client,
  taskQueue: string,
  input: SyncClientInput,
): Promise<{ handle: WorkflowHandleWithFirstExecutionRunId<typeof syncClientWorkflow>; joined: boolean }> {
  const running = await isSyncRunning(temporal, input.clientId);
  const handle = await temporal.workflow.start<typeof syncClientWorkflow>('syncClientWorkflow', {
    ...clientSyncStart(input.clientId),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
  return { handle, joined: running };
}

export async function isSyncRunning(temporal: Client, clientId: string): Promise<boolean> {
  return temporal.workflow
    .getHandle(syncWorkflowId(clientId))
    .describe()
    .then((d) => d.status.name === 'RUNNING', (err: unknown) => (err instanceof WorkflowNotFoundError ? false : Promise.reject(err)));
}

/**
 * Cancels a client's running sync and waits until it has stopped: its batches are cancelled
 * with it, and it records the run as cancelled (what the platform confirmed stays stored).
 */
export async function cancelClientSync(temporal: Client, clientId: string): Promise<void> {
  if (!(await isSyncRunning(temporal, clientId))) throw new Error(`${clientId} has no running sync: see \`campaign-sync runs ${clientId}\``);
  const handle = temporal.workflow.getHandle(syncWorkflowId(clientId));
  await handle.cancel();
  await handle.result().catch((err: unknown) => {
    if (!(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure)) throw err;
  });
}

/** Syncs started at once by `sync --all`: enough to start a thousand in seconds, few enough not to flood the server. */
const STARTS_IN_FLIGHT = 32;

type StartedSync = Awaited<ReturnType<typeof startClientSync>>;

/** Starts (or joins) many clients' syncs at once, calling `onStarted` as each is under way; results in input order. */
export async function startClientSyncs(
  temporal: Client,
  taskQueue: string,
  inputs: SyncClientInput[],
  onStarted: (clientId: string, started: StartedSync) => void = () => undefined,
): Promise<StartedSync[]> {
  const results: StartedSync[] = [];
  let next = 0;
  const starter = async () => {
    for (let i = next++; i < inputs.length; i = next++) {
      results[i] = await startClientSync(temporal, taskQueue, inputs[i]!);
      onStarted(inputs[i]!.clientId, results[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(STARTS_IN_FLIGHT, inputs.length) }, starter));
  return results;
}

export async function readProgress(handle: SyncHandle): Promise<SyncProgress | undefined> {
  return handle.query(progressQuery).catch(() => undefined);
}

export const describeProgress = (p: SyncProgress) =>
  `pages ${p.pages}, listed ${p.listed}, upserted ${p.inserted + p.updated + p.unchanged}, ` +
  `synced ${p.synced}, failed ${p.failed}${p.rejected ? `, rejected ${p.rejected}` : ''}${p.removed ? `, marked removed ${p.removed}` : ''}`;

/**
 * Waits for syncs while drawing a live progress bar per client (campaigns synced or failed out
 * of the platform's total). Resolves with each client's summary or failure.
 */
export async function followSyncs(
  handles: Map<string, SyncHandle>,
  output: NodeJS.WriteStream = process.stderr,
): Promise<Map<string, SyncSummary | Error>> {
  const bars = new MultiBar(
    { format: ' {client} [{bar}] {value}/{total} | {status}', hideCursor: true, clearOnComplete: false, stream: output, noTTYOutput: true, notTTYSchedule: 5000 },
    Presets.shades_classic,
  );
  const width = Math.max(...[...handles.keys()].map((id) => id.length));
  const outcomes = new Map<string, SyncSummary | Error>();
  await Promise.all(
    [...handles].map(async ([clientId, handle]) => {
      const bar = bars.create(1, 0, { client: clientId.padEnd(width), status: 'starting' });
      const update = (p: SyncProgress) => {
        bar.setTotal(Math.max(1, p.total ?? p.listed));
        bar.update(p.synced + p.failed, { status: p.state === 'completed' ? describeProgress(p) : `waiting for ${p.waitingFor}` });
      };
      const timer = setInterval(() => void readProgress(handle).then((p) => p && update(p)), 1000);
      try {
        const summary = await handle.result();
        update(summary);
        outcomes.set(clientId, summary);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        bar.update({ status: `FAILED: ${failureReason(error)}` });
        outcomes.set(clientId, error);
      } finally {
        clearInterval(timer);
      }
    }),
  );
  bars.stop();
  return outcomes;
}

/** The one-line reason a sync failed, from the activity failure at the root of it. */
export function failureReason(err: Error): string {
  let cause: Error | undefined = err;
  while (cause?.cause instanceof Error) cause = cause.cause;
  return cause?.message ?? err.message;
}
