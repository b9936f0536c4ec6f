-- Up Migration

-- Every listing of a campaign keeps its counters (they are cumulative on the platform): one row per
-- campaign per sync run, appended in the statement that upserts the page. listed_at is when the
-- sync's workflow read the page, the same on any retry of the statement, so a retried page
-- conflicts with its own rows instead of adding new ones. Partitioned by day (listed_at): partitions
-- are made ahead and old ones dropped by the owner (`campaign-sync history maintain`); a row no
-- partition takes goes to the default one, so a late maintenance loses nothing.
CREATE TABLE campaign_snapshots (
  client_id   text NOT NULL REFERENCES clients (id),
  campaign_id text NOT NULL,
  listed_at   timestamptz NOT NULL,
  sync_run    text NOT NULL,
  impressions bigint NOT NULL,
  clicks      bigint NOT NULL,
  conversions bigint NOT NULL,
  -- One client, one campaign, a time range; a retried page's rows conflict here.
  PRIMARY KEY (client_id, campaign_id, listed_at, sync_run)
) PARTITION BY RANGE (listed_at);
-- One client, all campaigns, one day.
CREATE INDEX campaign_snapshots_client_listed ON campaign_snapshots (client_id, listed_at);
CREATE TABLE campaign_snapshots_default PARTITION OF campaign_snapshots DEFAULT;

-- A campaign's attributes (the platform's record without its counters) from the listing that
-- first showed them until the next version: written only when they changed. Keyed by the
-- campaign, so one that disappears and comes back keeps one history. listed false: from
-- valid_from the platform no longer listed it (a sync that listed every page did not show it),
-- with the attributes it was last listed with; the next listing starts a version again.
CREATE TABLE campaign_versions (
  client_id   text NOT NULL REFERENCES clients (id),
  campaign_id text NOT NULL,
  valid_from  timestamptz NOT NULL,
  sync_run    text NOT NULL,
  name        text NOT NULL,
  status      text NOT NULL,
  budget      numeric NOT NULL,
  attributes  jsonb NOT NULL,
  listed      boolean NOT NULL DEFAULT true,
  PRIMARY KEY (client_id, campaign_id, valid_from)
);

-- Each version with the time the next one replaced it (NULL: still current).
CREATE VIEW campaign_history AS
  SELECT client_id, campaign_id, valid_from,
         lead(valid_from) OVER (PARTITION BY client_id, campaign_id ORDER BY valid_from) AS valid_to,
         sync_run, name, status, budget, attributes, listed
    FROM campaign_versions;

-- Down Migration
DROP VIEW campaign_history;
DROP TABLE campaign_versions;
DROP TABLE campaign_snapshots;
