-- Issue 11: sessions get an id the owner can name (to sign one out), when they were last seen,
-- and from where (IP, User-Agent). SQLite cannot add a primary key to a table: rebuild it.
CREATE TABLE sessions_new (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,          -- SHA-256 of the cookie's token
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,            -- refreshed at most once a minute
    ip TEXT,                                  -- the client's address when last seen
    user_agent TEXT                           -- as sent at sign-in, capped at 512 characters
) STRICT;
INSERT INTO sessions_new (token_hash, account_id, created_at, expires_at, last_seen_at)
    SELECT token_hash, account_id, created_at, expires_at, created_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_by_account ON sessions(account_id);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);
