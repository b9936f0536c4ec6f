import { generatedAccountCredentials, REFERENCE_ACCOUNT } from '../../mock-api/accounts';
import { Stack } from '../../dev-stack/stack';
import { FULL, syncedClient, verifyAndRecord, type SyncedClient } from '../helpers/chaos-harness';

jest.setTimeout(900_000);

const LIMIT = 10;
const WINDOW_MS = 1000;

/**
 * The platform at its worst at once: 30% 503s, 20% hangs, latency spikes, tokens that expire
 * every 3 s, bursts of 429, bodies that drip slower than the body timeout, connections reset
 * mid-response. Once with Retry-After headers on the 429s, once with the wait only in the body.
 */
describe.each([true, false])('the platform at its worst (Retry-After header: %s)', (retryAfterHeader) => {
  let stack: Stack;
  // Full scale: the reference account's 100 campaigns; CI scale: a 50-campaign account.
  const client: SyncedClient = FULL
    ? syncedClient('ref', REFERENCE_ACCOUNT, LIMIT)
    : syncedClient('acme', generatedAccountCredentials(1), LIMIT);
  const injections = `30% 503s, 20% hangs, 5% 2 s latency spikes, token TTL 3 s, 2% 429 bursts of 2 s ${retryAfterHeader ? 'with' : 'without'} Retry-After, 3% bodies dripping past the 1 s body timeout, 3% resets mid-response`;

  beforeAll(async () => {
    stack = await Stack.start({
      rateLimit: LIMIT,
      rateWindowMs: WINDOW_MS,
      syncLatencyMs: 200,
      seed: retryAfterHeader ? 21 : 22,
      rate503: 0.3,
      hangRate: 0.2,
      spikeRate: 0.05,
      spikeMs: 2000,
      tokenTtlSeconds: 3,
      burst429Rate: 0.02,
      burst429Ms: 2000,
      retryAfterHeader,
      dripRate: 0.03,
      dripChunkMs: 1500,
      resetRate: 0.03,
      generatedAccounts: 1,
      campaignsPerAccount: 50,
    });
    await stack.addClient(client.clientId, client, { rateLimit: LIMIT, rateWindowMs: WINDOW_MS });
    await stack.startWorker({ PLATFORM_HEADERS_TIMEOUT_MS: '3000', PLATFORM_BODY_TIMEOUT_MS: '1000' });
  });
  afterAll(() => stack?.stop());

  test('every campaign arrives once, right, with no window 429 and no secret leaked', async () => {
    const runs = FULL ? 3 : 1;
    const startedAt = Date.now();
    for (let run = 0; run < runs; run++) {
      const summary = await (await stack.startSync({ clientId: client.clientId, pageSize: 10, batchSize: 5, maxAttempts: 50 })).result();
      expect(summary).toMatchObject({ state: 'completed', synced: summary.total, failed: 0 });
    }
    const stats = (await stack.mock.stats()).accounts[client.account]!;
    expect(stats.requests.list?.['503']).toBeGreaterThan(0);
    expect(stats.requests.list?.hung ?? 0).toBeGreaterThan(0);
    expect(stats.tokensIssued).toBeGreaterThan(1);
    await verifyAndRecord(stack, [client], {
      scenario: `platform faults (${retryAfterHeader ? 'Retry-After header' : 'wait in body only'})`,
      injections,
      runs,
      startedAt,
    });
  });
});
