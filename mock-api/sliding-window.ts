/**
 * Request times inside a sliding window: a request at time t counts for (t - windowMs, t].
 * Also remembers the most requests it ever held at once, the figure tests check against limits.
 */
export class SlidingWindow {
  private readonly times: number[] = [];
  maxInWindow = 0;

  /** `windowMs` is read on every use, so a window length changed at run time applies at once. */
  constructor(private readonly windowMs: () => number) {}

  count(now: number): number {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs()) this.times.shift();
    return this.times.length;
  }

  record(now: number): void {
    this.count(now);
    this.times.push(now);
    this.maxInWindow = Math.max(this.maxInWindow, this.times.length);
  }

  /** Milliseconds until the oldest request leaves the window. */
  msUntilSlotFrees(now: number): number {
    return this.times.length === 0 ? 0 : Math.max(0, this.times[0]! + this.windowMs() - now);
  }
}
