-- Backups of the accounts' databases: one row per file under <data dir>/backups/<account id>/.
-- `tables` is the manifest (JSON: name, rows, checksum per base table).
CREATE TABLE backups (
    id              TEXT PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    database        TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('manual', 'scheduled')),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    bytes_done      INTEGER NOT NULL DEFAULT 0,
    estimated_bytes INTEGER NOT NULL DEFAULT 0,
    size_bytes      INTEGER,
    sha256          TEXT,
    tables          TEXT NOT NULL DEFAULT '[]',
    error           TEXT,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER
) STRICT;
CREATE INDEX backups_by_account ON backups(account_id, database, created_at);

-- Restores and imports.
CREATE TABLE backup_jobs (
    id           TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('restore', 'import')),
    database     TEXT NOT NULL,
    backup_id    TEXT,
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    bytes_done   INTEGER NOT NULL DEFAULT 0,
    size_bytes   INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    error_line   INTEGER,
    mysql_errno  INTEGER,
    verification TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
) STRICT;
CREATE INDEX backup_jobs_by_account ON backup_jobs(account_id, database, created_at);

-- A database's daily backup. `last_run_day` is the UTC day number (Unix days) it last ran.
CREATE TABLE backup_schedules (
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    database     TEXT NOT NULL,
    minute_utc   INTEGER NOT NULL CHECK (minute_utc BETWEEN 0 AND 1439),
    keep         INTEGER NOT NULL CHECK (keep >= 1),
    last_run_day INTEGER,
    PRIMARY KEY (account_id, database)
) STRICT;
