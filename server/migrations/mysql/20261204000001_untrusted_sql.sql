-- Issue 22: untrusted SQL stays data. The same changes as the SQLite migration of this name.
ALTER TABLE backup_jobs ADD COLUMN error_code VARCHAR(32);

ALTER TABLE pending_sign_ins ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE two_factor ADD COLUMN locked_until BIGINT;
CREATE TABLE code_failures (
    account_id BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    INDEX code_failures_by_account (account_id, at),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

ALTER TABLE api_keys ADD COLUMN insecure_use_at BIGINT;
ALTER TABLE api_keys ADD COLUMN insecure_use_ip VARCHAR(64);

ALTER TABLE servers ADD COLUMN ca_pem TEXT;
ALTER TABLE servers ADD COLUMN tls_insecure BIGINT NOT NULL DEFAULT 0;

CREATE TABLE sealing (
    id        BIGINT PRIMARY KEY,
    key_check VARCHAR(255) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE upload_reservations (
    id         VARCHAR(32) PRIMARY KEY,
    account_id BIGINT NOT NULL,
    bytes      BIGINT NOT NULL,
    runner     VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    INDEX upload_reservations_by_account (account_id),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
