import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import type { Pool } from 'pg';
import { recordAbandonedRuns, type AbandonedRunEnd, type RunningRun } from '../db/sync-runs';

const unknownEnd = (run: RunningRun, why: string): AbandonedRunEnd => ({
  ...run,
  status: 'failed',
  error: `ended without recording how: ${why}`,
  finishedAt: undefined,
});

/** A closed execution's end as sync_runs records it; undefined while it runs. */
function endOf(run: RunningRun, execution: WorkflowExecutionDescription): AbandonedRunEnd | undefined {
  const status = execution.status.name;
  if (status === 'RUNNING') return undefined;
  return {
    ...run,
    status: status === 'CANCELLED' ? 'cancelled' : status === 'COMPLETED' ? 'completed' : 'failed',
    error: `its workflow ${status.toLowerCase().replace('_', ' ')} without recording its end`,
    finishedAt: execution.closeTime,
  };
}

/**
 * How Temporal says a run recorded as running has ended, or undefined while it runs. A run is its
 * workflow id's chain of executions from its first run id: the first one tells, unless it
 * continued-as-new, when the chain's latest does (if it is still the latest of its workflow id).
 */
export async function abandonedRunEnd(temporal: Client, run: RunningRun): Promise<AbandonedRunEnd | undefined> {
  const describe = (runId?: string) =>
    temporal.workflow
      .getHandle(run.workflowId, runId)
      .describe()
      .catch((err: unknown) => (err instanceof WorkflowNotFoundError ? undefined : Promise.reject(err)));
  const first = await describe(run.runId);
  if (!first) return unknownEnd(run, 'Temporal no longer knows its workflow');
  if (first.status.name !== 'CONTINUED_AS_NEW') return endOf(run, first);
  const latest = await describe();
  if (!latest || (latest.raw.workflowExecutionInfo?.firstRunId ?? '') !== run.runId)
    return unknownEnd(run, 'a later sync of its workflow id has started since');
  return endOf(run, latest);
}

/** Checks runs recorded as running against Temporal and records the ends of those that have ended; returns how many. */
export async function repairAbandonedRuns(pool: Pool, temporal: Client, runs: RunningRun[]): Promise<number> {
  const ends = await Promise.all(runs.map((run) => abandonedRunEnd(temporal, run)));
  return recordAbandonedRuns(
    pool,
    ends.filter((end) => end !== undefined),
  );
}
