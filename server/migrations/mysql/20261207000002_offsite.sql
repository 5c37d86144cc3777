-- Issue 27, items 3 and 4: encrypted off-site copies. When a backup's copy was uploaded, and how
-- much of an archived binary log file the off-site copy holds (the file being written grows).
ALTER TABLE backups ADD COLUMN offsite_at BIGINT;
ALTER TABLE binlog_segments ADD COLUMN offsite_bytes BIGINT;
ALTER TABLE binlog_segments ADD COLUMN offsite_at BIGINT;
