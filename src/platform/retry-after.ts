// How long a 429 asks us to wait, and how long we are willing to (ARCHITECTURE.md, "Poisoned
// answers"). Pure: PlatformApi calls them for every 429; unit tests check the edges.

/**
 * The wait a 429 asks for, in ms: the Retry-After header (seconds, or an HTTP-date) when it is
 * one, else the body's retry_after (seconds, a number or numeric text). Never negative or NaN
 * (a date in the past is 0); may be Infinity (`1e306` seconds), which boundedWait clamps.
 * Undefined when the answer names no usable wait: the retry policy's backoff applies.
 */
export function askedWaitMs(header: string | string[] | undefined, bodyRetryAfter: unknown, nowMs: number): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value) {
    if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
    // An HTTP-date names a weekday and a month; Date.parse alone takes "12" or "1e3" as a year.
    const date = /[a-z]{3}/i.test(value) ? Date.parse(value) : NaN;
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  const seconds =
    typeof bodyRetryAfter === 'string' && /^\d+(\.\d+)?$/.test(bodyRetryAfter.trim()) ? Number(bodyRetryAfter) : bodyRetryAfter;
  return typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * The wait we take: what was asked, in whole ms, from 0 to `maxMs`; `clamped` when the platform
 * asked for more. NaN compares false with everything, so it is taken for too long (clamped), never
 * passed on as a wait.
 */
export function boundedWait(askedMs: number, maxMs: number): { waitMs: number; clamped: boolean } {
  return askedMs <= maxMs ? { waitMs: Math.max(0, Math.ceil(askedMs)), clamped: false } : { waitMs: maxMs, clamped: true };
}
