-- The audit log: every security-relevant event, newest last. `account_id` is NULL only for a
-- failed sign-in with an email no account has. `details` is a JSON object of strings.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,                -- session | api_key nbg_…abcd | cli | system | anonymous
    source_ip  TEXT,
    action     TEXT NOT NULL,                -- sign_in, database_created, …
    details    TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX audit_by_account ON audit_events(account_id, id);
