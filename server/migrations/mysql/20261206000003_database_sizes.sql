-- Issue 26, items 3–4: each database's bytes (data + indexes), measured a few at a time by the
-- maintenance loop, least recently measured first (`services::usage`). Apart from the database
-- index, whose rows are rewritten by every re-read; a row of a database that is gone is ignored
-- (usage joins the index) and pruned by the next pass.
CREATE TABLE database_sizes (
    account_id  BIGINT NOT NULL,
    name        VARCHAR(64) NOT NULL,
    bytes       BIGINT NOT NULL,
    measured_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, name),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
