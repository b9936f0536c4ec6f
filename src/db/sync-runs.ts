import type { Pool } from 'pg';
import type { SyncRunRecord, SyncRunStatus } from '../contract/activities';

/** Idempotent: a retried or replayed call writes the same row again. Returns how long the run has taken. */
export async function saveSyncRun(pool: Pool, run: SyncRunRecord): Promise<{ durationMs: number }> {
  const c = run.counts;
  const { rows } = await pool.query<{ duration_ms: number }>(
    `INSERT INTO sync_runs (workflow_id, run_id, client_id, status, pages, listed, inserted, updated, unchanged, synced, failed, rejected, removed,
                            error, retry_of, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, CASE WHEN $4 = 'running' THEN NULL ELSE now() END)
     ON CONFLICT (workflow_id, run_id) DO UPDATE
       SET status = excluded.status, pages = excluded.pages, listed = excluded.listed, inserted = excluded.inserted,
           updated = excluded.updated, unchanged = excluded.unchanged, synced = excluded.synced, failed = excluded.failed,
           rejected = excluded.rejected, removed = excluded.removed, error = excluded.error,
           retry_of = coalesce(sync_runs.retry_of, excluded.retry_of), finished_at = coalesce(sync_runs.finished_at, excluded.finished_at)
     RETURNING (extract(epoch FROM coalesce(finished_at, now()) - started_at) * 1000)::float8 AS duration_ms`,
    [
      run.workflowId,
      run.runId,
      run.clientId,
      run.status,
      c.pages,
      c.listed,
      c.inserted,
      c.updated,
      c.unchanged,
      c.synced,
      c.failed,
      c.rejected,
      c.removed,
      run.error ?? null,
      run.retryOf ?? null,
    ],
  );
  return { durationMs: rows[0]!.duration_ms };
}

/** A row of `campaign-sync runs`. */
export interface SyncRunRow extends SyncRunRecord {
  startedAt: Date;
  finishedAt: Date | null;
}

/** The most recent runs, of one client or of all, newest first. */
export async function listSyncRuns(pool: Pool, clientId: string | undefined, limit: number): Promise<SyncRunRow[]> {
  const { rows } = await pool.query<SyncRunRow & { error: string | null; retryOf: string | null }>(
    `SELECT workflow_id AS "workflowId", run_id AS "runId", client_id AS "clientId", status, error, retry_of AS "retryOf",
            started_at AS "startedAt", finished_at AS "finishedAt",
            json_build_object('pages', pages, 'listed', listed, 'inserted', inserted, 'updated', updated, 'unchanged', unchanged,
                              'synced', synced, 'failed', failed, 'rejected', rejected, 'removed', removed) AS counts
       FROM sync_runs
      WHERE $1::text IS NULL OR client_id = $1
      ORDER BY started_at DESC
      LIMIT $2`,
    [clientId ?? null, limit],
  );
  return rows.map((row) => ({ ...row, error: row.error ?? undefined, retryOf: row.retryOf ?? undefined }));
}

/**
 * The run `sync --retry-failed` retries: the client's most recent finished run that listed
 * campaigns (not itself a retry).
 */
export async function lastFinishedListingRun(pool: Pool, clientId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ run_id: string }>(
    `SELECT run_id FROM sync_runs
      WHERE client_id = $1 AND retry_of IS NULL AND status <> 'running'
      ORDER BY started_at DESC
      LIMIT 1`,
    [clientId],
  );
  return rows[0]?.run_id;
}

/** A run recorded as running, as the repair of abandoned runs checks it against Temporal. */
export interface RunningRun {
  workflowId: string;
  runId: string;
}

/** The client's runs still recorded as running, except the one starting now. */
export async function otherRunningRuns(pool: Pool, clientId: string, current: RunningRun): Promise<RunningRun[]> {
  const { rows } = await pool.query<RunningRun>(
    `SELECT workflow_id AS "workflowId", run_id AS "runId" FROM sync_runs
      WHERE client_id = $1 AND status = 'running' AND (workflow_id, run_id) <> ($2, $3)`,
    [clientId, current.workflowId, current.runId],
  );
  return rows;
}

/** How a run that never recorded its end did end, as Temporal tells. */
export interface AbandonedRunEnd extends RunningRun {
  status: Exclude<SyncRunStatus, 'running'>;
  error: string;
  finishedAt: Date | undefined;
}

/**
 * Records the ends of runs that did not record them (terminated, timed out, a last write that
 * could not reach the database), in one statement. A row that has recorded its own end meanwhile
 * keeps it. Returns how many rows it changed.
 */
export async function recordAbandonedRuns(pool: Pool, ends: AbandonedRunEnd[]): Promise<number> {
  if (ends.length === 0) return 0;
  const { rowCount } = await pool.query(
    `UPDATE sync_runs s
        SET status = e.status, error = e.error, finished_at = coalesce(e.finished_at, now())
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS e(workflow_id, run_id, status, error, finished_at)
      WHERE s.workflow_id = e.workflow_id AND s.run_id = e.run_id AND s.status = 'running'`,
    [
      ends.map((e) => e.workflowId),
      ends.map((e) => e.runId),
      ends.map((e) => e.status),
      ends.map((e) => e.error),
      ends.map((e) => e.finishedAt ?? null),
    ],
  );
  return rowCount ?? 0;
}
