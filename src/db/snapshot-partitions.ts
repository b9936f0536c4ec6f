import { escapeIdentifier, escapeLiteral, type ClientBase } from 'pg';

/**
 * The daily partitions of campaign_snapshots, made ahead and dropped past the retention by the
 * owner role (workers have no DDL rights). DDL takes no parameters: names and bounds come from
 * dates alone, and are quoted (escapeIdentifier, escapeLiteral).
 */

const PARENT = 'campaign_snapshots';
const DEFAULT_PARTITION = 'campaign_snapshots_default';
const DAY_MS = 86_400_000;
const DAILY_NAME = /^campaign_snapshots_p(\d{4})(\d{2})(\d{2})$/;
/** A week: a maintenance missed for days still finds its days made. */
export const DEFAULT_DAYS_AHEAD = 7;

/** The UTC day that holds `at`. */
export function utcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

/** A day's partition: campaign_snapshots_pYYYYMMDD, for [day, day + 1) in UTC. */
export function dailyPartitionName(day: Date): string {
  return `${PARENT}_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The day a partition of ours holds, or undefined for any other table (one an operator made, say). */
export function dayOfPartition(name: string): Date | undefined {
  const m = DAILY_NAME.exec(name);
  if (!m) return undefined;
  const day = new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00.000Z`);
  return Number.isNaN(day.getTime()) || dailyPartitionName(day) !== name ? undefined : day;
}

/** The days whose partitions should exist: today and the `daysAhead` after it. */
export function daysToMake(now: Date, daysAhead: number): Date[] {
  const today = utcDay(now).getTime();
  return Array.from({ length: daysAhead + 1 }, (_, i) => new Date(today + i * DAY_MS));
}

/** The first moment kept with `keepDays` days of history: the start of the day `keepDays - 1` days before today. */
export function retentionCutoff(now: Date, keepDays: number): Date {
  return new Date(utcDay(now).getTime() - (keepDays - 1) * DAY_MS);
}

/** Our daily partitions, by name. */
export async function listDailyPartitions(owner: ClientBase): Promise<string[]> {
  const { rows } = await owner.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass($1) ORDER BY 1`,
    [PARENT],
  );
  return rows.map((r) => r.name).filter((name) => dayOfPartition(name) !== undefined);
}

/**
 * Makes a day's partition. Rows the default partition took for that day (maintenance was late)
 * move into it in the same transaction; the default partition is locked meanwhile, so none can
 * arrive between the move and the attach. Returns how many moved.
 */
export async function makeDailyPartition(owner: ClientBase, day: Date): Promise<number> {
  const partition = escapeIdentifier(dailyPartitionName(day));
  const from = day.toISOString();
  const to = new Date(day.getTime() + DAY_MS).toISOString();
  await owner.query('BEGIN');
  try {
    await owner.query(`LOCK TABLE ${DEFAULT_PARTITION} IN ACCESS EXCLUSIVE MODE`);
    await owner.query(`CREATE TABLE ${partition} (LIKE ${PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    const moved = await owner.query(
      `WITH moved AS (DELETE FROM ${DEFAULT_PARTITION} WHERE listed_at >= $1 AND listed_at < $2 RETURNING *)
       INSERT INTO ${partition} SELECT * FROM moved`,
      [from, to],
    );
    await owner.query(
      `ALTER TABLE ${PARENT} ATTACH PARTITION ${partition} FOR VALUES FROM (${escapeLiteral(from)}) TO (${escapeLiteral(to)})`,
    );
    await owner.query('COMMIT');
    return moved.rowCount ?? 0;
  } catch (err) {
    await owner.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export interface PartitionUpkeep {
  made: string[];
  /** Rows the default partition held for the days made, moved into them. */
  moved: number;
  dropped: string[];
  /** Rows older than the retention deleted from the default partition. */
  deletedFromDefault: number;
}

/**
 * Makes today's partition and the next `daysAhead` days', and with `keepDays` drops the partitions
 * wholly before the retention and deletes older rows the default partition holds.
 */
export async function keepDailyPartitions(
  owner: ClientBase,
  { now, daysAhead, keepDays }: { now: Date; daysAhead: number; keepDays?: number },
): Promise<PartitionUpkeep> {
  const existing = new Set(await listDailyPartitions(owner));
  const upkeep: PartitionUpkeep = { made: [], moved: 0, dropped: [], deletedFromDefault: 0 };
  for (const day of daysToMake(now, daysAhead)) {
    if (existing.has(dailyPartitionName(day))) continue;
    upkeep.moved += await makeDailyPartition(owner, day);
    upkeep.made.push(dailyPartitionName(day));
  }
  if (keepDays === undefined) return upkeep;
  const cutoff = retentionCutoff(now, keepDays);
  for (const name of existing) {
    if (dayOfPartition(name)! >= cutoff) continue;
    await owner.query(`DROP TABLE ${escapeIdentifier(name)}`);
    upkeep.dropped.push(name);
  }
  const deleted = await owner.query(`DELETE FROM ${DEFAULT_PARTITION} WHERE listed_at < $1`, [cutoff.toISOString()]);
  upkeep.deletedFromDefault = deleted.rowCount ?? 0;
  return upkeep;
}

/** What an upkeep did, as `migrate` and `maintain` print it. */
export function describePartitionUpkeep(upkeep: PartitionUpkeep, keepDays: number | undefined): string[] {
  const made = upkeep.made.length === 0 ? 'none new' : `${upkeep.made.length} made (${upkeep.made[0]} … ${upkeep.made.at(-1)})`;
  const lines = [`history: daily partitions ${made}; ${upkeep.moved} snapshots moved out of the default partition`];
  lines.push(
    keepDays === undefined
      ? 'history: kept in full (HISTORY_KEEP_DAYS is not set)'
      : `history: keeping ${keepDays} days: ${upkeep.dropped.length} partitions dropped, ${upkeep.deletedFromDefault} older snapshots deleted from the default partition`,
  );
  return lines;
}
