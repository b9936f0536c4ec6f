import { askedWaitMs, boundedWait } from '../../src/platform/retry-after';

// A fixed "now", so HTTP-dates are exact: Fri, 22 Nov 2024 10:00:00 GMT.
const NOW = Date.UTC(2024, 10, 22, 10, 0, 0);
const httpDate = (offsetMs: number) => new Date(NOW + offsetMs).toUTCString();

describe('askedWaitMs', () => {
  test.each<[string, string | string[] | undefined, unknown, number | undefined]>([
    // The header, in seconds.
    ['header: whole seconds', '120', undefined, 120_000],
    ['header: zero', '0', undefined, 0],
    ['header: decimal seconds', '1.5', undefined, 1500],
    ['header: surrounding spaces', '  7  ', undefined, 7000],
    ['header: wins over the body', '2', 30, 2000],
    ['header: more digits than a double holds is Infinity', '9'.repeat(400), undefined, Infinity],
    // Several Retry-After headers: the first one counts.
    ['header array: the first', ['3', '600'], undefined, 3000],
    ['header array: a garbage first falls back to the body', ['soon', '600'], 4, 4000],
    ['header array: empty', [], 4, 4000],
    // An HTTP-date.
    ['HTTP-date: 90 s ahead', httpDate(90_000), undefined, 90_000],
    ['HTTP-date: 10 years ahead', httpDate(10 * 365 * 86_400_000), undefined, 10 * 365 * 86_400_000],
    ['HTTP-date: now', httpDate(0), undefined, 0],
    ['HTTP-date: in the past is 0', httpDate(-60_000), 30, 0],
    ['HTTP-date: in 1970 is 0', new Date(0).toUTCString(), undefined, 0],
    // Not seconds, not a date: the body's retry_after decides.
    ['header "1e3" is neither seconds nor a date', '1e3', undefined, undefined],
    ['header "1e3" falls back to the body', '1e3', 5, 5000],
    ['header "12" is seconds, not a date in 2001 (Date.parse takes it so)', '12', undefined, 12_000],
    ['header "-5"', '-5', undefined, undefined],
    ['header "-5" falls back to the body', '-5', 6, 6000],
    ['header "Infinity"', 'Infinity', undefined, undefined],
    ['header "NaN" falls back to the body', 'NaN', 2, 2000],
    ['header "0x10"', '0x10', undefined, undefined],
    ['header "1,5" is not a date (Date.parse takes it for 2001)', '1,5', undefined, undefined],
    ['header "5 seconds"', '5 seconds', 1, 1000],
    ['header of garbage letters', 'soon, please', 1, 1000],
    ['header "Invalid Date"', 'Invalid Date', 1, 1000],
    ['header empty', '', 8, 8000],
    ['header of spaces', '   ', 8, 8000],
    // The body's retry_after, in seconds.
    ['body: a number', undefined, 30, 30_000],
    ['body: zero', undefined, 0, 0],
    ['body: a decimal', undefined, 0.25, 250],
    ['body: numeric text', undefined, '1.5', 1500],
    ['body: numeric text with spaces', undefined, ' 2 ', 2000],
    ['body: negative', undefined, -5, undefined],
    ['body: a hair below zero', undefined, -0.001, undefined],
    ['body: negative text', undefined, '-5', undefined],
    ['body: NaN', undefined, NaN, undefined],
    ['body: Infinity', undefined, Infinity, Infinity],
    ['body: -Infinity', undefined, -Infinity, undefined],
    ['body: 1e306 seconds overflows to Infinity ms', undefined, 1e306, Infinity],
    ['body: "1e306" as text is not numeric text', undefined, '1e306', undefined],
    ['body: text that is not a number', undefined, 'soon', undefined],
    ['body: "Infinity" as text', undefined, 'Infinity', undefined],
    ['body: a boolean', undefined, true, undefined],
    ['body: null', undefined, null, undefined],
    ['body: an object', undefined, { seconds: 5 }, undefined],
    ['body: an array', undefined, [5], undefined],
    // Nothing usable anywhere: the retry policy's backoff applies.
    ['both absent', undefined, undefined, undefined],
  ])('%s', (_name, header, body, expected) => {
    expect(askedWaitMs(header, body, NOW)).toBe(expected);
  });

  test('never negative or NaN, whatever the header and body', () => {
    const headers = [undefined, '', '-1', '1e3', 'NaN', httpDate(-1), httpDate(1), 'Thu, 01 Jan 1970 00:00:00 GMT', 'Mon 1', ['x']];
    const bodies = [undefined, null, -1, NaN, -Infinity, '-1', 'x', 0, {}];
    for (const header of headers)
      for (const body of bodies) {
        const asked = askedWaitMs(header, body, NOW);
        if (asked !== undefined) expect({ header, body, asked: asked >= 0 }).toEqual({ header, body, asked: true });
      }
  });
});

describe('boundedWait', () => {
  const MAX = 60_000;

  test.each<[string, number, { waitMs: number; clamped: boolean }]>([
    ['nothing asked', 0, { waitMs: 0, clamped: false }],
    ['negative zero is zero', -0, { waitMs: 0, clamped: false }],
    ['a negative ask is no wait', -5000, { waitMs: 0, clamped: false }],
    ['under the max', 1500, { waitMs: 1500, clamped: false }],
    ['a fraction of a ms rounds up to whole ms', 0.1, { waitMs: 1, clamped: false }],
    ['just under the max, rounded up to it', MAX - 0.5, { waitMs: MAX, clamped: false }],
    ['exactly the max', MAX, { waitMs: MAX, clamped: false }],
    ['just over the max', MAX + 0.5, { waitMs: MAX, clamped: true }],
    ['far over the max', 10 * 365 * 86_400_000, { waitMs: MAX, clamped: true }],
    ['Infinity', Infinity, { waitMs: MAX, clamped: true }],
    ['NaN: no usable wait, so the longest we take', NaN, { waitMs: MAX, clamped: true }],
  ])('%s', (_name, asked, expected) => {
    expect(boundedWait(asked, MAX)).toEqual(expected);
  });
});
