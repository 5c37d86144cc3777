-- Issue 26, item 5: the operator suspends an account (`account suspend --reason`). While
-- `suspended_at` is set, its database users are locked in MariaDB, scheduled backups skip it and
-- the key and sessions get 403 account_suspended (except to read why and fetch backups).
ALTER TABLE accounts ADD COLUMN suspended_at BIGINT;
-- VARCHAR, not TEXT: the store's Any driver reads MySQL's TEXT as bytes. `account suspend` keeps 500 characters.
ALTER TABLE accounts ADD COLUMN suspended_reason VARCHAR(500);
