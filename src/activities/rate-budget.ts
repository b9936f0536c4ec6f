import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { releaseRateSlots, reserveRateSlots, type RateReservation, type RateSpacing } from '../db/rate-reservations';
import { SlotPassedError } from '../platform/api';

/**
 * Spacing added to every window. It covers how much later than its slot a request may reach the
 * platform: up to latenessAllowedMs before it is sent, then the way there, which on a 2-core
 * machine running a fleet (workers, Temporal, PostgreSQL and the platform together) took up to
 * 98 ms at the start of a fleet's syncs (ARCHITECTURE.md, "The rate budget").
 */
export const rateMarginMs = (windowMs: number) => Math.max(150, Math.round(windowMs * 0.005));

/**
 * Between two slots of a client: a window's requests are not all due at one instant, so the worker
 * writes them and the platform reads them one after another, not as a crowd whose last waits for
 * all the others (ARCHITECTURE.md, "The rate budget"). The windows carry the spacing along, so a
 * sync pays it once, not per window; never more than a tenth of the window's room per request.
 */
export const rateSpacingMs = (limit: number, windowMs: number) => Math.min(2, windowMs / limit / 10);

const RATE_SPACING: RateSpacing = { marginFor: rateMarginMs, spacingFor: rateSpacingMs };

/** A request not sent within this of its slot has lost its place: the slot is given back. */
export const latenessAllowedMs = (windowMs: number) => rateMarginMs(windowMs) / 6;

/** Takes up to `count` of the client's next slots due within `horizonMs` (see reserveRateSlots). */
export function reserveSlots(
  pool: Pool,
  client: { id: string; rateWindowMs: number },
  count: number,
  horizonMs: number,
): Promise<RateReservation> {
  return reserveRateSlots(pool, client.id, { count, horizonMs, spacing: RATE_SPACING, leadMs: rateMarginMs(client.rateWindowMs) });
}

const MAX_RESERVATIONS = 5;

/** Sleeps until `dueAt` (worker clock), heartbeating; rejects if the activity is cancelled. */
export async function sleepUntil(dueAt: number): Promise<void> {
  const context = Context.current();
  while (Date.now() < dueAt) {
    context.heartbeat();
    await context.sleep(Math.min(2000, dueAt - Date.now()));
  }
}

/** One request sent in its own slot: what it needs first (e.g. its token), the send, a slot missed. */
export interface RequestInSlot<T> {
  prepare: () => Promise<void>;
  /** Sends, unless the request cannot be written by `sendBy` (SlotPassedError). */
  send: (sendBy: number) => Promise<T>;
  missed: () => void;
}

/**
 * Waits, heartbeating and cancellable, until this request's slot in the client's rate budget
 * comes, however far off, prepares and sends it. A slot passed before the request could be
 * written is given back and a new one taken, so a request never reaches the platform closer
 * than a window to the request `limit` slots before it.
 */
export async function sendInRateSlot<T>(pool: Pool, client: { id: string; rateWindowMs: number }, request: RequestInSlot<T>): Promise<T> {
  for (let attempt = 1; attempt <= MAX_RESERVATIONS; attempt++) {
    const slot = (await reserveSlots(pool, client, 1, Infinity)).slots[0]!;
    await sleepUntil(slot.dueAt);
    await request.prepare();
    try {
      return await request.send(slot.dueAt + latenessAllowedMs(client.rateWindowMs));
    } catch (err) {
      if (!(err instanceof SlotPassedError)) throw err;
    }
    request.missed();
    await releaseRateSlots(pool, [slot.reservationId]);
  }
  throw new Error(`the worker is too busy to keep the rate budget of client ${client.id}`);
}
