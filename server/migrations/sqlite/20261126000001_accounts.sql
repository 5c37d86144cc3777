-- The panel's own store. Times are Unix seconds (UTC).
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,      -- stored lowercased
    prefix        TEXT NOT NULL UNIQUE,      -- every database/user of the account is <prefix>_...
    password_hash TEXT NOT NULL,             -- argon2id PHC string
    created_at    INTEGER NOT NULL
) STRICT;

-- One active key per account, enforced by the primary key: regeneration replaces the row.
CREATE TABLE api_keys (
    account_id   INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    key_hash     BLOB NOT NULL UNIQUE,       -- SHA-256 of the key; the key itself is never stored
    last4        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    last_used_ip TEXT
) STRICT;

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,             -- SHA-256 of the cookie's token
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_account ON sessions(account_id);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);
