import { Context } from '@temporalio/activity';

/** Well inside the activities' heartbeat timeout (activity-options.ts), so a dead worker is noticed quickly and a live one never is. */
const HEARTBEAT_EVERY_MS = 2000;

/** Heartbeats while `work` runs (a request in flight, a batch sending). */
export async function withHeartbeats<T>(work: Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
