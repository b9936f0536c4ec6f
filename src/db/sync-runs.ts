import type { Pool } from 'pg';
import type { SyncCounts } from '../sync-counts';


export type SyncRunStatus = 'running' | 'completed' | 'failed' | 'cancelled';


export interface SyncRunRecord {
  workflowId: string;
  /** The first run's id: it stays the same across continue-as-new. */
  runId: string;
  clientId: string;
  status: SyncRunStatus;
  counts: SyncCounts;
  error?: string;
}

/** Idempotent: a retried or replayed call writes the same row again. */
export async function saveSyncRun(pool: Pool, run: SyncRunRecord): Promise<void> {
  const c = run.counts;
  await pool.query(
    `INSERT INTO sync_runs (workflow_id, run_id, client_id, status, pages, listed, inserted, updated, unchanged, synced, failed, rejected, error, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CASE WHEN $4 = 'running' THEN NULL ELSE now() END)
     ON CONFLICT (workflow_id, run_id) DO UPDATE
       SET status = excluded.status, pages = excluded.pages, listed = excluded.listed, inserted = excluded.inserted,
           updated = excluded.updated, unchanged = excluded.unchanged, synced = excluded.synced, failed = excluded.failed,
           rejected = excluded.rejected, error = excluded.error, finished_at = coalesce(sync_runs.finished_at, excluded.finished_at)`,
    [run.workflowId, run.runId, run.clientId, run.status, c.pages, c.listed, c.inserted, c.updated, c.unchanged, c.synced, c.failed, c.rejected, run.error ?? null],
  );
}
