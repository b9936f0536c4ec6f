import type { Pool } from 'pg';
import type { Campaign, SyncConfirmation, UpsertCounts } from '../contract/activities';

/** A campaign's cumulative counters: kept per listing as snapshots; the rest of its record is its attributes. */
export const CAMPAIGN_COUNTERS = ['impressions', 'clicks', 'conversions'] as const;

/**
 * One statement per page: the whole page goes in as arrays, is upserted on (client_id, campaign_id)
 * and counted against what the table held before. Running it twice changes nothing but last_seen_at,
 * so a retried activity is harmless. A page that repeats an id keeps the last record for it. A campaign
 * marked removed that is listed again is no longer removed.
 *
 * The same statement keeps the page's history: a snapshot of each campaign's counters at `listedAt`
 * (once per sync run: a retry, with the same `listedAt`, conflicts with it), and a new version of
 * its attributes (the record without its counters) when they differ from its latest version, or
 * when that version says the platform had stopped listing it.
 */
export async function upsertCampaigns(
  pool: Pool,
  clientId: string,
  syncRunId: string,
  campaigns: Campaign[],
  listedAt: string,
): Promise<UpsertCounts> {
  const { rows } = await pool.query<{ inserted: string; updated: string; unchanged: string }>(
    `WITH incoming AS (
       SELECT DISTINCT ON (campaign_id) *
         FROM unnest($3::text[], $4::text[], $5::text[], $6::numeric[], $7::bigint[], $8::bigint[], $9::bigint[],
                     $10::timestamptz[], $11::jsonb[]) WITH ORDINALITY
           AS t(campaign_id, name, status, budget, impressions, clicks, conversions, created_at, platform_record, position)
        ORDER BY campaign_id, position DESC
     ),
     before AS (
       SELECT i.campaign_id, c.platform_record AS old_record
         FROM incoming i
         LEFT JOIN campaigns c ON c.client_id = $1 AND c.campaign_id = i.campaign_id
     ),
     upserted AS (
       INSERT INTO campaigns AS c (client_id, campaign_id, name, status, budget, impressions, clicks, conversions,
                                   created_at, platform_record, last_sync_run)
       SELECT $1, campaign_id, name, status, budget, impressions, clicks, conversions, created_at, platform_record, $2
         FROM incoming
       ON CONFLICT (client_id, campaign_id) DO UPDATE
         SET name = excluded.name, status = excluded.status, budget = excluded.budget,
             impressions = excluded.impressions, clicks = excluded.clicks, conversions = excluded.conversions,
             created_at = excluded.created_at, platform_record = excluded.platform_record,
             last_seen_at = now(), last_sync_run = excluded.last_sync_run, removed_at = NULL, removed_by_sync_run = NULL
       RETURNING c.campaign_id
     ),
     snapshots AS (
       INSERT INTO campaign_snapshots (client_id, campaign_id, listed_at, sync_run, impressions, clicks, conversions)
       SELECT $1, campaign_id, $12, $2, impressions, clicks, conversions
         FROM incoming
       ON CONFLICT DO NOTHING
     ),
     versions AS (
       INSERT INTO campaign_versions (client_id, campaign_id, valid_from, sync_run, name, status, budget, attributes)
       SELECT $1, i.campaign_id, $12, $2, i.name, i.status, i.budget, i.platform_record - $13::text[]
         FROM incoming i
         LEFT JOIN LATERAL (
           SELECT v.attributes, v.listed FROM campaign_versions v
            WHERE v.client_id = $1 AND v.campaign_id = i.campaign_id
            ORDER BY v.valid_from DESC
            LIMIT 1
         ) latest ON true
        WHERE latest.attributes IS DISTINCT FROM i.platform_record - $13::text[] OR NOT latest.listed
       ON CONFLICT DO NOTHING
     )
     SELECT count(*) FILTER (WHERE b.old_record IS NULL) AS inserted,
            count(*) FILTER (WHERE b.old_record IS DISTINCT FROM i.platform_record AND b.old_record IS NOT NULL) AS updated,
            count(*) FILTER (WHERE b.old_record = i.platform_record) AS unchanged
       FROM upserted u
       JOIN before b USING (campaign_id)
       JOIN incoming i USING (campaign_id)`,
    [
      clientId,
      syncRunId,
      campaigns.map((c) => c.id),
      campaigns.map((c) => c.name),
      campaigns.map((c) => c.status),
      campaigns.map((c) => c.budget),
      campaigns.map((c) => c.impressions),
      campaigns.map((c) => c.clicks),
      campaigns.map((c) => c.conversions),
      campaigns.map((c) => c.created_at),
      campaigns.map((c) => JSON.stringify(c)),
      listedAt,
      CAMPAIGN_COUNTERS,
    ],
  );
  const row = rows[0]!;
  return { inserted: Number(row.inserted), updated: Number(row.updated), unchanged: Number(row.unchanged) };
}

/** Stores the platform's sync confirmations in one statement, with the sync run that obtained them. */
export async function markCampaignsSynced(
  pool: Pool,
  clientId: string,
  syncRunId: string,
  confirmations: SyncConfirmation[],
): Promise<void> {
  await pool.query(
    `UPDATE campaigns c
        SET platform_synced_at = confirmed.synced_at, platform_sync_run = $2
       FROM unnest($3::text[], $4::timestamptz[]) AS confirmed(campaign_id, synced_at)
      WHERE c.client_id = $1 AND c.campaign_id = confirmed.campaign_id`,
    [clientId, syncRunId, confirmations.map((c) => c.campaignId), confirmations.map((c) => c.syncedAt)],
  );
}

/** Which of these campaigns the platform has already confirmed in this sync run (a retried batch skips them). */
export async function confirmedCampaignIds(pool: Pool, clientId: string, syncRunId: string, campaignIds: string[]): Promise<Set<string>> {
  const { rows } = await pool.query<{ campaign_id: string }>(
    `SELECT campaign_id FROM campaigns
      WHERE client_id = $1 AND platform_sync_run = $2 AND campaign_id = any($3::text[])`,
    [clientId, syncRunId, campaignIds],
  );
  return new Set(rows.map((r) => r.campaign_id));
}

/** How many campaigns the platform has confirmed so far in each of these clients' sync runs, in one statement (a live count). */
export async function countConfirmedCampaigns(pool: Pool, runs: { clientId: string; syncRun: string }[]): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ client_id: string; confirmed: number }>(
    `SELECT r.client_id, count(c.campaign_id)::int AS confirmed
       FROM unnest($1::text[], $2::text[]) AS r(client_id, sync_run)
       LEFT JOIN campaigns c ON c.client_id = r.client_id AND c.platform_sync_run = r.sync_run
      GROUP BY r.client_id`,
    [runs.map((r) => r.clientId), runs.map((r) => r.syncRun)],
  );
  return new Map(rows.map((r) => [r.client_id, r.confirmed]));
}

/**
 * After a sync that listed every page: the client's campaigns it did not list are marked removed
 * (never deleted), and each gets a version that says it is no longer listed, in the same statement.
 * Returns how many this run has marked, counting those a retried call marked before, so a retry
 * reports the same figure (and, finding nothing left to mark, writes no second version).
 */
export async function markUnlistedCampaignsRemoved(pool: Pool, clientId: string, syncRunId: string): Promise<number> {
  const { rows } = await pool.query<{ removed: string }>(
    `WITH marked AS (
       UPDATE campaigns SET removed_at = now(), removed_by_sync_run = $2
        WHERE client_id = $1 AND removed_at IS NULL AND last_sync_run IS DISTINCT FROM $2
       RETURNING campaign_id, name, status, budget, platform_record
     ),
     unlisted AS (
       INSERT INTO campaign_versions (client_id, campaign_id, valid_from, sync_run, name, status, budget, attributes, listed)
       SELECT $1, campaign_id, now(), $2, name, status, budget, platform_record - $3::text[], false
         FROM marked
       ON CONFLICT DO NOTHING
     )
     SELECT (SELECT count(*) FROM marked)
          + (SELECT count(*) FROM campaigns WHERE client_id = $1 AND removed_by_sync_run = $2) AS removed`,
    [clientId, syncRunId, CAMPAIGN_COUNTERS],
  );
  return Number(rows[0]!.removed);
}

/** The campaigns a run listed but the platform did not confirm in it (and that are not removed since). */
export async function unconfirmedCampaignIds(pool: Pool, clientId: string, syncRunId: string): Promise<string[]> {
  const { rows } = await pool.query<{ campaign_id: string }>(
    `SELECT campaign_id FROM campaigns
      WHERE client_id = $1 AND last_sync_run = $2 AND platform_sync_run IS DISTINCT FROM $2 AND removed_at IS NULL
      ORDER BY campaign_id`,
    [clientId, syncRunId],
  );
  return rows.map((r) => r.campaign_id);
}

/** How many campaigns these clients have in the table, removed ones included (the demo's summary). */
export async function countCampaignsOfClients(pool: Pool, clientIds: string[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM campaigns WHERE client_id = any($1::text[])`, [
    clientIds,
  ]);
  return rows[0]!.n;
}
