/**
 * The database's clock as this process sees it. Slot times are the database's; a worker sleeps by
 * its own clock. Each reading of the database's clock comes with the local times the query was sent
 * and answered: the database read its clock somewhere between, so the offset is known to within
 * half that round trip. A reading taken while either side was busy (a round trip of 200 ms) would
 * put every slot up to 100 ms late, unseen by the lateness check, so the clock keeps the reading
 * with the least doubt, and lets a reading's doubt grow with its age as clocks drift apart
 * (Cristian's algorithm with NTP's minimum-delay filter).
 */
export interface ClockReading {
  /** Local time (Date.now()) the query was sent. */
  sentAt: number;
  /** Local time its answer was read. */
  answeredAt: number;
  /** The database's clock during the query (epoch ms). */
  databaseMs: number;
}

/** How far two hosts' clocks may drift apart per millisecond (100 ppm: well beyond a disciplined clock's). */
export const DRIFT_PER_MS = 1e-4;

/** How far off the offset a reading gives may be, `now` (local) being when it is used. */
export const readingDoubtMs = (reading: ClockReading, now: number) =>
  (reading.answeredAt - reading.sentAt) / 2 + Math.max(0, now - reading.answeredAt) * DRIFT_PER_MS;

/** The reading to keep: the new one unless the kept one is still the surer. */
export const surerReading = (kept: ClockReading | undefined, fresh: ClockReading): ClockReading =>
  kept !== undefined && readingDoubtMs(kept, fresh.answeredAt) < readingDoubtMs(fresh, fresh.answeredAt) ? kept : fresh;

/** The database's clock minus the local one, by a reading: the database read its clock halfway through the round trip. */
export const offsetMs = (reading: ClockReading) => reading.databaseMs - (reading.sentAt + reading.answeredAt) / 2;

export class DatabaseClock {
  private best: ClockReading | undefined;

  /** Notes a reading and returns the offset (database minus local) by the surest reading so far. */
  read(reading: ClockReading): number {
    this.best = surerReading(this.best, reading);
    return offsetMs(this.best);
  }
}
