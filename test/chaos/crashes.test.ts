import { REFERENCE_ACCOUNT } from '../../mock-api/accounts';
import { Stack } from '../../dev-stack/stack';
import type { MockConfig } from '../../mock-api/config';
import { FULL, seededRandom, sleep, syncedClient, verifyAndRecord, type SyncedClient } from '../helpers/chaos-harness';

jest.setTimeout(900_000);

const LIMIT = 10;
const WINDOW_MS = 1000;
const REF_CLIENT: SyncedClient = syncedClient('ref', REFERENCE_ACCOUNT, LIMIT);
const MOCK = {
  rateLimit: LIMIT,
  rateWindowMs: WINDOW_MS,
  syncLatencyMs: 500,
  rate503: 0.1,
  hangRate: 0.05,
  seed: 11,
};

async function withStack(mock: Partial<MockConfig>, run: (stack: Stack) => Promise<void>, options: { database?: 'embedded' } = {}) {
  const stack = await Stack.start(mock, options);
  try {
    await stack.addClient(REF_CLIENT.clientId, REFERENCE_ACCOUNT, { rateLimit: LIMIT, rateWindowMs: WINDOW_MS });
    await run(stack);
  } finally {
    await stack.stop();
  }
}

test('the worker SIGKILLed at random moments, 10 times during one sync', async () => {
  const kills = 10;
  const random = seededRandom(1);
  const startedAt = Date.now();
  await withStack(MOCK, async (stack) => {
    let worker = await stack.startWorker();
    const handle = await stack.startSync({ clientId: 'ref', pageSize: 10, batchSize: 5 });
    let killed = 0;
    while (killed < kills) {
      await sleep(500 + random() * 2000);
      const progress = await handle.query('progress').catch(() => undefined);
      if ((progress as { state?: string } | undefined)?.state === 'completed') break;
      await worker.stop('SIGKILL');
      killed += 1;
      worker = await stack.startWorker();
    }
    expect(killed).toBe(kills);
    await handle.result();
    await verifyAndRecord(stack, [REF_CLIENT], {
      scenario: 'worker SIGKILLed mid-sync',
      injections: `${killed} SIGKILLs at random moments, 10% 503s, 5% hangs`,
      runs: 1,
      startedAt,
    });
  });
});

/** Runs one sync while `restart` takes a part down and up again, `restarts` times, 4 s apart. */
async function syncThroughRestarts(
  scenario: string,
  injections: string,
  restart: (stack: Stack) => Promise<void>,
  options: { database?: 'embedded' } = {},
) {
  const restarts = FULL ? 3 : 2;
  const startedAt = Date.now();
  await withStack(
    MOCK,
    async (stack) => {
      const worker = await stack.startWorker();
      // The one worker must live through the restarts: if it dies, fail now with its last words
      // rather than wait out the test's timeout for a sync nobody runs.
      const workerDied = worker.exited.then((code) => {
        throw new Error(`the worker exited (code ${code}) during the restarts:\n${worker.output().slice(-3000)}`);
      });
      workerDied.catch(() => undefined);
      const handle = await stack.startSync({ clientId: 'ref', pageSize: 10, batchSize: 5 });
      for (let i = 0; i < restarts; i++) {
        await sleep(4000);
        await restart(stack);
      }
      await Promise.race([handle.result(), workerDied]);
      await verifyAndRecord(stack, [REF_CLIENT], {
        scenario,
        injections: `${restarts} ${injections}, 10% 503s, 5% hangs`,
        runs: 1,
        startedAt,
      });
    },
    options,
  );
}

test('the Temporal dev server killed and restarted mid-sync on the same database file', () =>
  syncThroughRestarts('Temporal server killed and restarted', 'SIGKILL + restart on the same SQLite file', (stack) =>
    stack.restartDevServer(2000),
  ));

test('PostgreSQL stopped and restarted mid-sync', () =>
  syncThroughRestarts('PostgreSQL stopped and restarted', 'stops of 3 s', (stack) => stack.database.restartServer!(3000), {
    database: 'embedded',
  }));
