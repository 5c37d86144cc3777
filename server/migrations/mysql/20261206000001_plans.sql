-- Issue 26: what a provider sells. A limit of NULL is "no limit". Every account has one plan:
-- `accounts.plan_id`, or the plan named 'default' while it is NULL (so `plan update --name
-- default` changes every account that was never given one).
CREATE TABLE plans (
    id                   BIGINT AUTO_INCREMENT PRIMARY KEY,
    name                 VARCHAR(64) NOT NULL UNIQUE,
    max_databases        BIGINT,
    max_users            BIGINT,
    max_storage          BIGINT,    -- bytes, all of the account's databases
    max_backup_storage   BIGINT,    -- bytes
    max_user_connections BIGINT,    -- MAX_USER_CONNECTIONS of each database user
    max_queries_per_hour BIGINT,    -- MAX_QUERIES_PER_HOUR of each database user
    max_whitelist        BIGINT,    -- remote hosts
    created_at           BIGINT NOT NULL
);
INSERT INTO plans (name, created_at) VALUES ('default', 0);

ALTER TABLE accounts ADD COLUMN plan_id BIGINT;
