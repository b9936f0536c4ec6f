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
  /**
   * A body that is not the documented shape, or outside the bounds (too big, more records than
   * asked for). Retried, since a platform may answer so once: the attempt that reaches
   * MALFORMED_ANSWER_ATTEMPTS says it is not to be retried further (nonRetryable).
   */
  PlatformMalformedResponse: 'PlatformMalformedResponse',
  MissingCredentials: 'MissingCredentials',
  UnknownClient: 'UnknownClient',
  /**
   * The client exists but is disabled. Not in NON_RETRYABLE_FAILURES: the retry policies of
   * running syncs are recorded in their histories without it, so the failure itself says it is
   * not to be retried (nonRetryable).
   */
  ClientDisabled: 'ClientDisabled',
  /**
   * The client's API URL is not on the host its credentials name (or they name none): the password
   * is not sent. Marks itself nonRetryable, like ClientDisabled, for the same reason.
   */
  CredentialsNotForHost: 'CredentialsNotForHost',
  /** PostgreSQL refused the data itself (SQLSTATE class 22, 23 or 54: values, constraints, limits): retrying cannot help. */
  DatabaseRejectedData: 'DatabaseRejectedData',
  /** A sync's input out of range (a start from `temporal workflow start`, say): it fails at once, saying which field. */
  InvalidSyncInput: 'InvalidSyncInput',
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** What can go wrong talking to the platform, in the terms the retry policy cares about. */
export type PlatformFailureType = Extract<FailureType, `Platform${string}`>;

/** Attempts a call gets when the platform keeps answering malformed (one bad answer is retried; a platform that always answers so fails fast). */
export const MALFORMED_ANSWER_ATTEMPTS = 3;

export const NON_RETRYABLE_FAILURES = [
  FailureType.PlatformBadCredentials,
  FailureType.PlatformRejectedRequest,
  FailureType.MissingCredentials,
  FailureType.UnknownClient,
  FailureType.DatabaseRejectedData,
];
