import type { ActivityOptions } from '@temporalio/workflow';
import type { ClientPolicy } from '../contract/activities';
import { NON_RETRYABLE_FAILURES } from '../contract/failure-types';
import { FIRST_RETRY_DELAY_MS } from '../contract/retries';

/** Added to a call's rate-slot wait: the platform's slowest answers (its headers and body timeouts are 15 s each, by default) with room to spare. */
const SLOWEST_ANSWER_MS = 120_000;

/**
 * Retry policies, declared once. Platform calls back off exponentially on 5xx, timeouts and
 * resets; a 429 overrides the backoff with the platform's own wait (nextRetryDelay); bad
 * credentials, rejected requests and malformed answers are not retried.
 */
export function platformCallOptions(policy: ClientPolicy, maxAttempts: number): ActivityOptions {
  return {
    // A call may first wait up to a window or two for its rate slot, then for the platform.
    startToCloseTimeout: policy.rateWindowMs * 3 + SLOWEST_ANSWER_MS,
    // A call heartbeats from 4 s on (heartbeats.ts); a killed worker's calls are retried elsewhere after 10 s
    // (20 s cost a fleet about a window per kill: ARCHITECTURE.md).
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: FIRST_RETRY_DELAY_MS,
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: maxAttempts,
      nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
    },
  };
}

/**
 * A batch call sends up to `campaigns` requests as the client's rate windows allow: it may span
 * every window the batch needs, plus the platform's slowest answers.
 */
export function campaignBatchOptions(policy: ClientPolicy, maxAttempts: number, campaigns: number): ActivityOptions {
  const windows = Math.ceil(campaigns / policy.rateLimit) + 1;
  return { ...platformCallOptions(policy, maxAttempts), startToCloseTimeout: windows * policy.rateWindowMs + SLOWEST_ANSWER_MS };
}

/**
 * Database work: statements are idempotent, so a step is retried through a PostgreSQL outage of
 * about six minutes (0.5 s doubling to 10 s, 40 attempts), then fails the sync, naming the step.
 */
export const databaseOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 40,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
};
