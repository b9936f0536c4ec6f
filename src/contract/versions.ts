// The versions of syncClientWorkflow that running syncs may be on. A version is named by the
// patches its runs record (`patched()` and `deprecatePatch()` markers, which the SDK also lists in
// the run's TemporalChangeVersion search attribute), so the server can say how many runs each
// version still has. Retiring one follows ARCHITECTURE.md, "Workflow versions": count, deprecate,
// remove.

/**
 * Syncs that run a batch with one activity per rate window instead of one per campaign. Every
 * alive version records it; v1, which did not, is retired (the sync calls `deprecatePatch`).
 */
export const BATCH_ACTIVITY_PATCH = 'campaign-batch-activity';

/** Syncs that keep their search attributes (client, outcome) themselves. */
export const SEARCH_ATTRIBUTES_PATCH = 'sync-search-attributes';

/**
 * Syncs whose whole listing is one page of one batch sync it themselves, without a batch child
 * workflow (a small client's fixed cost). Recorded only by the syncs that take that path: a v4
 * sync of a larger client records v3's patches and runs as v3 does.
 */
export const ONE_BATCH_IN_SYNC_PATCH = 'one-batch-in-sync';

export interface SyncWorkflowVersion {
  name: string;
  /** The patches its runs record; each later version records those of the earlier ones too. */
  patches: readonly string[];
}

/**
 * Oldest first; the last is what new syncs run. A version leaves this list only when no run of it
 * can be left: v1 (an activity per campaign, no patch) has left it.
 */
export const SYNC_WORKFLOW_VERSIONS: readonly SyncWorkflowVersion[] = [
  { name: 'v2 (one batch activity per rate window)', patches: [BATCH_ACTIVITY_PATCH] },
  { name: 'v3 (search attributes kept by the sync)', patches: [BATCH_ACTIVITY_PATCH, SEARCH_ATTRIBUTES_PATCH] },
  {
    name: 'v4 (a one-batch sync without a child; larger clients count as v3)',
    patches: [BATCH_ACTIVITY_PATCH, SEARCH_ATTRIBUTES_PATCH, ONE_BATCH_IN_SYNC_PATCH],
  },
];
