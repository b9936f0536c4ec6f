import { Context } from '@temporalio/activity';

/**
 * Under half the activities' heartbeat timeout (activity-options.ts), so a dead worker is noticed
 * quickly and a live one never is; the timeout counts from the call's start, so a call shorter
 * than this needs none. Most batch calls are (a window's requests and their answers): each
 * heartbeat is a request and a write of the server's, 10 per client of 42 in a fleet's run before
 * (ARCHITECTURE.md). Later heartbeats the SDK spaces at 80 % of the timeout anyway.
 */
const HEARTBEAT_EVERY_MS = 4000;

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
