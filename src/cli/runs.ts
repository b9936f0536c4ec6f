import type { SyncRunRow } from '../db/sync-runs';
import { tabbed } from './printable';

/** Whole seconds, or minutes and seconds past a minute. */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * One line of `campaign-sync runs`: when, which client, how it ended, what it did and how long it
 * took; its error may quote the platform, so every field is made printable.
 */
export function describeRun(run: SyncRunRow, now = new Date()): string {
  const c = run.counts;
  const took = duration((run.finishedAt ?? now).getTime() - run.startedAt.getTime());
  return tabbed([
    run.startedAt.toISOString(),
    run.clientId,
    run.status,
    run.finishedAt ? took : `${took} so far`,
    `pages ${c.pages}, listed ${c.listed}, synced ${c.synced}, failed ${c.failed}, rejected ${c.rejected}, removed ${c.removed}`,
    ...(run.retryOf ? [`retry of run ${run.retryOf}`] : []),
    ...(run.error ? [`error: ${run.error}`] : []),
  ]);
}
