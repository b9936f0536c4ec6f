/**
 * The fleet benchmark: many clients' syncs at once on the real parts, each its own process (the
 * Temporal dev server on its SQLite file, PostgreSQL, the mock platform with one account per
 * client, N worker processes, the CLI), and how close the fleet comes to its rate-window bound.
 *
 *   npm run bench:fleet -- --clients 100 --campaigns 100 --limit 10 --window-ms 6000 --workers 1
 *
 * Options: --clients N, --campaigns N (per client), --limit N and --window-ms MS (each client's
 * sliding window, on the mock and in the clients table), --workers N, --sync-latency-ms MS (how
 * long the platform's /sync takes), --faults on|off (10% 503s, 5% hung requests), --kill-every-s S
 * (SIGKILL a worker every S seconds in rotation and start a new one), --temporal dev|server (the CLI's
 * dev server on SQLite, or Temporal's own server on PostgreSQL), --worker-env K=V
 * (repeatable), --label TEXT, --results FILE (JSON lines, default data/bench-fleet.jsonl),
 * --explain (the event timeline of the client that finished last).
 *
 * Parse (bench-fleet-options.ts), run (bench-fleet-run.ts), report (bench-fleet-report.ts).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../src/config';
import { parseBenchOptions } from './bench-fleet-options';
import { runFleet } from './bench-fleet-run';
import { fleetResult, formatResult } from './bench-fleet-report';

/** The code measured, so a table row can say which revision its figures belong to. */
function revision(): string {
  try {
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PROJECT_ROOT }).toString().trim() !== '';
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT }).toString().trim() + (dirty ? '+changes' : '');
  } catch {
    return 'unknown';
  }
}

async function main() {
  const options = parseBenchOptions(process.argv.slice(2), { resultsFile: join(PROJECT_ROOT, 'data', 'bench-fleet.jsonl') });
  const { measured, explanation } = await runFleet(options.load, options.explain);
  const result = fleetResult(options.load, measured, { revision: revision(), at: new Date().toISOString() });
  console.log(formatResult(result));
  for (const line of explanation) console.log(line);
  mkdirSync(dirname(options.resultsFile), { recursive: true });
  appendFileSync(options.resultsFile, `${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  console.error(`bench:fleet: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
