import { SlidingWindow } from '../../../mock-api/sliding-window';

/** A window whose length the test can change, as PATCH /__mock/config does. */
function windowOf(ms: number) {
  const length = { ms };
  return { length, window: new SlidingWindow(() => length.ms) };
}

describe('SlidingWindow', () => {
  test('a request at time t counts for (t - windowMs, t]', () => {
    const { window } = windowOf(1000);
    window.record(0);
    window.record(400);
    expect(window.count(999)).toBe(2);
    expect(window.count(1000)).toBe(1);
    expect(window.count(1400)).toBe(0);
  });

  test('msUntilSlotFrees is the time until the oldest request leaves', () => {
    const { window } = windowOf(1000);
    expect(window.msUntilSlotFrees(0)).toBe(0);
    window.record(100);
    window.record(300);
    expect(window.msUntilSlotFrees(250)).toBe(850);
  });

  test('maxInWindow keeps the most requests ever held at once', () => {
    const { window } = windowOf(1000);
    for (const t of [0, 10, 20, 1500, 1510]) window.record(t);
    expect(window.count(1510)).toBe(2);
    expect(window.maxInWindow).toBe(3);
  });

  test('a changed window length applies at once', () => {
    const { length, window } = windowOf(60_000);
    window.record(0);
    expect(window.count(500)).toBe(1);
    length.ms = 400;
    expect(window.count(500)).toBe(0);
  });
});
