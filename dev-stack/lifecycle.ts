/**
 * One lifecycle for local processes (`npm start`, the test stack, the benchmarks): parts start in
 * order (independent ones together), stop in reverse order, and when a start fails everything
 * already up is stopped before the error is thrown, so no process outlives a failed start.
 */

/** A started part that can be stopped. */
export interface Stoppable {
  stop(): Promise<unknown>;
}

type Stop = () => Promise<unknown>;

export class Lifecycle {
  /** In the order registered; run last first. */
  private readonly stops: Stop[] = [];
  /** Starts under way: a stop waits for them, or a part that comes up afterwards would be left running. */
  private readonly pending = new Set<Promise<unknown>>();
  private stopping: Promise<void> | undefined;

  /** `onStopError` hears of each stop that throws; the other stops still run. */
  constructor(private readonly onStopError: (err: unknown) => void = warnStopError) {}

  /** Starts one part after those before it; it stops before them (by its `stop()`, or `stop` when given). */
  start<P extends Stoppable>(start: () => Promise<P>): Promise<P>;
  start<P>(start: () => Promise<P>, stop: (part: P) => Promise<unknown>): Promise<P>;
  async start<P>(start: () => Promise<P>, stop?: (part: P) => Promise<unknown>): Promise<P> {
    const [part] = await this.startGroup([start], stop ?? ((p) => (p as Stoppable).stop()));
    return part as P;
  }

  /**
   * Starts independent parts at once. They stop together (concurrently), before the parts started
   * earlier; if one fails, the lifecycle waits for the others to come up and stops everything.
   */
  async startTogether<T extends readonly Stoppable[]>(...starts: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
    return (await this.startGroup(starts, (part) => part.stop())) as unknown as T;
  }

  /** Registers the stop of something already running (a pool, a folder, a list of workers). */
  onStop(stop: Stop): void {
    if (this.stopping) throw new Error('the lifecycle is stopping: nothing more can be registered');
    this.stops.push(stop);
  }

  /** Stops everything started, last first; idempotent (every call waits for the same stop). */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async startGroup<P>(starts: readonly (() => Promise<P>)[], stop: (part: P) => Promise<unknown>): Promise<P[]> {
    const up: P[] = [];
    // Registered before starting, so the order of stops follows the order of calls, not of completions.
    this.onStop(() => Promise.all(up.map((part) => this.guarded(() => stop(part)))));
    const settled = Promise.allSettled(
      starts.map(async (start) => {
        const part = await start();
        up.push(part);
        return part;
      }),
    );
    this.pending.add(settled);
    const results = await settled;
    this.pending.delete(settled);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.stop();
      throw failed.reason;
    }
    if (this.stopping) throw new Error('the lifecycle stopped while this part was starting');
    return results.map((r) => (r as PromiseFulfilledResult<P>).value);
  }

  private async stopAll(): Promise<void> {
    await Promise.allSettled(this.pending);
    for (const stop of this.stops.reverse()) await this.guarded(stop);
  }

  private async guarded(stop: Stop): Promise<void> {
    try {
      await stop();
    } catch (err) {
      this.onStopError(err);
    }
  }
}

function warnStopError(err: unknown): void {
  process.stderr.write(`while stopping: ${err instanceof Error ? err.message : String(err)}\n`);
}

/** Runs `body` with a new lifecycle and stops it afterwards, whether `body` returned or threw. */
export async function withLifecycle<T>(body: (lifecycle: Lifecycle) => Promise<T>, onStopError?: (err: unknown) => void): Promise<T> {
  const lifecycle = new Lifecycle(onStopError);
  try {
    return await body(lifecycle);
  } finally {
    await lifecycle.stop();
  }
}
