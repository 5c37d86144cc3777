-- Remote hosts an account's database users may connect from. A row is reported (and counted as in
-- force) only when `state = 'active'`: 'adding' and 'removing' rows are changes MySQL has not fully
-- taken yet; a retry or the start-up reconciliation finishes them.
CREATE TABLE whitelist (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    host       TEXT NOT NULL,                -- as entered (203.0.113.0/24)
    mysql_host TEXT NOT NULL,                -- as MySQL spells it (203.0.113.0/255.255.255.0)
    note       TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL CHECK (state IN ('adding', 'active', 'removing')),
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, mysql_host)
) STRICT;
