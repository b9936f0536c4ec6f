import {
  CancelledFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { clientSyncStart, progressQuery, syncWorkflowId, type SyncClientInput, type SyncProgress } from '../contract/sync';
import { syncInputProblem } from '../contract/sync-input';
import type { syncClientWorkflow } from '../workflows';
import { temporalRefused } from '../infra/startup-errors';

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
  // The workflow refuses it too; saying so here spares a start that can only fail.
  const problem = syncInputProblem(input);
  if (problem) throw new Error(`${input.clientId}: ${problem}`);
  const running = await isSyncRunning(temporal, input.clientId);
  const handle = await temporal.workflow
    .start<typeof syncClientWorkflow>('syncClientWorkflow', {
      ...clientSyncStart(input.clientId),
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    })
    .catch(async (err: unknown) => Promise.reject(await temporalRefused(temporal, err, 'start the sync')));
  return { handle, joined: running };
}

export async function isSyncRunning(temporal: Client, clientId: string): Promise<boolean> {
  return temporal.workflow
    .getHandle(syncWorkflowId(clientId))
    .describe()
    .then(
      (d) => d.status.name === 'RUNNING',
      (err: unknown) => (err instanceof WorkflowNotFoundError ? false : Promise.reject(err)),
    );
}

/**
 * Cancels a client's running sync and waits until it has stopped: its batches are cancelled
 * with it, and it records the run as cancelled (what the platform confirmed stays stored).
 */
export async function cancelClientSync(temporal: Client, clientId: string): Promise<void> {
  if (!(await isSyncRunning(temporal, clientId)))
    throw new Error(`${clientId} has no running sync: see \`campaign-sync runs ${clientId}\``);
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
