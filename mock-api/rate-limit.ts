import { HttpError } from './http';
import type { AccountState, PlatformState } from './platform-state';
import { rejectWithPoisoned429 } from './poisons';
import type { RequestRecord } from './stats';

const tooManyRequests = (platform: PlatformState, retryAfter: number, message: string) =>
  new HttpError(429, 'Rate limit exceeded', message, platform.config.retryAfterHeader ? { 'retry-after': String(retryAfter) } : {}, {
    retry_after: retryAfter,
  });

/** A 429 the window did not cause: the platform throttling a whole account for a while. */
function rejectDuringBurst(platform: PlatformState, state: AccountState, record: RequestRecord, now: number) {
  const { config } = platform;
  if (now >= state.burstUntil && platform.chance(config.burst429Rate)) state.burstUntil = now + config.burst429Ms;
  if (now < state.burstUntil) {
    record.injected = true;
    throw tooManyRequests(
      platform,
      config.retryAfterSeconds ?? Math.max(1, Math.ceil((state.burstUntil - now) / 1000)),
      'Throttled; try again later',
    );
  }
}

/** The account's sliding window (after any injected burst or poisoned 429): a 429 saying how long to wait, or a slot taken. */
export function admitUnderRateLimit(platform: PlatformState, state: AccountState, record: RequestRecord, now: number) {
  const { config } = platform;
  state.arrivals.record(now);
  rejectDuringBurst(platform, state, record, now);
  rejectWithPoisoned429(platform, record);
  if (state.accepted.count(now) >= config.rateLimit) {
    const retryAfter = config.retryAfterSeconds ?? Math.max(1, Math.ceil(state.accepted.msUntilSlotFrees(now) / 1000));
    throw tooManyRequests(platform, retryAfter, `At most ${config.rateLimit} requests per ${config.rateWindowMs / 1000} s`);
  }
  state.accepted.record(now);
}
