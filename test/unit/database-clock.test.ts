import { DatabaseClock, DRIFT_PER_MS, offsetMs, readingDoubtMs, surerReading, type ClockReading } from '../../src/db/database-clock';

/** A reading sent at `sentAt`, answered `roundTripMs` later, the database's clock read `readAfterMs` after sending, `trueOffsetMs` ahead. */
const reading = (sentAt: number, roundTripMs: number, readAfterMs: number, trueOffsetMs = 0): ClockReading => ({
  sentAt,
  answeredAt: sentAt + roundTripMs,
  databaseMs: sentAt + readAfterMs + trueOffsetMs,
});

describe('a reading of the database clock', () => {
  test.each([
    ['read at the midpoint: exact', reading(1000, 10, 5, 300), 300],
    ['read at once, answer slow: off by half the round trip', reading(1000, 200, 0, 300), 200],
    ['read late, answer at once: off by half the round trip the other way', reading(1000, 200, 200, 300), 400],
    ['the database behind', reading(1000, 2, 1, -5_000), -5_000],
  ])('%s', (_, r, offset) => {
    expect(offsetMs(r)).toBe(offset);
    expect(Math.abs(offsetMs(r) - offset)).toBeLessThanOrEqual(readingDoubtMs(r, r.answeredAt));
  });

  test("its doubt is half the round trip, growing with age by the clocks' drift", () => {
    const r = reading(1000, 8, 4);
    expect(readingDoubtMs(r, 1008)).toBe(4);
    expect(readingDoubtMs(r, 1008 + 60_000)).toBeCloseTo(4 + 60_000 * DRIFT_PER_MS);
  });
});

describe('surerReading: the reading a clock keeps', () => {
  const quick = reading(1000, 2, 1);
  test.each([
    ['the first reading', undefined, quick, quick],
    ['a slow reading does not replace a quick one', quick, reading(2000, 200, 0), quick],
    ['a quicker reading replaces a slower one', reading(1000, 20, 10), quick, quick],
    ['a reading of the same doubt replaces an older one', quick, reading(5000, 2, 1), reading(5000, 2, 1)],
    [
      'an old quick reading gives way once drift makes it less sure',
      quick,
      reading(1000 + 600_000, 50, 25),
      reading(1000 + 600_000, 50, 25),
    ],
  ])('%s', (_, kept, fresh, expected) => {
    expect(surerReading(kept, fresh)).toEqual(expected);
  });
});

test('a DatabaseClock maps by its surest reading: a busy moment does not make every slot late', () => {
  const clock = new DatabaseClock();
  expect(clock.read(reading(1000, 2, 1, 300))).toBe(300);
  // The database read its clock at once, but the answer waited 300 ms for a busy event loop.
  expect(clock.read(reading(2000, 300, 0, 300))).toBe(300);
});
