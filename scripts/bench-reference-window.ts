/**
 * How close a full sync of the reference account comes to the rate limit's physical bound.
 * The mock is configured like the reference (10 requests per sliding window, wait only in the
 * 429 body, 100 campaigns, /sync about 2 s, no injected faults). Usage:
 *   npm run build && node dist/scripts/bench-reference-window.js [windowMs=60000]
 * With R requests and L per window W, the last request cannot arrive before floor((R-1)/L)*W.
 */
import { REFERENCE_ACCOUNT } from '../mock-api/accounts';
import { Stack } from '../dev-stack/stack';

async function main() {
  const windowMs = Number(process.argv[2] ?? 60_000);
  const limit = 10;
  const stack = await Stack.start({
    rateLimit: limit,
    rateWindowMs: windowMs,
    retryAfterHeader: false,
    rate503: 0,
    hangRate: 0,
    syncLatencyMs: 2000,
  });
  try {
    await stack.addClient('bench', REFERENCE_ACCOUNT, { rateLimit: limit, rateWindowMs: windowMs });
    await stack.startWorker();
    const started = Date.now();
    const summary = await (await stack.startSync({ clientId: 'bench' })).result();
    const wallMs = Date.now() - started;
    const requests = (await stack.mock.requests(REFERENCE_ACCOUNT.id)).filter((r) => r.endpoint !== 'auth');
    const stats = (await stack.mock.stats()).accounts[REFERENCE_ACCOUNT.id]!;
    const spanMs = requests[requests.length - 1]!.at - requests[0]!.at;
    const boundMs = Math.floor((requests.length - 1) / limit) * windowMs;
    console.log(
      JSON.stringify(
        {
          windowMs,
          limit,
          campaigns: summary.synced,
          requests: requests.length,
          rateLimited: stats.rateLimited,
          maxArrivalsInWindow: stats.maxArrivalsInWindow,
          byEndpoint: stats.requests,
          firstToLastRequestS: spanMs / 1000,
          boundS: boundMs / 1000,
          overBoundPct: Number((((spanMs - boundMs) / boundMs) * 100).toFixed(2)),
          wholeSyncS: wallMs / 1000,
          wholeSyncOverBoundPct: Number((((wallMs - boundMs) / boundMs) * 100).toFixed(2)),
        },
        null,
        1,
      ),
    );
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
