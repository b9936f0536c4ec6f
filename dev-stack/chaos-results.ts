import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../src/config';

/** Where each scenario's figures go; scripts/reliability-table.ts turns them into the table of docs/reliability.md. */
export const RESULTS_FILE = process.env.CHAOS_RESULTS_FILE ?? join(PROJECT_ROOT, 'data', 'chaos-results.jsonl');

/** CHAOS_SCALE=full for the figures of docs/reliability.md; the default (ci) keeps CI under its time budget. */
export const CHAOS_SCALE: 'full' | 'ci' = process.env.CHAOS_SCALE === 'full' ? 'full' : 'ci';

export interface ScenarioResult {
  scenario: string;
  injections: string;
  runs: number;
  expected: number;
  found: number;
  wrongValues: number;
  duplicates: number;
  windowRateLimited: number;
  worstWindow: string;
  secretsFound: number;
  seconds: number;
  /** How the sync ended, where that is the point of the scenario. */
  outcome?: string;
}

export function recordResult(result: ScenarioResult): void {
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  appendFileSync(RESULTS_FILE, `${JSON.stringify({ at: new Date().toISOString(), scale: CHAOS_SCALE, ...result })}\n`);
}
