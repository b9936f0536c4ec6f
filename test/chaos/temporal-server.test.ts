import { startTemporalServer, postgresServerOf } from '../../dev-stack/temporal-server';
import { Stack } from '../../dev-stack/stack';
import { generatedAccountCredentials } from '../../mock-api/accounts';
import { sleep, syncedClient, verifyAndRecord, type SyncedClient } from '../helpers/chaos-harness';

jest.setTimeout(900_000);

/**
 * The production topology without Docker: Temporal's own server (built from Go, as the compose
 * file's temporalio/server image) on PostgreSQL, its schema set up by its SQL tool and its
 * namespace registered by the compose file's job; two clients, two worker processes; one worker
 * SIGKILLed mid-sync and the server killed and restarted once.
 */
test("Temporal's own server on PostgreSQL: two clients, two workers, one SIGKILLed, the server restarted", async () => {
  let server: Awaited<ReturnType<typeof startTemporalServer>> | undefined;
  const stack = await Stack.start(
    { generatedAccounts: 2, campaignsPerAccount: 60, rateLimit: 10, rateWindowMs: 1000, syncLatencyMs: 100, rate503: 0.1, hangRate: 0.05 },
    { temporal: async (database) => (server = await startTemporalServer(postgresServerOf(database.connectionString))) },
  );
  try {
    const clients: SyncedClient[] = [1, 2].map((n) => syncedClient(`client-${n}`, generatedAccountCredentials(n), 10));
    for (const c of clients) await stack.addClient(c.clientId, c, { rateLimit: c.rateLimit, rateWindowMs: 1000 });
    const [doomed] = [await stack.startWorker(), await stack.startWorker()];
    const startedAt = Date.now();
    const syncs = await Promise.all(clients.map((c) => stack.startSync({ clientId: c.clientId, pageSize: 20 })));
    const synced = async () => Object.values((await stack.mock.stats()).accounts).reduce((n, a) => n + a.syncedCampaignIds.length, 0);
    while ((await synced()) < 20) await sleep(200);
    await doomed!.stop('SIGKILL');
    while ((await synced()) < 60) await sleep(200);
    await server!.restart(2000);
    for (const sync of syncs) expect(await sync.result()).toMatchObject({ state: 'completed', synced: 60, failed: 0 });
    await verifyAndRecord(stack, clients, {
      scenario: "Temporal's own server (v1.30.1 on PostgreSQL)",
      injections: '1 of 2 workers SIGKILLed, the server SIGKILLed and restarted, 10% 503s, 5% hangs',
      runs: 1,
      startedAt,
    });
  } finally {
    await stack.stop();
  }
});
