-- Issue 22: untrusted SQL stays data.
-- A failed job's machine-readable reason (job_timeout, client_command, local_infile, sql_error …).
ALTER TABLE backup_jobs ADD COLUMN error_code TEXT;

-- Wrong second-factor codes: a held sign-in is void after 5; 20 for an account in 24 h lock
-- two-factor sign-in for 15 minutes.
ALTER TABLE pending_sign_ins ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE two_factor ADD COLUMN locked_until INTEGER;
CREATE TABLE code_failures (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    at         INTEGER NOT NULL
) STRICT;
CREATE INDEX code_failures_by_account ON code_failures(account_id, at);

-- The last time the key arrived over plain HTTP from a remote client (refused, but it travelled
-- in the clear): Profile recommends regenerating it.
ALTER TABLE api_keys ADD COLUMN insecure_use_at INTEGER;
ALTER TABLE api_keys ADD COLUMN insecure_use_ip TEXT;

-- Registered servers off loopback are reached over verified TLS (the CA's PEM), or, spelled
-- out, over unverified TLS.
ALTER TABLE servers ADD COLUMN ca_pem TEXT;
ALTER TABLE servers ADD COLUMN tls_insecure INTEGER NOT NULL DEFAULT 0;

-- A value sealed with the store's secret key: an instance started with another key finds out
-- before it touches anything.
CREATE TABLE sealing (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    key_check TEXT NOT NULL
) STRICT;

-- Import uploads being received: their bytes count against the account's quota from the first
-- byte (reserved before they are written), and at most two run at once per account.
CREATE TABLE upload_reservations (
    id         TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    bytes      INTEGER NOT NULL,
    runner     TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX upload_reservations_by_account ON upload_reservations(account_id);
