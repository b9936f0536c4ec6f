/**
 * Prints the fleet table of docs/figures.md from the figures `npm run bench:fleet` appended:
 *   node dist/scripts/fleet-table.js [data/bench-fleet.jsonl]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/config';
import type { FleetResult as Written } from './bench-fleet-report';

/**
 * A row of the results file as bench-fleet writes it; rows written before `--temporal` and
 * `wrongValues` existed lack them, and early rows' ratio may be null.
 */
type FleetResult = Omit<Written, 'load' | 'wrongValues' | 'ratio'> & {
  load: Omit<Written['load'], 'temporal'> & { temporal?: Written['load']['temporal'] };
  wrongValues?: number;
  ratio: number | null;
};

const file = process.argv[2] ?? join(PROJECT_ROOT, 'data', 'bench-fleet.jsonl');
const results = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as FleetResult);

const describeLoad = ({ load }: FleetResult) =>
  `${load.clients} × ${load.campaigns}, ${load.limit} per ${load.windowMs / 1000} s, /sync ${load.syncLatencyMs / 1000} s` +
  (load.faults ? ', 10% 503s + 5% hangs' : '') +
  (load.killEveryS ? `, a worker SIGKILLed every ${load.killEveryS} s` : '') +
  (load.temporal === 'server' ? ", Temporal's own server on PostgreSQL" : '');

console.log(
  '| load | workers | wall | bound | ratio | rows (distinct) | confirmed by the platform | lost | wrong values | window 429s (most in a window) | repeated /sync | requests | CPU s worker / server | CPU ms per campaign | campaigns/s | peak RSS MB worker / server | machine busy | revision |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const repeated = r.kills
    ? `${r.repeatedSyncCalls} (${r.repeatedSyncCallsPerKill} per kill, ${r.kills} kills)`
    : String(r.repeatedSyncCalls);
  console.log(
    `| ${describeLoad(r)} | ${r.load.workers} | ${r.wallS} s | ${r.boundS} s | ${r.ratio ?? '—'} | ${r.rows} (${r.distinctRows}) | ${r.confirmedByPlatform} | ${r.lostCampaigns} | ${r.wrongValues ?? '—'} | ` +
      `${r.window429s} (${r.mostInAWindow}/${r.load.limit}) | ${repeated} | ${r.requests} | ${r.cpuS.workers} / ${r.cpuS.temporalServer} | ${r.cpuMsPerCampaign} | ` +
      `${r.campaignsPerS} | ${r.peakRssMb.worker} / ${r.peakRssMb.temporalServer} | ${r.machineBusyPct}% | ${r.revision} |`,
  );
}
