import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { confirmedCampaignIds, markCampaignsSynced, type SyncConfirmation } from '../db/campaigns';
import type { ClientRecord } from '../db/clients';
import { releaseRateSlots, type RateSlot } from '../db/rate-reservations';
import { FailureType } from '../failure-types';
import type { SyncMetrics } from '../metrics';
import type { PlatformClient } from '../platform/client';
import { PlatformError } from '../platform/errors';
import type { TokenCache } from '../platform/token-cache';
import { FIRST_RETRY_DELAY_MS } from '../workflows/activity-options';
import { batchProgressSignal } from '../workflows/definitions';
import { redact } from './failures';
import { latenessAllowedMs, reserveSlots } from './rate-budget';

/** A batch call waits at most this long for a rate slot; a later slot is left to a durable sleep. */
export const SLOT_HORIZON_MS = 2000;
/** How long a live count waits for more confirmations to report with it. */
const PROGRESS_DELAY_MS = 500;
const HEARTBEAT_EVERY_MS = 2000;

export interface CampaignBatchCall {
  clientId: string;
  syncRun: string;
  campaignIds: string[];
  /** On its last attempt a call reports the campaigns that keep failing instead of failing itself. */
  maxAttempts: number;
  /** Where the live count goes, and how many of the batch earlier calls synced. */
  progress?: { workflowId: string; syncedBefore: number };
}

export interface CampaignBatchOutcome {
  /** Campaigns of this call the platform has confirmed in this sync (earlier attempts included). */
  synced: number;
  /** Campaigns the platform refused, or that kept failing through the last attempt. */
  failed: { campaignId: string; error: string }[];
  /** Campaigns left for a later call: their rate slots are further off than a call waits. */
  pending: string[];
  /** When `pending` is not empty: how long until the client's next free rate slot. */
  nextSlotInMs?: number;
}

export interface CampaignBatchDependencies {
  pool: Pool;
  platform: PlatformClient;
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

  constructor(private readonly write: (confirmations: SyncConfirmation[]) => Promise<void>, private readonly onStored: () => void) {}

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
        this.onStored();
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
 * Sends the batch's running total to the client workflow, so its progress moves per campaign.
 * Each signal costs the client workflow a task, so confirmations that arrive together (a rate
 * window's requests answer at about the same time) share one: a signal goes out
 * PROGRESS_DELAY_MS after the first confirmation it reports.
 */
class ProgressReporter {
  private lastSent = -1;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private readonly context = Context.current();

  constructor(private readonly target: CampaignBatchCall['progress'], private readonly total: () => number) {}

  /** A confirmation was stored: report it soon, with whatever follows it shortly. */
  changed(): void {
    if (this.target && !this.timer) this.timer = setTimeout(() => this.send(), PROGRESS_DELAY_MS);
  }

  /** Reports the total now, if it changed; returns once the signal has gone. */
  async flush(): Promise<void> {
    this.send();
    await this.sending;
  }

  /** Nothing more to report from this call (its result, or its failure, says the rest). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const target = this.target;
    const total = this.total();
    if (!target || total === this.lastSent) return;
    this.lastSent = total;
    // The batch is known to the client workflow by its workflow id.
    const update = { batch: this.context.info.workflowExecution?.workflowId ?? '', synced: target.syncedBefore + total };
    // Best effort: the batch's result carries the authoritative count.
    this.sending = this.sending
      .then(() => this.context.client.workflow.getHandle(target.workflowId).signal(batchProgressSignal, update))
      .catch(() => undefined);
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
export async function syncCampaignBatch(deps: CampaignBatchDependencies, client: ClientRecord, call: CampaignBatchCall): Promise<CampaignBatchOutcome> {
  const context = Context.current();
  const { pool, platform, tokens, metrics } = deps;
  const confirmedBefore = await confirmedCampaignIds(pool, client.id, call.syncRun, call.campaignIds);
  const queue = call.campaignIds.filter((id) => !confirmedBefore.has(id));
  const failed: CampaignBatchOutcome['failed'] = [];
  const transient = new Map<string, string>();
  const renewedFor = new Set<string>();
  let fatal: unknown;
  let throttledForMs: number | undefined;
  let throttled = false;
  const writer = new ConfirmationWriter(
    async (confirmations) => {
      await markCampaignsSynced(pool, client.id, call.syncRun, confirmations);
      metrics.campaigns(client.id, 'synced', confirmations.length);
    },
    () => progress.changed(),
  );
  const progress = new ProgressReporter(call.progress, () => confirmedBefore.size + writer.stored);
  const message = (err: Error) => redact(err.message, deps.secrets());
  // A bad password fails the call here, before any slot is taken.
  if (queue.length > 0) await tokens.get(client.id);

  async function syncOne(campaignId: string, slot: RateSlot): Promise<void> {
    const { dueAt } = slot;
    if (dueAt > Date.now()) await context.sleep(dueAt - Date.now());
    const token = await tokens.get(client.id);
    // Checked right before sending, after everything that may take time (a token renewal included).
    if (Date.now() - dueAt > latenessAllowedMs(client.rateWindowMs)) {
      // Too late (a paused worker, a slow token request): the slot's place is lost; give it back, take another.
      queue.unshift(campaignId);
      await releaseRateSlots(pool, [slot.reservationId]);
      return;
    }
    try {
      const { syncedAt } = await platform.syncCampaign(client.apiBaseUrl, token, client.id, campaignId, context.cancellationSignal);
      writer.add({ campaignId, syncedAt });
    } catch (err) {
      if (!(err instanceof PlatformError)) throw err;
      if (err.kind === FailureType.PlatformTokenExpired && !renewedFor.has(campaignId)) {
        tokens.invalidate(client.id, token);
        renewedFor.add(campaignId);
        queue.unshift(campaignId);
      } else if (err.kind === FailureType.PlatformRateLimited) {
        throttled = true;
        throttledForMs = Math.max(throttledForMs ?? 0, err.details.retryAfterMs ?? 0) || undefined;
        transient.set(campaignId, message(err));
      } else if (err.kind === FailureType.PlatformUnavailable || err.kind === FailureType.PlatformTokenExpired) {
        transient.set(campaignId, message(err));
      } else if (err.kind === FailureType.PlatformRejectedRequest || err.kind === FailureType.PlatformMalformedResponse) {
        failed.push({ campaignId, error: message(err) });
      } else {
        throw err;
      }
    }
  }

  const inFlight = new Set<Promise<void>>();
  const launch = (campaignId: string, slot: RateSlot) => {
    const task = syncOne(campaignId, slot)
      .catch((err: unknown) => {
        fatal ??= err;
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  let nextDueAt: number | undefined;
  try {
    while (fatal === undefined && !throttled && writer.error === undefined) {
      // Requests still out may put their campaign back in the queue (an expired token, a late slot).
      if (queue.length === 0 && inFlight.size === 0) break;
      const room = Math.min(client.rateLimit - inFlight.size, queue.length);
      if (room <= 0) {
        await Promise.race(inFlight);
        continue;
      }
      const askedAt = Date.now();
      const reservation = await reserveSlots(pool, client, room, SLOT_HORIZON_MS);
      for (const slot of reservation.slots) {
        metrics.rateBudgetWait(client.id, slot.dueAt - askedAt);
        launch(queue.shift()!, slot);
      }
      if (reservation.slots.length === room) continue;
      if (inFlight.size === 0) {
        nextDueAt = reservation.nextDueAt;
        break;
      }
      // Requests are out: wait for one of them, or for the next slot to come within the horizon.
      await Promise.race([...inFlight, context.sleep(Math.max(0, reservation.nextDueAt! - Date.now() - SLOT_HORIZON_MS)).catch(() => undefined)]);
    }
    await Promise.all(inFlight);
    await writer.flush();
  } finally {
    clearInterval(heartbeat);
    progress.stop();
  }
  if (fatal !== undefined) throw fatal;
  if (writer.error !== undefined) throw writer.error;

  const lastAttempt = context.info.attempt >= call.maxAttempts;
  const unsynced = [...transient].map(([campaignId, error]) => ({ campaignId, error }));
  if (unsynced.length > 0 && !lastAttempt && (throttled || queue.length === 0)) {
    const [first] = unsynced;
    throw ApplicationFailure.create({
      type: throttled ? FailureType.PlatformRateLimited : FailureType.PlatformUnavailable,
      message: `${unsynced.length} of ${call.campaignIds.length} campaigns not synced yet (${first!.campaignId}: ${first!.error})`,
      // A 429's own wait. Otherwise the policy's backoff grows only while attempts get nowhere:
      // one that stored confirmations is retried as soon as a first retry would be.
      nextRetryDelay: throttled ? throttledForMs : writer.stored > 0 ? FIRST_RETRY_DELAY_MS : undefined,
    });
  }
  if (lastAttempt) failed.push(...unsynced);
  const pending = lastAttempt ? [...queue] : [...unsynced.map((u) => u.campaignId), ...queue];
  // A call that leaves nothing pending is followed at once by the batch's result: no signal needed.
  if (pending.length > 0) await progress.flush();
  return {
    synced: confirmedBefore.size + writer.stored,
    failed,
    pending,
    nextSlotInMs: pending.length > 0 ? Math.max(0, (nextDueAt ?? 0) - Date.now()) : undefined,
  };
}
