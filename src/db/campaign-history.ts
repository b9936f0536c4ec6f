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

/** One version of a campaign's attributes, with the time the next replaced it (null: current). */
export interface CampaignVersion {
  validFrom: Date;
  validTo: Date | null;
  name: string;
  status: string;
  budget: string;
  /** false: from validFrom the platform no longer listed the campaign. */
  listed: boolean;
}

/** The versions of a campaign in force at some time in [from, to): the one at `from`, then each change. */
export async function campaignVersions(pool: Pool, clientId: string, campaignId: string, from: Date, to: Date): Promise<CampaignVersion[]> {
  const { rows } = await pool.query<{
    valid_from: Date;
    valid_to: Date | null;
    name: string;
    status: string;
    budget: string;
    listed: boolean;
  }>(
    `SELECT valid_from, valid_to, name, status, budget::text, listed FROM campaign_history
      WHERE client_id = $1 AND campaign_id = $2 AND valid_from < $4 AND (valid_to IS NULL OR valid_to > $3)
      ORDER BY valid_from`,
    [clientId, campaignId, from, to],
  );
  return rows.map((r) => ({
    validFrom: r.valid_from,
    validTo: r.valid_to,
    name: r.name,
    status: r.status,
    budget: r.budget,
    listed: r.listed,
  }));
}

/** Whether the client exists, how many campaigns it has, and whether it has `campaignId`: what a report checks first. */
export async function reportScope(
  pool: Pool,
  clientId: string,
  campaignId: string | undefined,
): Promise<{ client: boolean; campaigns: number; campaign: boolean }> {
  const { rows } = await pool.query<{ client: boolean; campaigns: number; campaign: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM clients WHERE id = $1) AS client,
            (SELECT count(*)::int FROM campaigns WHERE client_id = $1) AS campaigns,
            EXISTS (SELECT 1 FROM campaigns WHERE client_id = $1 AND campaign_id = $2) AS campaign`,
    [clientId, campaignId ?? null],
  );
  return rows[0]!;
}
