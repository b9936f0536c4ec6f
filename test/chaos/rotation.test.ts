import { Stack } from '../../dev-stack/stack';
import { generatedAccountCredentials } from '../../mock-api/accounts';
import { FULL, seededRandom, sleep, syncedClient, verifyAndRecord, type SyncedClient } from '../helpers/chaos-harness';

jest.setTimeout(900_000);

test('three workers syncing ten clients at once, killed and restarted in rotation', async () => {
  const accounts = 10;
  const perAccount = FULL ? 40 : 20;
  const limit = 5;
  const windowMs = 1000;
  const random = seededRandom(7);
  const startedAt = Date.now();
  const stack = await Stack.start({
    generatedAccounts: accounts,
    campaignsPerAccount: perAccount,
    rateLimit: limit,
    rateWindowMs: windowMs,
    syncLatencyMs: 300,
    rate503: 0.1,
    hangRate: 0.05,
    seed: 31,
  });
  try {
    const clients: SyncedClient[] = [];
    for (let i = 1; i <= accounts; i++) {
      const login = generatedAccountCredentials(i);
      const client = syncedClient(login.id, login, limit);
      await stack.addClient(client.clientId, client, { rateLimit: limit, rateWindowMs: windowMs });
      clients.push(client);
    }
    const workers = await Promise.all([stack.startWorker(), stack.startWorker(), stack.startWorker()]);
    const handles = await Promise.all(clients.map((c) => stack.startSync({ clientId: c.clientId, pageSize: 10, batchSize: 5 })));
    const results = Promise.all(handles.map((h) => h.result()));
    let finished = false;
    void results.finally(() => (finished = true));
    let kills = 0;
    for (let turn = 0; !finished && kills < (FULL ? 12 : 6); turn++) {
      await sleep(3000 + random() * 3000);
      if (finished) break;
      const slot = turn % workers.length;
      await workers[slot]!.stop('SIGKILL');
      kills += 1;
      workers[slot] = await stack.startWorker();
    }
    await results;
    expect(kills).toBeGreaterThanOrEqual(3);
    await verifyAndRecord(stack, clients, {
      scenario: 'three workers, ten clients, rotation',
      injections: `${kills} SIGKILLs in rotation, 10% 503s, 5% hangs`,
      runs: accounts,
      startedAt,
    });
  } finally {
    await stack.stop();
  }
});
