import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';

// Histories recorded from real runs (scripts/record-histories.ts). Replaying them against the
// current workflow code fails on any change that would break syncs already in flight.
const DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'histories');
const recorded = readdirSync(DIR).filter((f) => f.endsWith('.json'));

test('histories were recorded', () => {
  expect(recorded.length).toBeGreaterThanOrEqual(5);
});

test.each(recorded)('%s replays deterministically against the current workflows', async (file) => {
  const { workflowId, history } = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../src/workflows') }, historyFromJSON(history), workflowId);
}, 60_000);
