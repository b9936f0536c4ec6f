import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

/**
 * The sync's workflows bundled from source, once per test file: webpack takes seconds, so a test
 * that gave each worker a `workflowsPath` would pay it per worker (or per replayed history).
 */
export const bundleSyncWorkflows = (): Promise<WorkflowBundleWithSourceMap> =>
  bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quietLogger });
