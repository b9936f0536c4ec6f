-- Up Migration

-- The starts of the intervals from p_first to p_last. generate_series itself tells the planner
-- 1,000 rows a call where a pair of listings spans one or two intervals: a week of a client's
-- hours then looked costly enough to compile (JIT), which took ~110 ms of a ~300 ms query
-- (bench:history, docs/figures.md). ROWS says 2, and STRICT keeps the planner from inlining it
-- (which would lose the ROWS).
CREATE FUNCTION campaign_interval_starts(p_first timestamptz, p_last timestamptz, p_step interval)
RETURNS SETOF timestamptz
LANGUAGE sql STABLE STRICT ROWS 2
AS $$ SELECT generate_series(p_first, p_last, p_step) $$;

-- Performance per interval from cumulative counters: for each campaign, the growth of each counter
-- between consecutive listings, spread over the hours (or days) the two listings span in
-- proportion to the time, then summed per interval within [p_from, p_to).
-- - A counter that went down was reset on the platform: the growth since the previous listing is
--   its new value (what it counted before the reset, after the previous listing, is unknown).
-- - A missed sync (listings more than 1.5 intervals apart) is spread evenly over the time it
--   covers, and every interval that took a part of it says so (estimated).
-- - A campaign's first listing has nothing to grow from: its interval says first_seen, with no
--   growth; the counters it came with are its life before campaign-sync saw it.
-- - The listings just before p_from and just after p_to (within 31 days) give the growth across
--   the range's ends; a campaign not listed in the 31 days before the range is first seen in it.
-- Intervals are UTC hours or days. Read-only, run as the caller.
CREATE FUNCTION campaign_deltas(p_client_id text, p_from timestamptz, p_to timestamptz, p_interval text,
                                p_campaign_id text DEFAULT NULL)
RETURNS TABLE (campaign_id text, interval_start timestamptz, impressions numeric, clicks numeric, conversions numeric,
               resets integer, estimated boolean, first_seen boolean)
LANGUAGE sql STABLE
AS $$
  WITH inside AS (
    SELECT s.campaign_id, s.listed_at, s.impressions, s.clicks, s.conversions
      FROM campaign_snapshots s
     WHERE s.client_id = p_client_id AND (p_campaign_id IS NULL OR s.campaign_id = p_campaign_id)
       AND s.listed_at >= p_from AND s.listed_at < p_to
  ),
  -- Each campaign's listing before the range and the one after it (within 31 days), found by its
  -- primary key: the growth across the range's ends.
  edges AS (
    SELECT e.*
      FROM (SELECT DISTINCT campaign_id FROM inside) c
     CROSS JOIN LATERAL (
       (SELECT s.campaign_id, s.listed_at, s.impressions, s.clicks, s.conversions FROM campaign_snapshots s
         WHERE s.client_id = p_client_id AND s.campaign_id = c.campaign_id
           AND s.listed_at < p_from AND s.listed_at >= p_from - interval '31 days'
         ORDER BY s.listed_at DESC LIMIT 1)
       UNION ALL
       (SELECT s.campaign_id, s.listed_at, s.impressions, s.clicks, s.conversions FROM campaign_snapshots s
         WHERE s.client_id = p_client_id AND s.campaign_id = c.campaign_id
           AND s.listed_at >= p_to AND s.listed_at < p_to + interval '31 days'
         ORDER BY s.listed_at LIMIT 1)
     ) e
  ),
  listed AS (SELECT * FROM inside UNION ALL SELECT * FROM edges),
  pairs AS (
    SELECT l.campaign_id, l.listed_at,
           lag(l.listed_at) OVER w AS prev_at,
           CASE WHEN l.impressions >= lag(l.impressions) OVER w THEN l.impressions - lag(l.impressions) OVER w ELSE l.impressions END AS impressions,
           CASE WHEN l.clicks >= lag(l.clicks) OVER w THEN l.clicks - lag(l.clicks) OVER w ELSE l.clicks END AS clicks,
           CASE WHEN l.conversions >= lag(l.conversions) OVER w THEN l.conversions - lag(l.conversions) OVER w ELSE l.conversions END AS conversions,
           (l.impressions < lag(l.impressions) OVER w OR l.clicks < lag(l.clicks) OVER w
             OR l.conversions < lag(l.conversions) OVER w) AS reset,
           row_number() OVER w = 1 AS first_listing
      FROM listed l
    WINDOW w AS (PARTITION BY l.campaign_id ORDER BY l.listed_at)
  ),
  step AS (SELECT CASE p_interval WHEN 'hour' THEN interval '1 hour' WHEN 'day' THEN interval '1 day' END AS length),
  -- share: the part of a growth in an interval, in double precision (numeric arithmetic on every
  -- pair made the week-by-hour query spill its aggregate to disk); rounded to cents when summed.
  spread AS (
    SELECT p.campaign_id, i.start AS interval_start,
           date_part('epoch', least(p.listed_at, i.start + step.length, p_to) - greatest(p.prev_at, i.start, p_from))
             / date_part('epoch', p.listed_at - p.prev_at) AS share,
           p.impressions, p.clicks, p.conversions,
           (p.listed_at <= i.start + step.length AND p.listed_at < p_to AND p.reset) AS reset,
           -- Listings more than one and a half intervals apart: a sync was missed.
           p.listed_at - p.prev_at > step.length * 1.5 AS across_a_missed_listing
      FROM pairs p, step,
           campaign_interval_starts(date_trunc(p_interval, greatest(p.prev_at, p_from), 'UTC'), p.listed_at - interval '1 microsecond', step.length) AS i(start)
     WHERE p.prev_at IS NOT NULL AND p.listed_at > p.prev_at AND p.listed_at > p_from
       AND i.start < p_to
  ),
  firsts AS (
    SELECT p.campaign_id, date_trunc(p_interval, p.listed_at, 'UTC') AS interval_start
      FROM pairs p
     WHERE p.first_listing AND p.listed_at >= p_from AND p.listed_at < p_to
  )
  SELECT campaign_id, interval_start,
         round(sum(impressions * share)::numeric, 2), round(sum(clicks * share)::numeric, 2), round(sum(conversions * share)::numeric, 2),
         count(*) FILTER (WHERE reset)::integer, bool_or(across_a_missed_listing), bool_or(first)
    FROM (SELECT campaign_id, interval_start, share, impressions, clicks, conversions, reset, across_a_missed_listing, false AS first
            FROM spread
          UNION ALL
          SELECT campaign_id, interval_start, 0, 0, 0, 0, false, false, true FROM firsts) AS growth
   GROUP BY campaign_id, interval_start
   ORDER BY campaign_id, interval_start
$$;

-- Down Migration
DROP FUNCTION campaign_deltas(text, timestamptz, timestamptz, text, text);
DROP FUNCTION campaign_interval_starts(timestamptz, timestamptz, interval);
