-- Issue 13: several panel instances on one store, and a fleet of managed servers.

-- Work only one instance may do at a time (reconciliation, scheduled backups): the holder renews
-- its lease; when it stops renewing, another instance takes the lease over once it has expired.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,                -- the instance id, '' when nobody holds it
    expires_at INTEGER NOT NULL              -- Unix milliseconds
) STRICT;
INSERT INTO leases (name, holder, expires_at) VALUES ('maintenance', '', 0);

-- Each running instance says it is alive; jobs name the instance that runs them, so a job whose
-- instance stopped saying so can be marked failed by another one.
CREATE TABLE instances (
    id      TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
) STRICT;
ALTER TABLE backups ADD COLUMN runner TEXT;
ALTER TABLE backup_jobs ADD COLUMN runner TEXT;

-- Managed servers beyond the default one (NOBREGAS_MYSQL_URL). The admin password is kept here
-- because the panel must log in with it; it is never printed or returned.
CREATE TABLE servers (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    url         TEXT NOT NULL,               -- mysql://user@host:port, without the password
    password    TEXT NOT NULL DEFAULT '',
    public_host TEXT,                        -- the host customers connect to; NULL: the URL's host
    draining    INTEGER NOT NULL DEFAULT 0,  -- 1: no new accounts are placed here
    created_at  INTEGER NOT NULL
) STRICT;
-- NULL: the default server.
ALTER TABLE accounts ADD COLUMN server_id INTEGER REFERENCES servers(id);
CREATE INDEX accounts_by_server ON accounts(server_id);

-- The names of each account's databases on its server, so that listing them asks the server about
-- those names only (information_schema answers an exact name at once, but a LIKE pattern by
-- reading every schema on the server). Kept by the panel's own changes, re-read after customer
-- SQL that created or dropped a database, after restores and imports, and by the periodic
-- reconciliation; `databases_synced_at` NULL: not read yet (the first listing reads it).
CREATE TABLE account_databases (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
) STRICT;
ALTER TABLE accounts ADD COLUMN databases_synced_at INTEGER;
