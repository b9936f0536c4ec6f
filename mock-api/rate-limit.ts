import { accountRateLimit } from './accounts';
import { HttpError } from './http';
import type { AccountState, PlatformState } from './platform-state';
import { rejectWithPoisoned429 } from './poisons';
import type { SlidingWindow } from './sliding-window';
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

const perWindow = (limit: number, windowMs: number) => `At most ${limit} requests per ${windowMs / 1000} s`;

/** A 429 when `accepted` already holds `limit` requests, saying how long until the oldest leaves; the record notes whose window refused. */
function rejectWhenFull(
  platform: PlatformState,
  record: RequestRecord,
  now: number,
  window: { limitedBy: NonNullable<RequestRecord['limitedBy']>; accepted: SlidingWindow; limit: number; message: string },
) {
  if (window.accepted.count(now) < window.limit) return;
  record.limitedBy = window.limitedBy;
  const retryAfter = platform.config.retryAfterSeconds ?? Math.max(1, Math.ceil(window.accepted.msUntilSlotFrees(now) / 1000));
  throw tooManyRequests(platform, retryAfter, window.message);
}

/**
 * The account's sliding window, then the application's (after any injected burst or poisoned 429):
 * a 429 saying how long to wait, or a slot taken in both. Both are checked before either records,
 * so a request one window refuses takes no slot in the other.
 */
export function admitUnderRateLimit(platform: PlatformState, state: AccountState, record: RequestRecord, now: number) {
  const { config, application } = platform;
  state.arrivals.record(now);
  application.arrivals.record(now);
  rejectDuringBurst(platform, state, record, now);
  rejectWithPoisoned429(platform, record);
  const { rateLimit, rateWindowMs } = accountRateLimit(config, state.account.id);
  rejectWhenFull(platform, record, now, {
    limitedBy: 'account',
    accepted: state.accepted,
    limit: rateLimit,
    message: perWindow(rateLimit, rateWindowMs),
  });
  // 0 switches the application's limit off (the reference mock has none).
  if (config.appRateLimit > 0) {
    rejectWhenFull(platform, record, now, {
      limitedBy: 'application',
      accepted: application.accepted,
      limit: config.appRateLimit,
      message: `${perWindow(config.appRateLimit, config.appRateWindowMs)} for this application`,
    });
  }
  state.accepted.record(now);
  application.accepted.record(now);
}
