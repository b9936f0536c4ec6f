-- Up Migration

-- A client is one account on the ad platform. Credentials are never stored here: credentials_ref
-- names the entry (environment variables or secrets file) the worker reads them from.
CREATE TABLE clients (
  id              text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  name            text NOT NULL,
  api_base_url    text NOT NULL,
  credentials_ref text NOT NULL,
  rate_limit      integer NOT NULL DEFAULT 10 CHECK (rate_limit > 0),
  rate_window_ms  integer NOT NULL DEFAULT 60000 CHECK (rate_window_ms > 0),
  enabled         boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaigns (
  client_id       text NOT NULL REFERENCES clients (id),
  campaign_id     text NOT NULL,
  name            text NOT NULL,
  status          text NOT NULL,
  budget          numeric NOT NULL,
  impressions     bigint NOT NULL,
  clicks          bigint NOT NULL,
  conversions     bigint NOT NULL,
  created_at      timestamptz NOT NULL,
  -- The record as the platform sent it, so fields we do not model yet are not lost.
  platform_record jsonb NOT NULL,
  -- When the platform's per-campaign sync endpoint last confirmed this campaign.
  platform_synced_at timestamptz,
  first_seen_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  last_sync_run   text,
  PRIMARY KEY (client_id, campaign_id)
);

CREATE TABLE sync_runs (
  workflow_id     text NOT NULL,
  run_id          text NOT NULL,
  client_id       text NOT NULL REFERENCES clients (id),
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
  pages           integer NOT NULL DEFAULT 0,
  listed          integer NOT NULL DEFAULT 0,
  inserted        integer NOT NULL DEFAULT 0,
  updated         integer NOT NULL DEFAULT 0,
  unchanged       integer NOT NULL DEFAULT 0,
  synced          integer NOT NULL DEFAULT 0,
  failed          integer NOT NULL DEFAULT 0,
  error           text,
  PRIMARY KEY (workflow_id, run_id)
);
CREATE INDEX sync_runs_client_started ON sync_runs (client_id, started_at DESC);

-- Down Migration
DROP TABLE sync_runs;
DROP TABLE campaigns;
DROP TABLE clients;
