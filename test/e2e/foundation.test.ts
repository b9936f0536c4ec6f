import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { noopMetricMeter } from '@temporalio/common';
import { saveClient } from '../../src/db/clients';
import type { DevServer } from '../../dev-stack/temporal-dev-server';
import { generateCampaigns } from '../../mock-api/accounts';
import { createSyncMetrics } from '../../src/metrics';
import { createCampaignSyncWorker } from '../../src/worker';
import { PlatformApi } from '../../src/platform/api';
import { createCredentialStore } from '../../src/platform/credentials';
import {
  embeddedTestDatabase,
  EXTERNAL_DATABASE_URL,
  externalServerReachable,
  externalTestDatabase,
  type TestDatabase,
} from '../../dev-stack/databases';
import { startThrowawayDevServer } from '../../dev-stack/temporal-dev-server';

jest.setTimeout(180_000);

let devServer: DevServer;

beforeAll(async () => {
  devServer = await startThrowawayDevServer();
});

afterAll(async () => {
  await devServer?.stop();
});

test('the Web UI answers HTTP on its port', async () => {
  const response = await fetch(devServer.uiUrl);
  expect(response.status).toBe(200);
  expect(await response.text()).toMatch(/<html/i);
});

async function runWorkflowThatWritesARow(database: TestDatabase) {
  await saveClient(database.pool, {
    id: 'foundation',
    name: 'Foundation',
    apiBaseUrl: 'http://127.0.0.1:1',
    credentialsRef: 'FOUNDATION',
    rateLimit: 10,
    rateWindowMs: 60_000,
    enabled: true,
  });
  const taskQueue = `foundation-${randomUUID()}`;
  const nativeConnection = await NativeConnection.connect({ address: devServer.address });
  const worker = await createCampaignSyncWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    pool: database.pool,
    platform: new PlatformApi({ connectMs: 1000, headersMs: 1000, bodyMs: 1000 }),
    credentials: createCredentialStore({}),
    metrics: createSyncMetrics(noopMetricMeter),
    workflowsPath: require.resolve('../fixtures/foundation-workflows'),
  });
  const connection = await Connection.connect({ address: devServer.address });
  const temporal = new Client({ connection });
  const [campaign] = generateCampaigns(7, 1, 1);
  try {
    const counts = await worker.runUntil(
      temporal.workflow.execute('storeCampaignsWorkflow', {
        taskQueue,
        workflowId: `foundation-${randomUUID()}`,
        args: ['foundation', [campaign]],
      }),
    );
    expect(counts).toEqual({ inserted: 1, updated: 0, unchanged: 0, refused: [] });
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
  const { rows } = await database.pool.query('SELECT campaign_id, name, budget::float8 AS budget FROM campaigns WHERE client_id = $1', [
    'foundation',
  ]);
  expect(rows).toEqual([{ campaign_id: campaign!.id, name: campaign!.name, budget: campaign!.budget }]);
}

test('a worker runs a workflow whose activity writes to the embedded PostgreSQL', async () => {
  const database = await embeddedTestDatabase();
  try {
    await runWorkflowThatWritesARow(database);
  } finally {
    await database.stop();
  }
});

test('a worker runs a workflow whose activity writes to an external PostgreSQL (DATABASE_URL)', async () => {
  // No server, no test: this fails rather than passing green having run nothing.
  if (!(await externalServerReachable()))
    throw new Error(`no PostgreSQL answers at ${EXTERNAL_DATABASE_URL}: start one there or set DATABASE_URL to one that answers`);
  const database = await externalTestDatabase();
  try {
    await runWorkflowThatWritesARow(database);
  } finally {
    await database.stop();
  }
});
