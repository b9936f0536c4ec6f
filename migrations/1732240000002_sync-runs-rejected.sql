-- Up Migration

-- Records the platform sent that were not valid campaigns (reported, not stored).
ALTER TABLE sync_runs ADD COLUMN rejected integer NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE sync_runs DROP COLUMN rejected;
