import { ApplicationFailure } from '@temporalio/common';
import { PlatformError } from '../platform/errors';
import { MissingCredentials } from '../platform/credentials';
import { FailureType } from '../failure-types';

/** Replaces every secret that could have slipped into a message; longest first, so no secret is cut out of a longer one. */
export function redact(message: string, secrets: readonly string[]): string {
  return secrets
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length)
    .reduce((text, secret) => text.split(secret).join('[redacted]'), message);
}

/**
 * Turns what went wrong into the failure Temporal records. Messages are rebuilt from our own
 * text with every known secret removed; the original error is not attached as a cause, so no
 * stack or header it carried reaches the workflow history.
 */
export function toActivityFailure(err: unknown, secrets: readonly string[]): unknown {
  if (err instanceof PlatformError) {
    return ApplicationFailure.create({
      message: redact(err.message, secrets),
      type: err.kind,
      // A 429 is retried after exactly the wait the platform asked for.
      nextRetryDelay:
        err.kind === FailureType.PlatformRateLimited && err.details.retryAfterMs !== undefined ? err.details.retryAfterMs : undefined,
    });
  }
  if (err instanceof MissingCredentials) {
    return ApplicationFailure.create({ message: redact(err.message, secrets), type: FailureType.MissingCredentials });
  }
  const sqlState = (err as { code?: unknown }).code;
  if (err instanceof Error && typeof sqlState === 'string' && /^2[23]/.test(sqlState)) {
    return ApplicationFailure.create({
      message: `PostgreSQL refused the data (${sqlState}): ${redact(err.message, secrets)}`,
      type: FailureType.DatabaseRejectedData,
    });
  }
  if (err instanceof Error && !(err instanceof ApplicationFailure)) {
    return ApplicationFailure.create({ message: redact(err.message, secrets), type: err.name });
  }
  return err;
}
