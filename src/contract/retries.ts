// Retry numbers both sides must agree on: workflows write them into retry policies, and the batch
// activity times its own retries by them.

/** Attempts per platform call (or per campaign batch call) before giving up, unless a sync says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 25;

/** The attempts a sync or batch asked for, else DEFAULT_MAX_ATTEMPTS. */
export const maxAttemptsOf = (input: { maxAttempts?: number }): number => input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;

/** The first retry's delay; a batch attempt that stored confirmations is retried after it again (campaign-batch.ts). */
export const FIRST_RETRY_DELAY_MS = 1000;
