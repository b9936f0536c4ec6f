import type { FailedCampaign } from '../contract/activities';

// The decisions of one batch call, apart from the sending and storing they steer, so each can be
// read and tested as a table (test/unit/batch-policy.test.ts).

/** Where the send loop stands before its next step. */
export interface SendState {
  /** Something ended the call early: a fatal error, a 429, a failed write. */
  stopped: boolean;
  /** Campaigns waiting to be sent (or to be sent again). */
  unsent: number;
  /** Requests out now. */
  inFlight: number;
  /** Requests the client's platform takes at once. */
  rateLimit: number;
}

export type SendStep =
  /** Nothing more to send: collect the requests still out. */
  | { kind: 'done' }
  /** As many requests are out as allowed: wait for one to answer. */
  | { kind: 'await-answer' }
  /** Ask the rate budget for this many slots and send in each one granted. */
  | { kind: 'reserve'; slots: number };

export function nextSendStep({ stopped, unsent, inFlight, rateLimit }: SendState): SendStep {
  // Requests still out may put their campaign back (an expired token, a late slot), so an empty
  // queue ends the call only once nothing is out.
  if (stopped || (unsent === 0 && inFlight === 0)) return { kind: 'done' };
  const slots = Math.min(rateLimit - inFlight, unsent);
  return slots > 0 ? { kind: 'reserve', slots } : { kind: 'await-answer' };
}

export type AfterReservation =
  /** Every slot asked for was granted: go on. */
  | 'continue'
  /** Short of slots with nothing out: the call ends, the rest waits for the next slot. */
  | 'end-until-next-slot'
  /** Short of slots with requests out: wait for an answer or for the next slot to come near. */
  | 'await-answer-or-slot';

export function afterReservation(asked: number, granted: number, inFlight: number): AfterReservation {
  if (granted === asked) return 'continue';
  return inFlight === 0 ? 'end-until-next-slot' : 'await-answer-or-slot';
}

/** What a batch call knows once it stopped sending. */
export interface BatchEnd {
  /** Refused by the platform (4xx, a malformed answer on the last try). */
  refused: FailedCampaign[];
  /** Failed for now (5xx, timeout, 429), with the last error. */
  unsynced: FailedCampaign[];
  /** Never sent: the next slot was beyond the horizon, or the call stopped. */
  unsent: string[];
  /** A 429 stopped the call. */
  throttled: boolean;
  /** This is the activity's last attempt. */
  lastAttempt: boolean;
}

export type BatchVerdict =
  /** Fail the attempt, so Temporal retries the campaigns failed for now. */
  | { kind: 'retry'; unsynced: FailedCampaign[] }
  /** Hand back a result: what failed for good, and what a later call sends. */
  | { kind: 'report'; failed: FailedCampaign[]; pending: string[] };

export function batchVerdict({ refused, unsynced, unsent, throttled, lastAttempt }: BatchEnd): BatchVerdict {
  // A retry sends transient failures sooner than a later call would, unless that call is due
  // anyway for the unsent ones (and not held back by a 429); the last attempt gives them up.
  if (unsynced.length > 0 && !lastAttempt && (throttled || unsent.length === 0)) return { kind: 'retry', unsynced };
  if (lastAttempt) return { kind: 'report', failed: [...refused, ...unsynced], pending: [...unsent] };
  return { kind: 'report', failed: refused, pending: [...unsynced.map((u) => u.campaignId), ...unsent] };
}

/** How long until the next slot, for a result that leaves campaigns pending; none otherwise. */
export function nextSlotInMs(pending: number, nextDueAt: number | undefined, now: number): number | undefined {
  return pending > 0 ? Math.max(0, (nextDueAt ?? 0) - now) : undefined;
}
