/**
 * The least orchestration a sync can be, for the orchestration-floor benchmark: workflows that do
 * nothing but the Temporal steps a small client's sync cannot do without.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';

export interface FloorActivities {
  nothing(): Promise<void>;
}

const { nothing } = proxyActivities<FloorActivities>({ startToCloseTimeout: '10 seconds' });

/** A start, one workflow task, a completion. */
export async function startAndComplete(): Promise<void> {}

/** One activity: a client that lists and sends everything in one call. */
export async function oneActivity(): Promise<void> {
  await nothing();
}

/** Two activities in a row. */
export async function twoActivities(): Promise<void> {
  await nothing();
  await nothing();
}

/**
 * A call, a durable wait, a call: the least a client needs whose requests span two rate windows
 * (a small client at the reference limit: 11 requests, 10 per window).
 */
export async function activityTimerActivity(): Promise<void> {
  await nothing();
  await sleep('1 second');
  await nothing();
}

export const FLOOR_SHAPES = ['startAndComplete', 'oneActivity', 'twoActivities', 'activityTimerActivity'] as const;
