import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import {
  BATCH_ACTIVITY_PATCH,
  ONE_BATCH_IN_SYNC_PATCH,
  SEARCH_ATTRIBUTES_PATCH,
  SYNC_WORKFLOW_VERSIONS,
} from '../../src/contract/versions';
import { bundleSyncWorkflows } from '../helpers/workflow-bundle';

// Histories recorded from real runs (scripts/record-histories.ts). Replaying them against the
// current workflow code fails on any change that would break syncs already in flight.
const DIR = join(__dirname, '..', 'fixtures', 'histories');
const recorded = readdirSync(DIR).filter((f) => f.endsWith('.json'));

/** What every version alive recorded (v1, retired, recorded them first). */
const BASE_SCENARIOS = [
  'campaign-batch',
  'sync-completed-with-retries',
  'sync-continued-as-new-first-run',
  'sync-continued-as-new-last-run',
  'sync-failed-bad-credentials',
];

/**
 * The workflow versions running syncs may still be on: the prefix of the histories recorded by
 * each, the patches its syncClientWorkflow records (`patched()`, so the histories of the older
 * ones take the old paths on replay), and the histories recorded.
 */
const ALIVE = [
  {
    prefix: 'batch-activity-',
    patches: [BATCH_ACTIVITY_PATCH],
    histories: [...BASE_SCENARIOS, 'campaign-batch-waiting-for-rate-window'],
  },
  {
    prefix: 'search-attributes-',
    patches: [BATCH_ACTIVITY_PATCH, SEARCH_ATTRIBUTES_PATCH],
    histories: [...BASE_SCENARIOS, 'campaign-batch-waiting-for-rate-window', 'scheduled-sync', 'sync-retry-failed'],
  },
  {
    // Only the new path: every other v4 sync records v3's patches and commands.
    prefix: 'one-batch-sync-',
    patches: [BATCH_ACTIVITY_PATCH, SEARCH_ATTRIBUTES_PATCH, ONE_BATCH_IN_SYNC_PATCH],
    histories: ['sync-one-batch-waiting-for-rate-window'],
  },
];

interface RecordedHistory {
  workflowId: string;
  history: {
    events: {
      workflowExecutionStartedEventAttributes?: { workflowType: { name: string } };
      markerRecordedEventAttributes?: { markerName: string; details?: Record<string, { payloads: { data: string }[] }> };
    }[];
  };
}
const read = (file: string): RecordedHistory => JSON.parse(readFileSync(join(DIR, file), 'utf8'));

/** The patch ids a history's `patched()` and `deprecatePatch()` calls recorded, in order. */
const patchesIn = ({ history }: RecordedHistory) =>
  history.events.flatMap(({ markerRecordedEventAttributes: marker }) =>
    marker?.markerName === 'core_patch'
      ? [JSON.parse(Buffer.from(marker.details!['patch-data']!.payloads[0]!.data, 'base64').toString()).id as string]
      : [],
  );

/** The workflow a scenario's history is of, by its name in scripts/record-histories.ts. */
const workflowOf = (scenario: string) =>
  scenario.startsWith('campaign-batch')
    ? 'syncCampaignBatchWorkflow'
    : scenario === 'scheduled-sync'
      ? 'scheduledSyncWorkflow'
      : 'syncClientWorkflow';

test('every version declared alive (src/contract/versions.ts) has its recorded histories, and no other', () => {
  expect(ALIVE.map(({ patches }) => patches)).toEqual(SYNC_WORKFLOW_VERSIONS.map(({ patches }) => patches));
});

test('the recorded histories are exactly those of the versions alive', () => {
  expect([...recorded].sort()).toEqual(ALIVE.flatMap(({ prefix, histories }) => histories.map((name) => `${prefix}${name}.json`)).sort());
});

test("each history was recorded by the version it is filed under: its workflow, and a sync's patches", () => {
  for (const { prefix, patches, histories } of ALIVE) {
    for (const scenario of histories) {
      const file = `${prefix}${scenario}.json`;
      const history = read(file);
      const workflow = history.history.events[0]!.workflowExecutionStartedEventAttributes!.workflowType.name;
      expect({ file, workflow, patches: patchesIn(history) }).toEqual({
        file,
        workflow: workflowOf(scenario),
        patches: workflowOf(scenario) === 'syncClientWorkflow' ? patches : [],
      });
    }
  }
});

let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  bundle = await bundleSyncWorkflows();
});

test.each(recorded)(
  '%s replays deterministically against the current workflows',
  async (file) => {
    const { workflowId, history } = read(file);
    await Worker.runReplayHistory({ workflowBundle: bundle }, historyFromJSON(history), workflowId);
  },
  60_000,
);
