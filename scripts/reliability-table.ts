/**
 * Prints the table of docs/reliability.md from the chaos suite's results (the newest row of each
 * scenario): npm run test:chaos && node dist/scripts/reliability-table.js [results.jsonl]
 */
import { readFileSync } from 'node:fs';
import { RESULTS_FILE, type ScenarioResult } from '../dev-stack/chaos-results';

const file = process.argv[2] ?? RESULTS_FILE;
const rows = new Map<string, ScenarioResult & { at: string; scale: string }>();
for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
  const row = JSON.parse(line);
  rows.set(row.scenario, row);
}
const cell = (text: string) => text.replace(/\|/g, '\\|');
console.log(
  '| scenario | injections | runs | campaigns expected / found | wrong values | duplicates | 429s (window) | most in a window / limit | secrets found | outcome | scale, time |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows.values()) {
  console.log(
    `| ${cell(r.scenario)} | ${cell(r.injections)} | ${r.runs} | ${r.expected} / ${r.found} | ${r.wrongValues} | ${r.duplicates} | ${r.windowRateLimited} | ${r.worstWindow} | ${r.secretsFound} | ${cell(r.outcome ?? 'completed')} | ${r.scale}, ${r.seconds} s |`,
  );
}
