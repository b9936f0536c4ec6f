// Shared by activities (which raise them) and workflows (whose retry policies judge them);
// no imports, so the workflow bundle can include it.

/**
 * Failure types the activities raise, each named as Temporal records it (the `type` of the
 * ApplicationFailure): recorded histories hold these strings, so they never change. Whether
 * each is retried is declared once, in the workflows' retry policies (NON_RETRYABLE_FAILURES),
 * not decided here.
 */
export const FailureType = {
  /** 5xx, timeouts, resets: try again with backoff. */
  PlatformUnavailable: 'PlatformUnavailable',
  /** 429: try again after exactly the wait the platform asked for. */
  PlatformRateLimited: 'PlatformRateLimited',
  /** 401 "Token expired": get a new token and try again. */
  PlatformTokenExpired: 'PlatformTokenExpired',
  /** Wrong email or password: only a person can fix it. */
  PlatformBadCredentials: 'PlatformBadCredentials',
  /** 400/403/404, redirects, other 4xx: the request itself is wrong. */
  PlatformRejectedRequest: 'PlatformRejectedRequest',
  /** A body that is not the documented shape. */
  PlatformMalformedResponse: 'PlatformMalformedResponse',
  MissingCredentials: 'MissingCredentials',
  UnknownClient: 'UnknownClient',
  /**
   * The client exists but is disabled. Not in NON_RETRYABLE_FAILURES: the retry policies of
   * running syncs are recorded in their histories without it, so the failure itself says it is
   * not to be retried (nonRetryable).
   */
  ClientDisabled: 'ClientDisabled',
  /** PostgreSQL refused the data itself (SQLSTATE class 22 or 23): retrying cannot help. */
  DatabaseRejectedData: 'DatabaseRejectedData',
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** What can go wrong talking to the platform, in the terms the retry policy cares about. */
export type PlatformFailureType = Extract<FailureType, `Platform${string}`>;

export const NON_RETRYABLE_FAILURES = [
  FailureType.PlatformBadCredentials,
  FailureType.PlatformRejectedRequest,
  FailureType.PlatformMalformedResponse,
  FailureType.MissingCredentials,
  FailureType.UnknownClient,
  FailureType.DatabaseRejectedData,
];
