/**
 * What went wrong talking to the platform, in the terms the retry policy cares about.
 * The mapping to Temporal failures lives in one place: src/activities/failures.ts.
 */
export type PlatformFailureKind =
  /** 5xx, timeouts, resets: try again with backoff. */
  | 'transient'
  /** 429: try again after exactly the wait the platform asked for. */
  | 'rate_limited'
  /** 401 "Token expired": get a new token and try again. */
  | 'token_expired'
  /** Wrong email or password: only a person can fix it. */
  | 'bad_credentials'
  /** 400/403/404, redirects, other 4xx: the request itself is wrong. */
  | 'rejected'
  /** A body that is not the documented shape. */
  | 'malformed';

export class PlatformError extends Error {
  constructor(
    readonly kind: PlatformFailureKind,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}
