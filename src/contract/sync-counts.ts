// What a sync counts, shared by the workflows (which keep the counts), the activities and the
// sync_runs table; no imports, so the workflow bundle can include it.

export interface SyncCounts {
  pages: number;
  listed: number;
  inserted: number;
  updated: number;
  unchanged: number;
  synced: number;
  failed: number;
  /** Records on the pages that were not valid campaigns. */
  rejected: number;
  /** Stored campaigns this sync marked removed: it listed every page and they were not on any. */
  removed: number;
}

export const NO_COUNTS: SyncCounts = {
  pages: 0,
  listed: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  synced: 0,
  failed: 0,
  rejected: 0,
  removed: 0,
};
