/**
 * The fleet benchmark: many clients' syncs at once on the real parts, each its own process (the
 * Temporal dev server on its SQLite file, PostgreSQL, the mock platform with one account per
 * client, N worker processes, the CLI), and how close the fleet comes to its rate-window bound.
 *
 *   npm run bench:fleet -- --clients 100 --campaigns 100 --limit 10 --window-ms 6000 --workers 1
 *   npm run bench:fleet -- --clients 1000 --campaigns 10 --limit 10 --window-ms 60000 \
 *     --big-campaigns 5000 --big-limit 100 --big-window-ms 6000
 *
 * Options: --clients N, --campaigns N (per client), --limit N and --window-ms MS (each client's
 * sliding window, on the mock and in the clients table), --shared-limit N and --shared-window-ms MS
 * (a shared budget every client names, and the mock's application-wide limit the same; default 0,
 * none, and the window of --window-ms; the bound is then the later of each client's and the
 * fleet's under the shared one), --big-campaigns N, --big-limit N and --big-window-ms MS (a skewed
 * fleet: client 1 has N campaigns and its own sliding window, on the mock and in the clients table;
 * default 0, none, and the limit and window of --limit and --window-ms; the result then shows the
 * small clients' finish times apart and the big client's against its own bound, and the fleet's
 * bound is the latest of theirs), --workers N, --sync-latency-ms MS (how long the platform's /sync
 * takes), --faults on|off (10% 503s, 5% hung requests), --kill-every-s S
 * (SIGKILL a worker every S seconds in rotation and start a new one), --temporal dev|server (the CLI's
 * dev server on SQLite, or Temporal's own server on PostgreSQL), --worker-env K=V
 * (repeatable), --label TEXT, --results FILE (JSON lines, default data/bench-fleet.jsonl),
 * --explain (the event timeline of the client that finished last), --census-sample N (the history
 * census: events by type per client and per campaign, read from the histories of N clients drawn
 * at random, or of all when the fleet has no more; default 100, 0 for none). It also prints the
 * server's work during the run from its Prometheus counters (frontend requests, history tasks and
 * persistence requests by operation, per client and per campaign of the whole fleet).
 *
 * Parse (bench-fleet-options.ts), run (bench-fleet-run.ts), report (bench-fleet-report.ts).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../src/config';
import { parseBenchOptions } from './bench-fleet-options';
import { runFleet } from './bench-fleet-run';
import { revision } from './revision';
import { fleetResult, formatCensus, formatResult, formatServerWork } from './bench-fleet-report';

async function main() {
  const options = parseBenchOptions(process.argv.slice(2), { resultsFile: join(PROJECT_ROOT, 'data', 'bench-fleet.jsonl') });
  const { measured, explanation } = await runFleet(options.load, options);
  const result = fleetResult(options.load, measured, { revision: revision(), at: new Date().toISOString() });
  console.log(formatResult(result));
  if (result.census) for (const line of formatCensus(result.census)) console.log(line);
  if (result.serverWork) for (const line of formatServerWork(result.serverWork)) console.log(line);
  for (const line of explanation) console.log(line);
  mkdirSync(dirname(options.resultsFile), { recursive: true });
  appendFileSync(options.resultsFile, `${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  console.error(`bench:fleet: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
