import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { Stack } from '../../dev-stack/stack';

/**
 * Every activity of the stack's workflows that took more than one attempt, as the histories
 * record it (the last attempt only): the failure type of the attempt before, and the delay that
 * failure asked Temporal for (`nextRetryDelay`; undefined when the retry policy's backoff applied).
 */
export async function activityRetries(stack: Stack): Promise<{ after: string | null | undefined; delayMs: number | undefined }[]> {
  return (await stack.historyObjects()).flatMap(({ events }) =>
    (events ?? []).flatMap(({ activityTaskStartedEventAttributes: started }) =>
      started && (started.attempt ?? 1) > 1
        ? [
            {
              after: started.lastFailure?.applicationFailureInfo?.type,
              delayMs: optionalTsToMs(started.lastFailure?.applicationFailureInfo?.nextRetryDelay),
            },
          ]
        : [],
    ),
  );
}
