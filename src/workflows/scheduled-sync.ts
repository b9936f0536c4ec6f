import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { executeChild, ParentClosePolicy } from '@temporalio/workflow';
import { clientSyncStart, type ScheduledSyncOutcome, type SyncClientInput } from '../contract/sync';
import { syncClientWorkflow } from './sync-client';

/**
 * What a Temporal Schedule starts. A schedule gives each workflow it starts an id of its own (the
 * schedule's id and a timestamp), so the per-client id rule alone would let a scheduled sync run
 * beside a manual one. This workflow runs the client's sync under the per-client id instead: if a
 * sync of the client is already running, it does not start another (the start fails), and a manual
 * sync asked for while the scheduled one runs joins it. It waits for the sync, so the schedule's
 * overlap policy sees a sync still running as the scheduled run still running. The sync is
 * abandoned, not cancelled, if this workflow ends first: removing a schedule stops no sync.
 */
export async function scheduledSyncWorkflow(input: SyncClientInput): Promise<ScheduledSyncOutcome> {
  try {
    const summary = await executeChild(syncClientWorkflow, {
      ...clientSyncStart(input.clientId),
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return { ran: true, summary };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { ran: false, reason: 'a sync of this client was already running' };
    throw err;
  }
}
