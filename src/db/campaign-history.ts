import type { Pool } from 'pg';

/** The length of the intervals performance is counted in (UTC). */
export type PerformanceInterval = 'hour' | 'day';

/** What a campaign (or a client's campaigns together) did in one interval, from the growth of its counters. */
export interface IntervalPerformance {
  intervalStart: Date;
  impressions: number;
  clicks: number;
  conversions: number;
  /** Counters that went down (a reset on the platform) at a listing in the interval. */
  resets: number;
  /** Part of it is a missed sync's growth, spread evenly over the time between the two listings. */
  estimated: boolean;
  /** Campaigns first listed in it: their counters before that are not counted. */
  firstSeen: number;
}

export interface PerformanceQuery {
  clientId: string;
  /** One campaign; unset: every campaign of the client, summed per interval. */
  campaignId?: string;
  from: Date;
  to: Date;
  interval: PerformanceInterval;
}

interface PerformanceRow {
  interval_start: Date;
  impressions: string;
  clicks: string;
  conversions: string;
  resets: number;
  estimated: boolean;
  first_seen: number;
}

/**
 * Per interval in [from, to), what the client's campaigns (or one of them) did: campaign_deltas
 * (migration 1732240000007) gives each campaign's growth per interval, summed here in one
 * statement. Intervals with no listing and no growth are absent.
 */
export async function intervalPerformance(pool: Pool, query: PerformanceQuery): Promise<IntervalPerformance[]> {
  const { rows } = await pool.query<PerformanceRow>(
    `SELECT interval_start, sum(impressions) AS impressions, sum(clicks) AS clicks, sum(conversions) AS conversions,
            sum(resets)::int AS resets, bool_or(estimated) AS estimated, count(*) FILTER (WHERE first_seen)::int AS first_seen
       FROM campaign_deltas($1, $2, $3, $4, $5)
      GROUP BY interval_start
      ORDER BY interval_start`,
    [query.clientId, query.from, query.to, query.interval, query.campaignId ?? null],
  );
  return rows.map((r) => ({
    intervalStart: r.interval_start,
    impressions: Number(r.impressions),
    clicks: Number(r.clicks),
    conversions: Number(r.conversions),
    resets: r.resets,
    estimated: r.estimated,
    firstSeen: r.first_seen,
  }));
}
