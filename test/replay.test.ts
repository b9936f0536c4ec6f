import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';

// Histories recorded from real runs (scripts/record-histories.ts). Replaying them against the
// current workflow code fails on any change that would break syncs already in flight. Files
// named search-attributes-* were recorded by the version with SEARCH_ATTRIBUTES_PATCH (and
// retry-failed, schedules), batch-activity-* by the version with BATCH_ACTIVITY_PATCH, the others
// by the version before it (an activity per campaign); running syncs may still be on any of them.
const DIR = join(__dirname, 'fixtures', 'histories');
const recorded = readdirSync(DIR).filter((f) => f.endsWith('.json'));

const VERSIONS = ['search-attributes-', 'batch-activity-'];

test('histories of every version were recorded', () => {
  for (const prefix of VERSIONS) expect(recorded.filter((f) => f.startsWith(prefix)).length).toBeGreaterThanOrEqual(5);
  expect(recorded.filter((f) => !VERSIONS.some((prefix) => f.startsWith(prefix))).length).toBeGreaterThanOrEqual(5);
});

test.each(recorded)(
  '%s replays deterministically against the current workflows',
  async (file) => {
    const { workflowId, history } = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
    await Worker.runReplayHistory({ workflowsPath: require.resolve('../src/workflows') }, historyFromJSON(history), workflowId);
  },
  60_000,
);
