-- Issue 26: what a provider sells. A limit of NULL is "no limit". Every account has one plan:
-- `accounts.plan_id`, or the plan named 'default' while it is NULL (so `plan update --name
-- default` changes every account that was never given one).
CREATE TABLE plans (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,
    max_databases        INTEGER,
    max_users            INTEGER,
    max_storage          INTEGER,   -- bytes, all of the account's databases
    max_backup_storage   INTEGER,   -- bytes
    max_user_connections INTEGER,   -- MAX_USER_CONNECTIONS of each database user
    max_queries_per_hour INTEGER,   -- MAX_QUERIES_PER_HOUR of each database user
    max_whitelist        INTEGER,   -- remote hosts
    created_at           INTEGER NOT NULL
) STRICT;
INSERT INTO plans (name, created_at) VALUES ('default', 0);

ALTER TABLE accounts ADD COLUMN plan_id INTEGER REFERENCES plans(id);
