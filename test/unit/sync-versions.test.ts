import { SYNC_WORKFLOW_VERSIONS } from '../../src/contract/versions';
import { runningSyncsRecording, runsPerVersion } from '../../src/cli/versions';

test.each([
  [[], "WorkflowType = 'syncClientWorkflow' AND ExecutionStatus = 'Running'"],
  [
    ['campaign-batch-activity'],
    "WorkflowType = 'syncClientWorkflow' AND ExecutionStatus = 'Running' AND TemporalChangeVersion = 'campaign-batch-activity'",
  ],
  [
    ['campaign-batch-activity', 'sync-search-attributes'],
    "WorkflowType = 'syncClientWorkflow' AND ExecutionStatus = 'Running' AND TemporalChangeVersion = 'campaign-batch-activity' AND TemporalChangeVersion = 'sync-search-attributes'",
  ],
])('running syncs recording %j: %s', (patches, query) => {
  expect(runningSyncsRecording(patches)).toBe(query);
});

test('the oldest version alive is counted by its own patch, not as every running sync: v1 (no patch) is retired', () => {
  expect(SYNC_WORKFLOW_VERSIONS.map(({ patches }) => runningSyncsRecording(patches))).toEqual([
    "WorkflowType = 'syncClientWorkflow' AND ExecutionStatus = 'Running' AND TemporalChangeVersion = 'campaign-batch-activity'",
    "WorkflowType = 'syncClientWorkflow' AND ExecutionStatus = 'Running' AND TemporalChangeVersion = 'campaign-batch-activity' AND TemporalChangeVersion = 'sync-search-attributes'",
    "WorkflowType = 'syncClientWorkflow' AND ExecutionStatus = 'Running' AND TemporalChangeVersion = 'campaign-batch-activity' AND TemporalChangeVersion = 'sync-search-attributes' AND TemporalChangeVersion = 'one-batch-in-sync'",
  ]);
});

// Counts of running syncs recording at least v2's, v3's and v4's patches (v2 and later, v3 and later, v4).
test.each([
  ['nothing running', [0, 0, 0], [0, 0, 0]],
  ['only the current version', [4, 4, 4], [0, 0, 4]],
  ['one of each', [3, 2, 1], [1, 1, 1]],
  ['old runs only', [5, 0, 0], [5, 0, 0]],
  ['counts taken a moment apart (a sync started between them): never below zero', [2, 3, 3], [0, 0, 3]],
])('%s: %j gives %j per version', (_what, recordingAtLeast, running) => {
  expect(runsPerVersion(SYNC_WORKFLOW_VERSIONS, recordingAtLeast).map((version) => version.running)).toEqual(running);
});

test('each version records the patches of the one before it, and one more', () => {
  for (const [i, version] of SYNC_WORKFLOW_VERSIONS.slice(1).entries())
    expect(version.patches).toEqual([...SYNC_WORKFLOW_VERSIONS[i]!.patches, version.patches.at(-1)]);
});
