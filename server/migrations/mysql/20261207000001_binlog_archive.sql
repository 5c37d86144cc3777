-- Issue 27, item 1: each managed server's binary log, archived by the panel as it is written.
-- One row per server: where the archive stands (the server's file and the position after the
-- last event kept), until when it holds every change (`synced_at`, for the lag), and its state in
-- words ('archiving', or what is missing on the server, or the last error).
CREATE TABLE binlog_archives (
    server VARCHAR(64) NOT NULL PRIMARY KEY,
    file VARCHAR(255),
    pos BIGINT,
    synced_at BIGINT,
    updated_at BIGINT NOT NULL,
    state VARCHAR(1000) NOT NULL
);
-- One row per archived file of the server's binary log, for the restorable window and retention.
CREATE TABLE binlog_segments (
    server VARCHAR(64) NOT NULL,
    file VARCHAR(255) NOT NULL,
    first_event_at BIGINT NOT NULL,
    last_event_at BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    PRIMARY KEY (server, file)
);
-- A full backup's place in its server's binary log (mariadb-dump --master-data: the position of
-- the dump's consistent snapshot), where a point-in-time restore starts replaying.
ALTER TABLE backups ADD COLUMN binlog_file VARCHAR(255);
ALTER TABLE backups ADD COLUMN binlog_pos BIGINT;
-- A restore to a point in time: the second (Unix) it restores to.
ALTER TABLE backup_jobs ADD COLUMN point_in_time BIGINT;
