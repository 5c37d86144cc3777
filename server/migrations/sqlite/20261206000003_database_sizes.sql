-- Issue 26, items 3–4: each database's bytes (data + indexes), measured a few at a time by the
-- maintenance loop, least recently measured first (`services::usage`). Apart from the database
-- index, whose rows are rewritten by every re-read; a row of a database that is gone is ignored
-- (usage joins the index) and pruned by the next pass.
CREATE TABLE database_sizes (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    measured_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, name)
) STRICT;
