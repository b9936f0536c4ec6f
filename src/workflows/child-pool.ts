/**
 * A bounded pool of child workflows: starts one once fewer than `limit` are running. Only
 * promises and a map, no I/O, so it is deterministic in workflow code; the caller starts the
 * children (the order of its commands is its own).
 */
export class ChildPool {
  private readonly running = new Map<string, Promise<void>>();

  /** `settled` runs as a child leaves the pool, in the same tick (the caller's own bookkeeping). */
  constructor(private readonly settled: (id: string) => void = () => undefined) {}

  get size(): number {
    return this.running.size;
  }

  has(id: string): boolean {
    return this.running.has(id);
  }

  /**
   * Waits until fewer than `limit` children run (telling `waiting` how many do, each time it
   * waits), then calls `start` and returns without waiting for the child to finish.
   */
  async run(id: string, limit: number, start: () => Promise<void>, waiting: (running: number) => void): Promise<void> {
    while (this.running.size >= limit) {
      waiting(this.running.size);
      await Promise.race(this.running.values());
    }
    const done = start().finally(() => {
      this.running.delete(id);
      this.settled(id);
    });
    this.running.set(id, done);
  }

  /** Waits until every child has finished (telling `waiting` how many run, each time it waits). */
  async drain(waiting: (running: number) => void): Promise<void> {
    while (this.running.size > 0) {
      waiting(this.running.size);
      await Promise.race(this.running.values());
    }
  }
}
