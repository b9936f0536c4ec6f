// Names other processes use to reach a sync: its workflow id, its progress query, and the signal
// a batch activity sends its live count with. Imported by the CLI and by activities, so nothing
// here may pull in workflow logic.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SyncCounts } from '../sync-counts';

/** What the `progress` query answers: the run's counters so far and what it is waiting for. */
export interface SyncProgress extends SyncCounts {
  clientId: string;
  state: 'starting' | 'listing' | 'finishing' | 'completed' | 'failed';
  waitingFor: string;
  total: number | null;
  batchesInFlight: number;
}

export const progressQuery = defineQuery<SyncProgress>('progress');

/** How many campaigns of one batch the platform has confirmed so far (a running total, not an increment). */
export interface BatchProgress {
  batch: string;
  synced: number;
}

export const batchProgressSignal = defineSignal<[BatchProgress]>('batchProgress');

/** Workflow ids carry the client id, so one client has at most one sync running. */
export const syncWorkflowId = (clientId: string) => `campaign-sync-${clientId}`;
