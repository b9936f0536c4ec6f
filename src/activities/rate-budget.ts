import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { releaseRateSlots, reserveRateSlots } from '../db/rate-reservations';

/** Spacing added to every window: covers the time between our send and the platform's count. */
export const rateMarginMs = (windowMs: number) => Math.max(100, Math.round(windowMs * 0.005));

/** A request that goes out later than this after its slot has lost its place: the slot is given back. */
export const latenessAllowedMs = (windowMs: number) => rateMarginMs(windowMs) / 2;

const MAX_RESERVATIONS = 5;

/** Sleeps until `dueAt` (worker clock), heartbeating; rejects if the activity is cancelled. */
export async function sleepUntil(dueAt: number): Promise<void> {
  const context = Context.current();
  while (Date.now() < dueAt) {
    context.heartbeat();
    await context.sleep(Math.min(2000, dueAt - Date.now()));
  }
}

/**
 * Waits, heartbeating and cancellable, until this request's slot in the client's shared budget
 * comes, however far off. A slot we wake up too late for is given back and a new one taken, so a
 * request never reaches the platform closer than a window to the request `limit` slots before it.
 */
export async function waitForRateSlot(pool: Pool, clientId: string, windowMs: number): Promise<void> {
  for (let attempt = 1; attempt <= MAX_RESERVATIONS; attempt++) {
    const { slots } = await reserveRateSlots(pool, clientId, { count: 1, horizonMs: Infinity, marginMs: rateMarginMs(windowMs) });
    const slot = slots[0]!;
    // Counted from after the reservation returns: never earlier than the database's slot.
    const due = Date.now() + slot.waitMs;
    await sleepUntil(due);
    if (Date.now() - due <= latenessAllowedMs(windowMs)) return;
    await releaseRateSlots(pool, [slot.reservationId]);
  }
  throw new Error(`the worker is too busy to keep the rate budget of client ${clientId}`);
}
