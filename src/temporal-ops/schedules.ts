import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
  type ScheduleSummary,
} from '@temporalio/client';
import { scheduleId, syncSearchAttributes, type SyncClientInput } from '../contract/sync';
import { temporalRefused } from '../infra/startup-errors';

/** When a client's syncs run: every interval, or on a cron expression. */
export type ScheduleTiming = { every: string; cron?: undefined } | { cron: string; every?: undefined };

export interface SchedulePolicy {
  /** Random delay added to each run, so a fleet's schedules do not all fire in the same second. */
  jitterMs: number;
  /** A run missed (the server was down) is still taken if no later than this. */
  catchupWindowMs: number;
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90s", "30m", "1h", "2d" in milliseconds; a one-line error for anything else. */
export function parseDuration(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value);
  if (!match || Number(match[1]) === 0)
    throw new Error(`"${value}" is not a duration: give a whole number and a unit, like 90s, 30m, 1h or 2d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const MAX_DEFAULT_JITTER_MS = 15 * 60_000;
const CRON_DEFAULT_JITTER_MS = 60_000;
export const DEFAULT_CATCHUP_WINDOW = '10m';

/** By default a run is spread over a tenth of its interval (at most 15 minutes), or a minute for cron schedules. */
export const defaultJitterMs = (timing: ScheduleTiming) =>
  timing.every === undefined ? CRON_DEFAULT_JITTER_MS : Math.min(parseDuration(timing.every) / 10, MAX_DEFAULT_JITTER_MS);

function scheduleOptions(taskQueue: string, clientId: string, timing: ScheduleTiming, policy: SchedulePolicy): ScheduleOptions {
  const input: SyncClientInput = { clientId };
  return {
    scheduleId: scheduleId(clientId),
    spec: {
      ...(timing.every === undefined ? { cronExpressions: [timing.cron] } : { intervals: [{ every: parseDuration(timing.every) }] }),
      jitter: policy.jitterMs,
    },
    // The scheduled workflow runs the sync under the client's own workflow id (scheduled-sync.ts).
    action: {
      type: 'startWorkflow',
      workflowType: 'scheduledSyncWorkflow',
      taskQueue,
      args: [input],
      workflowId: scheduleId(clientId),
      typedSearchAttributes: syncSearchAttributes(clientId),
      staticSummary: `Scheduled campaign sync of client ${clientId}`,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: policy.catchupWindowMs },
  };
}

/** Creates the client's schedule, or replaces its timing if it has one. */
export async function setClientSchedule(
  temporal: Client,
  taskQueue: string,
  clientId: string,
  timing: ScheduleTiming,
  policy: SchedulePolicy,
): Promise<'created' | 'updated'> {
  const options = scheduleOptions(taskQueue, clientId, timing, policy);
  const refused = (err: unknown, action: string) => temporalRefused(temporal, cronRefused(err, timing), action);
  try {
    await temporal.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw await refused(err, 'create the schedule');
    await temporal.schedule
      .getHandle(options.scheduleId)
      .update((previous) => ({
        ...previous,
        spec: options.spec,
        action: options.action,
        policies: { ...previous.policies, ...options.policies },
      }))
      .catch(async (e: unknown) => Promise.reject(await refused(e, 'update the schedule')));
    return 'updated';
  }
}

/** The server judges cron expressions; its refusal becomes one line naming the option. */
function cronRefused(err: unknown, timing: ScheduleTiming): unknown {
  if (timing.cron === undefined || !(err instanceof Error) || !/invalid|cron|parse/i.test(err.message)) return err;
  return new Error(
    `--cron "${timing.cron}" is not a cron expression Temporal accepts (${err.message.split('\n')[0]}); for example "0 * * * *" is hourly`,
  );
}

export type ScheduleCommand = 'pause' | 'unpause' | 'trigger' | 'remove';

/** Pauses, unpauses, triggers (a run now, skipped if one is running) or removes a client's schedule. */
export async function changeClientSchedule(temporal: Client, clientId: string, command: ScheduleCommand): Promise<void> {
  const handle = temporal.schedule.getHandle(scheduleId(clientId));
  const change = {
    pause: () => handle.pause(),
    unpause: () => handle.unpause(),
    trigger: () => handle.trigger(),
    remove: () => handle.delete(),
  }[command];
  await change().catch((err: unknown) => {
    if (err instanceof ScheduleNotFoundError)
      throw new Error(`client ${clientId} has no schedule: set one with \`campaign-sync schedule set ${clientId} --every 1h\``);
    throw err;
  });
}

/** Removes the client's schedule if it has one (a client being removed). */
export async function removeClientScheduleIfAny(temporal: Client, clientId: string): Promise<void> {
  await temporal.schedule
    .getHandle(scheduleId(clientId))
    .delete()
    .catch((err: unknown) => (err instanceof ScheduleNotFoundError ? undefined : Promise.reject(err)));
}

const PREFIX = scheduleId('');

/** Every client's schedule, by client id. */
export async function listClientSchedules(temporal: Client): Promise<{ clientId: string; summary: ScheduleSummary }[]> {
  const found: { clientId: string; summary: ScheduleSummary }[] = [];
  for await (const summary of temporal.schedule.list()) {
    if (summary.scheduleId.startsWith(PREFIX)) found.push({ clientId: summary.scheduleId.slice(PREFIX.length), summary });
  }
  return found.sort((a, b) => a.clientId.localeCompare(b.clientId));
}
