-- Issue 27, item 5: alerts. An account's webhooks: where events are posted, the secret they are
-- signed with (sealed, bound to the webhook's id), and the events asked for (a comma list).
CREATE TABLE webhooks (
    id         VARCHAR(32) NOT NULL PRIMARY KEY,
    account_id BIGINT NOT NULL,
    url        VARCHAR(2048) NOT NULL,
    secret     VARCHAR(512) NOT NULL,
    events     VARCHAR(1000) NOT NULL,
    created_at BIGINT NOT NULL,
    KEY webhooks_by_account (account_id),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- One event for one webhook: queued, retried with backoff until delivered or given up ('failed').
-- The id is the X-Nobregas-Delivery header and orders the log.
CREATE TABLE webhook_deliveries (
    id               BIGINT AUTO_INCREMENT PRIMARY KEY,
    webhook_id       VARCHAR(32) NOT NULL,
    event            VARCHAR(64) NOT NULL,
    payload          MEDIUMTEXT NOT NULL,
    status           VARCHAR(16) NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_status_code BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    delivered_at     BIGINT,
    KEY webhook_deliveries_due (status, next_attempt_at),
    KEY webhook_deliveries_by_webhook (webhook_id, id),
    FOREIGN KEY (webhook_id) REFERENCES webhooks(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- The same events by email to the account's address, when the operator set NOBREGAS_SMTP_URL.
CREATE TABLE alert_emails (
    id              BIGINT AUTO_INCREMENT PRIMARY KEY,
    account_id      BIGINT NOT NULL,
    event           VARCHAR(64) NOT NULL,
    payload         MEDIUMTEXT NOT NULL,
    status          VARCHAR(16) NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    KEY alert_emails_due (status, next_attempt_at),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- The addresses each account's API keys were used from: a use from one not seen before is the
-- `api_key.new_ip` event.
CREATE TABLE api_key_ips (
    account_id    BIGINT NOT NULL,
    ip            VARCHAR(64) NOT NULL,
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, ip),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- The last completed backup a `backup.missing` event was sent about, per scheduled database: one
-- event per gap, not one per maintenance pass.
CREATE TABLE backup_gaps (
    account_id     BIGINT NOT NULL,
    `database`     VARCHAR(64) NOT NULL,
    last_backup_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, `database`),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
