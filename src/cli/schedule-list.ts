import type { ScheduleSummary } from '@temporalio/client';
import { tabbed } from './printable';

const minutes = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

/** One line of `schedule list`. */
export function describeSchedule({ clientId, summary }: { clientId: string; summary: ScheduleSummary }): string {
  const spec = summary.spec;
  const when = spec?.intervals?.length
    ? `every ${minutes(spec.intervals[0]!.every)}`
    : spec?.calendars?.length
      ? `calendar ${spec.calendars[0]!.comment ?? ''}`.trim()
      : 'no timing';
  const last = summary.info.recentActions.at(-1);
  return tabbed([
    clientId,
    when + (spec?.jitter ? ` (jitter ${minutes(spec.jitter)})` : ''),
    summary.state.paused ? 'paused' : 'active',
    `next ${summary.info.nextActionTimes[0]?.toISOString() ?? '-'}`,
    `last ${last ? last.takenAt.toISOString() : '-'}`,
  ]);
}
