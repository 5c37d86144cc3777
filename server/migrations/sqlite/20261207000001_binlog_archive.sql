-- Issue 27, item 1: each managed server's binary log, archived by the panel as it is written.
-- One row per server: where the archive stands (the server's file and the position after the
-- last event kept), until when it holds every change (`synced_at`, for the lag), and its state in
-- words ('archiving', or what is missing on the server, or the last error).
CREATE TABLE binlog_archives (
    server TEXT NOT NULL PRIMARY KEY,
    file TEXT,
    pos INTEGER,
    synced_at INTEGER,
    updated_at INTEGER NOT NULL,
    state TEXT NOT NULL
) STRICT;
-- One row per archived file of the server's binary log, for the restorable window and retention.
CREATE TABLE binlog_segments (
    server TEXT NOT NULL,
    file TEXT NOT NULL,
    first_event_at INTEGER NOT NULL,
    last_event_at INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (server, file)
) STRICT;
-- A full backup's place in its server's binary log (mariadb-dump --master-data: the position of
-- the dump's consistent snapshot), where a point-in-time restore starts replaying.
ALTER TABLE backups ADD COLUMN binlog_file TEXT;
ALTER TABLE backups ADD COLUMN binlog_pos INTEGER;
-- A restore to a point in time: the second (Unix) it restores to.
ALTER TABLE backup_jobs ADD COLUMN point_in_time INTEGER;
