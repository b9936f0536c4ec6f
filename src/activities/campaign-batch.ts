import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { CampaignBatchCall, CampaignBatchOutcome, FailedCampaign, SyncConfirmation } from '../contract/activities';
import { FailureType } from '../contract/failure-types';
import { FIRST_RETRY_DELAY_MS } from '../contract/retries';
import { confirmedCampaignIds, markCampaignsSynced } from '../db/campaigns';
import type { ClientRecord } from '../db/clients';
import { releaseRateSlots, type RateReservation, type RateSlot } from '../db/rate-reservations';
import type { SyncMetrics } from '../metrics';
import { SlotPassedError, type PlatformApi } from '../platform/api';
import { PlatformError } from '../platform/errors';
import type { TokenCache } from '../platform/token-cache';
import { lastMalformedAttempt, redact } from './failures';
import { afterReservation, batchVerdict, nextSendStep, nextSlotInMs, type SendState } from './batch-policy';
import { withHeartbeats } from './heartbeats';
import { latenessAllowedMs, reserveSlots } from './rate-budget';

/** A batch call waits at most this long for a rate slot; a later slot is left to a durable sleep. */
export const SLOT_HORIZON_MS = 2000;

export interface CampaignBatchDependencies {
  pool: Pool;
  platform: PlatformApi;
  tokens: TokenCache;
  /** Every secret the worker has handled, for scrubbing failure messages. */
  secrets: () => string[];
  metrics: SyncMetrics;
}

/**
 * Stores confirmations as they arrive, a statement per group: while one write is under way the
 * next confirmations gather, so a busy batch writes rarely and a quiet one at once. A campaign
 * whose confirmation is stored is skipped by any later attempt. After a failed write it stores
 * nothing more: the attempt fails, and its retry sends again what was not stored.
 */
export class ConfirmationWriter {
  private waiting: SyncConfirmation[] = [];
  /** Set and cleared synchronously by drain(): a confirmation added after the loop's last check starts a new drain. */
  private draining = false;
  private writing: Promise<void> = Promise.resolve();
  stored = 0;
  error: unknown;

  constructor(private readonly write: (confirmations: SyncConfirmation[]) => Promise<void>) {}

  add(confirmation: SyncConfirmation): void {
    this.waiting.push(confirmation);
    if (!this.draining) this.writing = this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0 && this.error === undefined) {
        const group = this.waiting;
        this.waiting = [];
        await this.write(group);
        this.stored += group.length;
      }
    } catch (err) {
      this.error = err;
    } finally {
      this.draining = false;
    }
  }

  /** Resolves once everything added so far is stored (or a write has failed). */
  async flush(): Promise<void> {
    while (this.draining) await this.writing;
  }
}

/**
 * One call of a batch: sends the sync request of every campaign not yet confirmed in this sync,
 * each in a rate slot of the client's shared budget, as many at once as the platform allows per
 * window, and stores each confirmation. Returns when every campaign is answered, or when the
 * next slot is further off than SLOT_HORIZON_MS (the rest is `pending`).
 *
 * Failures per campaign: a refusal (4xx, malformed answer) is reported at once; a transient
 * failure (5xx, timeout, reset) goes back to `pending` if the call stops for the next window
 * anyway, and otherwise fails the attempt, so Temporal's retry policy retries it (confirmed
 * campaigns are skipped), backing off only while attempts store nothing; on the last attempt it
 * is reported instead. A 429 stops the call and fails the attempt with the platform's wait as
 * the retry delay.
 */
export async function syncCampaignBatch(
  deps: CampaignBatchDependencies,
  client: ClientRecord,
  call: CampaignBatchCall,
): Promise<CampaignBatchOutcome> {
  const confirmedBefore = await confirmedCampaignIds(deps.pool, client.id, call.syncRun, call.campaignIds);
  const sending = new BatchSending(deps, client, call, confirmedBefore);
  // A bad password fails the call here, before any slot is taken.
  if (sending.queue.length > 0) await deps.tokens.get(client.id);
  const nextDueAt = await sending.sendAsSlotsAllow();
  return sending.outcome(nextDueAt);
}

/** The state of one batch call while it sends: what is queued, in flight, confirmed and failed. */
class BatchSending {
  private readonly context = Context.current();
  /** Campaigns not yet sent, or to send again (an expired token, a late slot); replaced, never changed in place. */
  queue: string[];
  private readonly inFlight = new Set<Promise<void>>();
  /** Refused by the platform: reported at once. */
  private readonly failed: FailedCampaign[] = [];
  /** Failed for now (5xx, timeout, 429): retried by a later attempt or call, with the last error. */
  private readonly transient = new Map<string, string>();
  /** Campaigns whose expired token was renewed once already in this call. */
  private readonly renewedFor = new Set<string>();
  /** What fails the whole call (anything that is not the platform's answer about one campaign). */
  private fatal: unknown;
  private throttled = false;
  private throttledForMs: number | undefined;
  private readonly writer: ConfirmationWriter;

  constructor(
    private readonly deps: CampaignBatchDependencies,
    private readonly client: ClientRecord,
    private readonly call: CampaignBatchCall,
    private readonly confirmedBefore: Set<string>,
  ) {
    this.queue = call.campaignIds.filter((id) => !confirmedBefore.has(id));
    this.writer = new ConfirmationWriter(async (confirmations) => {
      await markCampaignsSynced(deps.pool, client.id, call.syncRun, confirmations);
      deps.metrics.campaigns(client.id, 'synced', confirmations.length);
    });
  }

  private synced(): number {
    return this.confirmedBefore.size + this.writer.stored;
  }

  /**
   * Reserves slots and sends in them, as many at once as the client's rate limit, until every
   * campaign is answered or the next slot is beyond SLOT_HORIZON_MS (returned: when it is due).
   */
  async sendAsSlotsAllow(): Promise<number | undefined> {
    const nextDueAt = await withHeartbeats(this.sendAll());
    if (this.fatal !== undefined) throw this.fatal;
    if (this.writer.error !== undefined) throw this.writer.error;
    return nextDueAt;
  }

  /** Follows the policy's steps until it says done, or until the next slot is beyond the horizon (returned). */
  private async sendAll(): Promise<number | undefined> {
    for (let step = nextSendStep(this.sendState()); step.kind !== 'done'; step = nextSendStep(this.sendState())) {
      if (step.kind === 'await-answer') {
        await Promise.race(this.inFlight);
        continue;
      }
      const reservation = await this.sendInSlots(step.slots);
      const next = afterReservation(step.slots, reservation.slots.length, this.inFlight.size);
      if (next === 'end-until-next-slot') {
        await this.settle();
        return reservation.nextDueAt;
      }
      if (next === 'await-answer-or-slot') {
        // Wait for one of the requests out, or for the next slot to come within the horizon.
        const untilWithinHorizon = Math.max(0, reservation.nextDueAt! - Date.now() - SLOT_HORIZON_MS);
        await Promise.race([...this.inFlight, this.context.sleep(untilWithinHorizon).catch(() => undefined)]);
      }
    }
    await this.settle();
    return undefined;
  }

  private sendState(): SendState {
    return {
      stopped: this.fatal !== undefined || this.throttled || this.writer.error !== undefined,
      unsent: this.queue.length,
      inFlight: this.inFlight.size,
      rateLimit: this.client.rateLimit,
    };
  }

  /** Reserves up to `wanted` slots and sends the next queued campaigns in those granted. */
  private async sendInSlots(wanted: number): Promise<RateReservation> {
    const askedAt = Date.now();
    const reservation = await reserveSlots(this.deps.pool, this.client, wanted, SLOT_HORIZON_MS);
    const sent = this.queue.slice(0, reservation.slots.length);
    this.queue = this.queue.slice(sent.length);
    reservation.slots.forEach((slot, i) => {
      this.deps.metrics.rateBudgetWait(this.client.id, slot.dueAt - askedAt);
      this.launch(sent[i]!, slot);
    });
    return reservation;
  }

  /** Waits for the requests still out and for their confirmations to be stored. */
  private async settle(): Promise<void> {
    await Promise.all(this.inFlight);
    await this.writer.flush();
  }

  private launch(campaignId: string, slot: RateSlot): void {
    const task = this.syncOne(campaignId, slot)
      .catch((err: unknown) => {
        this.fatal ??= err;
      })
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  /** Sends one campaign's sync request in its slot, unless the slot has passed by the time it could. */
  private async syncOne(campaignId: string, slot: RateSlot): Promise<void> {
    const { pool, platform, tokens } = this.deps;
    const { dueAt } = slot;
    if (dueAt > Date.now()) await this.context.sleep(dueAt - Date.now());
    const token = await tokens.get(this.client.id);
    try {
      const { syncedAt } = await platform.syncCampaign(
        this.client.apiBaseUrl,
        token,
        this.client.id,
        campaignId,
        this.context.cancellationSignal,
        dueAt + latenessAllowedMs(this.client.rateWindowMs),
      );
      this.writer.add({ campaignId, syncedAt });
    } catch (err) {
      if (err instanceof SlotPassedError) {
        // Too late (a paused worker, a slow token request, a crowd of sends): the slot's place is lost; give it back, take another.
        this.queue = [campaignId, ...this.queue];
        this.deps.metrics.rateSlotMissed(this.client.id);
        await releaseRateSlots(pool, [slot.reservationId]);
        return;
      }
      if (!(err instanceof PlatformError)) throw err;
      this.sortFailure(campaignId, token, err);
    }
  }

  /** Files a campaign's failure by kind: sent again, retried later, reported, or fatal to the call. */
  private sortFailure(campaignId: string, token: string, err: PlatformError): void {
    const message = redact(err.message, this.deps.secrets());
    if (err.kind === FailureType.PlatformTokenExpired && !this.renewedFor.has(campaignId)) {
      this.deps.tokens.invalidate(this.client.id, token);
      this.renewedFor.add(campaignId);
      this.queue = [campaignId, ...this.queue];
    } else if (err.kind === FailureType.PlatformRateLimited) {
      this.throttled = true;
      this.throttledForMs = Math.max(this.throttledForMs ?? 0, err.details.retryAfterMs ?? 0) || undefined;
      this.transient.set(campaignId, message);
    } else if (
      err.kind === FailureType.PlatformUnavailable ||
      err.kind === FailureType.PlatformTokenExpired ||
      // One absurd answer is retried like an outage; one that keeps coming is a refusal.
      (err.kind === FailureType.PlatformMalformedResponse && !lastMalformedAttempt(this.context.info.attempt))
    ) {
      this.transient.set(campaignId, message);
    } else if (err.kind === FailureType.PlatformRejectedRequest || err.kind === FailureType.PlatformMalformedResponse) {
      this.failed.push({ campaignId, error: message });
    } else {
      throw err;
    }
  }

  /**
   * What the call hands back; or, when campaigns failed for now and another attempt would send
   * them sooner than a later call, the failure that has Temporal retry it.
   */
  async outcome(nextDueAt: number | undefined): Promise<CampaignBatchOutcome> {
    const verdict = batchVerdict({
      refused: this.failed,
      unsynced: [...this.transient].map(([campaignId, error]) => ({ campaignId, error })),
      unsent: this.queue,
      throttled: this.throttled,
      lastAttempt: this.context.info.attempt >= this.call.maxAttempts,
    });
    if (verdict.kind === 'retry') throw this.retryFailure(verdict.unsynced);
    const { failed, pending } = verdict;
    return { synced: this.synced(), failed, pending, nextSlotInMs: nextSlotInMs(pending.length, nextDueAt, Date.now()) };
  }

  private retryFailure(unsynced: FailedCampaign[]): ApplicationFailure {
    const [first] = unsynced;
    return ApplicationFailure.create({
      type: this.throttled ? FailureType.PlatformRateLimited : FailureType.PlatformUnavailable,
      message: `${unsynced.length} of ${this.call.campaignIds.length} campaigns not synced yet (${first!.campaignId}: ${first!.error})`,
      // A 429's own wait. Otherwise the policy's backoff grows only while attempts get nowhere:
      // one that stored confirmations is retried as soon as a first retry would be.
      nextRetryDelay: this.throttled ? this.throttledForMs : this.writer.stored > 0 ? FIRST_RETRY_DELAY_MS : undefined,
    });
  }
}
