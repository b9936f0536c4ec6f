import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';

// Histories recorded from real runs (scripts/record-histories.ts). Replaying them against the
// current workflow code fails on any change that would break syncs already in flight. Files
// named batch-activity-* were recorded by the version with BATCH_ACTIVITY_PATCH; the others by
// the version before it (an activity per campaign), which running syncs may still be on.
const DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'histories');
const recorded = readdirSync(DIR).filter((f) => f.endsWith('.json'));

test('histories of both versions were recorded', () => {
  expect(recorded.filter((f) => f.startsWith('batch-activity-')).length).toBeGreaterThanOrEqual(5);
  expect(recorded.filter((f) => !f.startsWith('batch-activity-')).length).toBeGreaterThanOrEqual(5);
});

test.each(recorded)('%s replays deterministically against the current workflows', async (file) => {
  const { workflowId, history } = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../src/workflows') }, historyFromJSON(history), workflowId);
}, 60_000);
