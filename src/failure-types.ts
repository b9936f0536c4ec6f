// Shared by activities (which raise them) and workflows (whose retry policies judge them);
// no imports, so the workflow bundle can include it.

/**
 * Failure types the activities raise. Whether each is retried is declared once, in the
 * workflows' retry policies (NON_RETRYABLE_FAILURES), not decided here.
 */
export const FailureType = {
  transient: 'PlatformUnavailable',
  rateLimited: 'PlatformRateLimited',
  tokenExpired: 'PlatformTokenExpired',
  badCredentials: 'PlatformBadCredentials',
  rejected: 'PlatformRejectedRequest',
  malformed: 'PlatformMalformedResponse',
  missingCredentials: 'MissingCredentials',
  unknownClient: 'UnknownClient',
  /** PostgreSQL refused the data itself (SQLSTATE class 22 or 23): retrying cannot help. */
  databaseRejected: 'DatabaseRejectedData',
} as const;

export const NON_RETRYABLE_FAILURES = [
  FailureType.badCredentials,
  FailureType.rejected,
  FailureType.malformed,
  FailureType.missingCredentials,
  FailureType.unknownClient,
  FailureType.databaseRejected,
];
