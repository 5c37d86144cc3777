-- Issue 27, item 5: alerts. An account's webhooks: where events are posted, the secret they are
-- signed with (sealed, bound to the webhook's id), and the events asked for (a comma list).
CREATE TABLE webhooks (
    id         TEXT NOT NULL PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    events     TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX webhooks_by_account ON webhooks(account_id);
-- One event for one webhook: queued, retried with backoff until delivered or given up ('failed').
-- The id is the X-Nobregas-Delivery header and orders the log.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    delivered_at     INTEGER
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook_id, id);
-- The same events by email to the account's address, when the operator set NOBREGAS_SMTP_URL.
CREATE TABLE alert_emails (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX alert_emails_due ON alert_emails(status, next_attempt_at);
-- The addresses each account's API keys were used from: a use from one not seen before is the
-- `api_key.new_ip` event.
CREATE TABLE api_key_ips (
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    ip            TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, ip)
) STRICT;
-- The last completed backup a `backup.missing` event was sent about, per scheduled database: one
-- event per gap, not one per maintenance pass.
CREATE TABLE backup_gaps (
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    database       TEXT NOT NULL,
    last_backup_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, database)
) STRICT;
