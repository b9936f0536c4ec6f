import type { SyncWorkflowVersion } from '../contract/versions';

/** The visibility query for running syncs whose runs record every one of `patches` (none: every running sync). */
export const runningSyncsRecording = (patches: readonly string[]): string =>
  [
    "WorkflowType = 'syncClientWorkflow'",
    "ExecutionStatus = 'Running'",
    ...patches.map((patch) => `TemporalChangeVersion = '${patch}'`),
  ].join(' AND ');

/**
 * Running syncs per version, given how many running syncs record at least each version's patches.
 * A version's runs record its patches and not the next version's, and each version's patches
 * include the earlier ones': so its count is its own query's minus the next version's.
 */
export function runsPerVersion(
  versions: readonly SyncWorkflowVersion[],
  recordingAtLeast: readonly number[],
): { name: string; running: number }[] {
  return versions.map(({ name }, i) => ({ name, running: Math.max(0, recordingAtLeast[i]! - (recordingAtLeast[i + 1] ?? 0)) }));
}
