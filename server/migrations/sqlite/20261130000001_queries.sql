-- The MySQL identity each account's SQL runs as (`<prefix>-panel`@localhost). The panel must log in
-- as it, so the password is kept as such; it is never shown or returned to anyone.
CREATE TABLE query_identities (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    password   TEXT NOT NULL
) STRICT;

-- The account's last statements (the service keeps 50), for the Query tab's history.
CREATE TABLE query_history (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    database   TEXT NOT NULL,
    sql        TEXT NOT NULL,
    at         INTEGER NOT NULL
) STRICT;
CREATE INDEX query_history_by_account ON query_history(account_id, id);
