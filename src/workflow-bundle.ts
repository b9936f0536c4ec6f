import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { ENCODED_FAILURE_CONVERTER_PATH } from './codec/encryption-codec';
import { PROJECT_ROOT } from './config';

/**
 * The workflow code, bundled once by `npm run build` instead of by every worker at start-up
 * (webpack takes seconds of CPU, which a fleet pays again every time a worker is replaced).
 */
export const WORKFLOW_BUNDLE_PATH = join(PROJECT_ROOT, 'dist', 'workflows.bundle.js');
/**
 * The same workflows with failures' messages and stack traces encoded (for the encryption codec).
 * A second bundle because the SDK builds the failure converter into the bundle: a worker cannot
 * switch it at start, and plain-history deployments keep readable failures.
 */
export const ENCODED_FAILURES_BUNDLE_PATH = join(PROJECT_ROOT, 'dist', 'workflows.encoded-failures.bundle.js');

const WORKFLOWS_PATH = require.resolve('./workflows');

/**
 * The prebuilt bundle when the build made one; else the worker bundles the workflows itself (with
 * the data converter's `failureConverterPath`, which the SDK's bundler picks up).
 */
export function workflowCode(options: { encodeFailures: boolean }): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const codePath = options.encodeFailures ? ENCODED_FAILURES_BUNDLE_PATH : WORKFLOW_BUNDLE_PATH;
  return existsSync(codePath) ? { workflowBundle: { codePath } } : { workflowsPath: WORKFLOWS_PATH };
}

async function main() {
  writeFileSync(WORKFLOW_BUNDLE_PATH, (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH })).code);
  const encoded = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: ENCODED_FAILURE_CONVERTER_PATH });
  writeFileSync(ENCODED_FAILURES_BUNDLE_PATH, encoded.code);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`workflow bundle: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
