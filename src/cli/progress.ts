import { MultiBar, Presets } from 'cli-progress';
import type { SyncProgress, SyncSummary } from '../contract/sync';
import { readProgress, type SyncHandle } from '../temporal-ops/syncs';
import { printable } from '../printable';

export const describeProgress = (p: SyncProgress) =>
  `pages ${p.pages}, listed ${p.listed}, upserted ${p.inserted + p.updated + p.unchanged}, ` +
  `synced ${p.synced}, failed ${p.failed}${p.rejected ? `, rejected ${p.rejected}` : ''}${p.removed ? `, marked removed ${p.removed}` : ''}`;

/** What a running sync waits for, printable: it is whatever the workflow under the client's sync id answers. */
export const describeWaiting = (p: SyncProgress) => printable(`waiting for ${p.waitingFor}`);

/** Counts the campaigns confirmed so far in each of these runs (the database's live count). */
export type ConfirmedCounter = (runs: { clientId: string; syncRun: string }[]) => Promise<Map<string, number>>;

/** How often a followed sync's progress is read. */
const PROGRESS_EVERY_MS = 1000;

/**
 * A running sync's progress with the database's count of its confirmations: the workflow's own
 * `synced` moves only as batch calls finish (a call spans a rate window), the database's as the
 * platform confirms each campaign.
 */
export function withLiveCount(p: SyncProgress, confirmed: number | undefined): SyncProgress {
  return p.confirmedRun === undefined || confirmed === undefined ? p : { ...p, synced: Math.max(p.synced, confirmed) };
}

/**
 * Waits for syncs while drawing a live progress bar per client (campaigns synced or failed out
 * of the platform's total), reading every running sync's progress and then their confirmations
 * in one statement. Resolves with each client's summary or failure.
 */
export async function followSyncs(
  handles: Map<string, SyncHandle>,
  countConfirmed: ConfirmedCounter,
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
  const barOf = new Map(
    [...handles.keys()].map((clientId) => [clientId, bars.create(1, 0, { client: clientId.padEnd(width), status: 'starting' })]),
  );
  const update = (clientId: string, p: SyncProgress) => {
    const bar = barOf.get(clientId)!;
    bar.setTotal(Math.max(1, p.total ?? p.listed));
    bar.update(p.synced + p.failed, { status: p.state === 'completed' ? describeProgress(p) : describeWaiting(p) });
  };
  const readAll = async () => {
    const running = [...handles].filter(([clientId]) => !outcomes.has(clientId));
    const read = await Promise.all(running.map(async ([clientId, handle]) => ({ clientId, progress: await readProgress(handle) })));
    const runs = read.flatMap(({ clientId, progress }) => (progress?.confirmedRun ? [{ clientId, syncRun: progress.confirmedRun }] : []));
    // The count is a nicety: a database the CLI cannot reach leaves the workflow's own.
    const confirmed = runs.length > 0 ? await countConfirmed(runs).catch(() => new Map<string, number>()) : new Map<string, number>();
    for (const { clientId, progress } of read) {
      if (progress && !outcomes.has(clientId)) update(clientId, withLiveCount(progress, confirmed.get(clientId)));
    }
  };
  let following = true;
  let wake = () => undefined as void;
  const reading = (async () => {
    while (following) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, PROGRESS_EVERY_MS);
        wake = () => (clearTimeout(timer), resolve());
      });
      if (following) await readAll();
    }
  })();
  await Promise.all(
    [...handles].map(async ([clientId, handle]) => {
      try {
        const summary = await handle.result();
        outcomes.set(clientId, summary);
        update(clientId, summary);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        outcomes.set(clientId, error);
        barOf.get(clientId)!.update({ status: `FAILED: ${failureReason(error)}` });
      }
    }),
  );
  following = false;
  wake();
  await reading;
  bars.stop();
  return outcomes;
}

/** The one-line reason a sync failed, from the activity failure at the root of it, printable (it quotes the platform). */
export function failureReason(err: Error): string {
  let cause: Error | undefined = err;
  while (cause?.cause instanceof Error) cause = cause.cause;
  return printable(cause?.message ?? err.message);
}
