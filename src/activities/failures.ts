import { ApplicationFailure } from '@temporalio/common';
import { PlatformError } from '../platform/errors';
import { CredentialsNotForHost, MissingCredentials } from '../platform/credentials';
import { FailureType, MALFORMED_ANSWER_ATTEMPTS } from '../contract/failure-types';

/** Replaces every secret that could have slipped into a message; longest first, so no secret is cut out of a longer one. */
export function redact(message: string, secrets: readonly string[]): string {
  return secrets
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length)
    .reduce((text, secret) => text.split(secret).join('[redacted]'), message);
}

/** A malformed answer is retried, but not past MALFORMED_ANSWER_ATTEMPTS: by then the platform means it. */
export const lastMalformedAttempt = (attempt: number) => attempt >= MALFORMED_ANSWER_ATTEMPTS;

export type DataRefusal = Error & { code: string };

/** SQLSTATEs PostgreSQL raises for the values it was given: data exceptions (22), constraints (23), limits such as an index row too big (54). */
export function isDataRefusal(err: unknown): err is DataRefusal {
  const sqlState = (err as { code?: unknown }).code;
  return err instanceof Error && typeof sqlState === 'string' && /^(22|23|54)/.test(sqlState);
}

/**
 * Turns what went wrong in the activity's `attempt` into the failure Temporal records. Messages
 * are rebuilt from our own text with every known secret removed; the original error is not
 * attached as a cause, so no stack or header it carried reaches the workflow history.
 */
export function toActivityFailure(err: unknown, secrets: readonly string[], attempt: number): unknown {
  if (err instanceof PlatformError) {
    const malformed = err.kind === FailureType.PlatformMalformedResponse;
    return ApplicationFailure.create({
      message:
        redact(err.message, secrets) + (malformed && lastMalformedAttempt(attempt) ? ` (attempt ${attempt}; not retried further)` : ''),
      type: err.kind,
      nonRetryable: malformed && lastMalformedAttempt(attempt),
      // A 429 is retried after the wait the platform asked for (bounded by PlatformApi).
      nextRetryDelay: err.kind === FailureType.PlatformRateLimited ? err.details.retryAfterMs : undefined,
    });
  }
  if (err instanceof MissingCredentials) {
    return ApplicationFailure.create({ message: redact(err.message, secrets), type: FailureType.MissingCredentials });
  }
  if (err instanceof CredentialsNotForHost) {
    // Only a person can fix the API URL or the credentials' host; see FailureType.CredentialsNotForHost for why not the list.
    return ApplicationFailure.create({
      message: redact(err.message, secrets),
      type: FailureType.CredentialsNotForHost,
      nonRetryable: true,
    });
  }
  if (isDataRefusal(err)) {
    return ApplicationFailure.create({
      message: `PostgreSQL refused the data (${err.code}): ${redact(err.message, secrets)}`,
      type: FailureType.DatabaseRejectedData,
    });
  }
  if (err instanceof Error && !(err instanceof ApplicationFailure)) {
    return ApplicationFailure.create({ message: redact(err.message, secrets), type: err.name });
  }
  return err;
}
