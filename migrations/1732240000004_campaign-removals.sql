-- Up Migration

-- A campaign the platform no longer lists is marked, never deleted: by the first sync that listed
-- every page without it, and unmarked when a sync lists it again.
ALTER TABLE campaigns ADD COLUMN removed_at timestamptz, ADD COLUMN removed_by_sync_run text;
ALTER TABLE sync_runs ADD COLUMN removed integer NOT NULL DEFAULT 0;
-- `sync --retry-failed`: the run whose failed campaigns this run synced again.
ALTER TABLE sync_runs ADD COLUMN retry_of text;

-- Down Migration
ALTER TABLE sync_runs DROP COLUMN retry_of;
ALTER TABLE sync_runs DROP COLUMN removed;
ALTER TABLE campaigns DROP COLUMN removed_by_sync_run, DROP COLUMN removed_at;
