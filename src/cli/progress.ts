import { MultiBar, Presets } from 'cli-progress';
import type { SyncProgress, SyncSummary } from '../contract/sync';
import { readProgress, type SyncHandle } from '../temporal-ops/syncs';
import { printable } from '../printable';

export const describeProgress = (p: SyncProgress) =>
  `pages ${p.pages}, listed ${p.listed}, upserted ${p.inserted + p.updated + p.unchanged}, ` +
  `synced ${p.synced}, failed ${p.failed}${p.rejected ? `, rejected ${p.rejected}` : ''}${p.removed ? `, marked removed ${p.removed}` : ''}`;

/** What a running sync waits for, printable: it is whatever the workflow under the client's sync id answers. */
export const describeWaiting = (p: SyncProgress) => printable(`waiting for ${p.waitingFor}`);

/**
 * Waits for syncs while drawing a live progress bar per client (campaigns synced or failed out
 * of the platform's total). Resolves with each client's summary or failure.
 */
export async function followSyncs(
  handles: Map<string, SyncHandle>,
  output: NodeJS.WriteStream = process.stderr,
): Promise<Map<string, SyncSummary | Error>> {
  const bars = new MultiBar(
    {
      format: ' {client} [{bar}] {value}/{total} | {status}',
      hideCursor: true,
      clearOnComplete: false,
      stream: output,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    Presets.shades_classic,
  );
  const width = Math.max(...[...handles.keys()].map((id) => id.length));
  const outcomes = new Map<string, SyncSummary | Error>();
  await Promise.all(
    [...handles].map(async ([clientId, handle]) => {
      const bar = bars.create(1, 0, { client: clientId.padEnd(width), status: 'starting' });
      const update = (p: SyncProgress) => {
        bar.setTotal(Math.max(1, p.total ?? p.listed));
        bar.update(p.synced + p.failed, { status: p.state === 'completed' ? describeProgress(p) : describeWaiting(p) });
      };
      const timer = setInterval(() => void readProgress(handle).then((p) => p && update(p)), 1000);
      try {
        const summary = await handle.result();
        update(summary);
        outcomes.set(clientId, summary);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        bar.update({ status: `FAILED: ${failureReason(error)}` });
        outcomes.set(clientId, error);
      } finally {
        clearInterval(timer);
      }
    }),
  );
  bars.stop();
  return outcomes;
}

/** The one-line reason a sync failed, from the activity failure at the root of it, printable (it quotes the platform). */
export function failureReason(err: Error): string {
  let cause: Error | undefined = err;
  while (cause?.cause instanceof Error) cause = cause.cause;
  return printable(cause?.message ?? err.message);
}
