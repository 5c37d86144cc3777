-- Issue 26, item 3: the storage threshold (0, 80 or 100 % of the plan's storage) the account was
-- last told about, so each crossing upwards is one audit event, not one per measurement.
ALTER TABLE accounts ADD COLUMN storage_alert INTEGER NOT NULL DEFAULT 0;
