import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { releaseRateSlot, reserveRateSlot } from '../db/rate-budget';

/** Spacing added to every window: covers the time between our send and the platform's count. */
export const rateMarginMs = (windowMs: number) => Math.max(100, Math.round(windowMs * 0.005));

const MAX_RESERVATIONS = 5;

/**
 * Waits, heartbeating and cancellable, until this request's slot in the client's shared budget
 * comes. A slot we wake up too late for is given back and a new one taken, so a request never
 * reaches the platform closer than a window to the request `limit` slots before it.
 */
export async function waitForRateSlot(pool: Pool, clientId: string, windowMs: number): Promise<void> {
  const margin = rateMarginMs(windowMs);
  const context = Context.current();
  for (let attempt = 1; attempt <= MAX_RESERVATIONS; attempt++) {
    const slot = await reserveRateSlot(pool, clientId, margin);
    const due = Date.now() + slot.waitMs;
    while (Date.now() < due) {
      context.heartbeat();
      await context.sleep(Math.min(2000, due - Date.now()));
    }
    if (Date.now() - due <= margin / 2) return;
    await releaseRateSlot(pool, slot.reservationId);
  }
  throw new Error(`the worker is too busy to keep the rate budget of client ${clientId}`);
}
