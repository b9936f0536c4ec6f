import type { PlatformFailureType } from '../contract/failure-types';

/**
 * What went wrong talking to the platform. `kind` is already the failure type Temporal records
 * (src/activities/failures.ts turns the error into that failure).
 */
export class PlatformError extends Error {
  constructor(
    readonly kind: PlatformFailureType,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}
