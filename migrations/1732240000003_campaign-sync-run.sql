-- Up Migration

-- The sync run whose batch stored platform_synced_at: a retried batch skips the campaigns its
-- run has already confirmed, so the platform's sync endpoint is not called for them again.
ALTER TABLE campaigns ADD COLUMN platform_sync_run text;

-- Down Migration
ALTER TABLE campaigns DROP COLUMN platform_sync_run;
