-- Issue 26, item 3: over the plan's storage for longer than its grace period, the account's users
-- and query identity lose INSERT, UPDATE and CREATE until it is back under (`services::storage_writes`).
-- The grace period is a plan setting (NULL: the default, 72 hours).
ALTER TABLE plans ADD COLUMN storage_grace_hours BIGINT;
-- Since when the measured storage has been at or over the plan's; when the writes were withheld.
ALTER TABLE accounts ADD COLUMN storage_over_since BIGINT;
ALTER TABLE accounts ADD COLUMN writes_withheld_at BIGINT;
-- What was taken from each database user (as its 'localhost' grants held them; the other hosts
-- copy those), so exactly that comes back. `pattern` is the grant's database as mysql.db keeps it.
-- VARCHAR, not TEXT: the store's Any driver reads MySQL's TEXT as bytes.
CREATE TABLE withheld_privileges (
    account_id BIGINT NOT NULL,
    user_name  VARCHAR(80) NOT NULL,
    pattern    VARCHAR(200) NOT NULL,
    privileges VARCHAR(500) NOT NULL,
    PRIMARY KEY (account_id, user_name, pattern),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
