-- The panel store on MySQL/MariaDB (NOBREGAS_STORE_URL=mysql://…), shared by several panel
-- instances. The same tables as the SQLite migrations up to 20261130000006, in MySQL's types:
-- times are Unix seconds (UTC), hashes are binary, text is utf8mb4 compared byte for byte.
CREATE TABLE servers (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(64) NOT NULL UNIQUE,
    url         VARCHAR(512) NOT NULL,
    password    VARCHAR(512) NOT NULL DEFAULT '',
    public_host VARCHAR(253),
    draining    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE accounts (
    id             BIGINT AUTO_INCREMENT PRIMARY KEY,
    email          VARCHAR(254) NOT NULL UNIQUE,
    prefix         VARCHAR(32) NOT NULL UNIQUE,
    password_hash  VARCHAR(255) NOT NULL,
    created_at     BIGINT NOT NULL,
    key_revoked_at BIGINT,
    server_id      BIGINT,
    databases_synced_at BIGINT,
    KEY accounts_by_server (server_id),
    FOREIGN KEY (server_id) REFERENCES servers(id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE account_databases (
    account_id BIGINT NOT NULL,
    name       VARCHAR(64) NOT NULL,
    PRIMARY KEY (account_id, name),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE api_keys (
    account_id   BIGINT PRIMARY KEY,
    key_hash     VARBINARY(32) NOT NULL UNIQUE,
    last4        VARCHAR(8) NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    last_used_ip VARCHAR(64),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE sessions (
    id           BIGINT AUTO_INCREMENT PRIMARY KEY,
    token_hash   VARBINARY(32) NOT NULL UNIQUE,
    account_id   BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip           VARCHAR(64),
    user_agent   VARCHAR(512),
    KEY sessions_by_account (account_id),
    KEY sessions_by_expiry (expires_at),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE whitelist (
    id         BIGINT AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    host       VARCHAR(512) NOT NULL,
    mysql_host VARCHAR(512) NOT NULL,
    note       VARCHAR(1024) NOT NULL DEFAULT '',
    state      VARCHAR(16) NOT NULL CHECK (state IN ('adding', 'active', 'removing')),
    created_at BIGINT NOT NULL,
    UNIQUE KEY whitelist_host (account_id, mysql_host),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE audit_events (
    id         BIGINT AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT,
    at         BIGINT NOT NULL,
    actor      VARCHAR(128) NOT NULL,
    source_ip  VARCHAR(64),
    action     VARCHAR(64) NOT NULL,
    details    TEXT NOT NULL DEFAULT ('{}'),
    KEY audit_by_account (account_id, id),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE query_identities (
    account_id BIGINT PRIMARY KEY,
    password   VARCHAR(255) NOT NULL,
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE query_history (
    id         BIGINT AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    `database` VARCHAR(64) NOT NULL,
    `sql`      MEDIUMTEXT NOT NULL,
    at         BIGINT NOT NULL,
    KEY query_history_by_account (account_id, id),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- `seq` orders rows created in the same second, as SQLite's rowid does.
CREATE TABLE backups (
    id              VARCHAR(64) PRIMARY KEY,
    seq             BIGINT NOT NULL AUTO_INCREMENT UNIQUE,
    account_id      BIGINT NOT NULL,
    `database`      VARCHAR(64) NOT NULL,
    kind            VARCHAR(16) NOT NULL CHECK (kind IN ('manual', 'scheduled')),
    status          VARCHAR(16) NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    bytes_done      BIGINT NOT NULL DEFAULT 0,
    estimated_bytes BIGINT NOT NULL DEFAULT 0,
    size_bytes      BIGINT,
    sha256          VARCHAR(64),
    `tables`        MEDIUMTEXT NOT NULL DEFAULT ('[]'),
    error           TEXT,
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT,
    runner          VARCHAR(64),
    KEY backups_by_account (account_id, `database`, created_at),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE backup_jobs (
    id           VARCHAR(64) PRIMARY KEY,
    seq          BIGINT NOT NULL AUTO_INCREMENT UNIQUE,
    account_id   BIGINT NOT NULL,
    kind         VARCHAR(16) NOT NULL CHECK (kind IN ('restore', 'import')),
    `database`   VARCHAR(64) NOT NULL,
    backup_id    VARCHAR(64),
    status       VARCHAR(16) NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    bytes_done   BIGINT NOT NULL DEFAULT 0,
    size_bytes   BIGINT NOT NULL DEFAULT 0,
    error        TEXT,
    error_line   BIGINT,
    mysql_errno  BIGINT,
    verification TEXT,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT,
    runner       VARCHAR(64),
    KEY backup_jobs_by_account (account_id, `database`, created_at),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE backup_schedules (
    account_id   BIGINT NOT NULL,
    `database`   VARCHAR(64) NOT NULL,
    minute_utc   BIGINT NOT NULL CHECK (minute_utc BETWEEN 0 AND 1439),
    keep         BIGINT NOT NULL CHECK (keep >= 1),
    last_run_day BIGINT,
    PRIMARY KEY (account_id, `database`),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE two_factor (
    account_id BIGINT PRIMARY KEY,
    secret     BLOB NOT NULL,                -- BLOB, not VARBINARY: sqlx's Any driver reads VARBINARY as text
    enabled_at BIGINT,
    last_step  BIGINT NOT NULL DEFAULT 0,
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE recovery_codes (
    account_id BIGINT NOT NULL,
    code_hash  VARBINARY(32) NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (account_id, code_hash),
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE pending_sign_ins (
    token_hash VARBINARY(32) PRIMARY KEY,
    account_id BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE leases (
    name       VARCHAR(64) PRIMARY KEY,
    holder     VARCHAR(64) NOT NULL,
    expires_at BIGINT NOT NULL              -- Unix milliseconds
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
INSERT INTO leases (name, holder, expires_at) VALUES ('maintenance', '', 0);

CREATE TABLE instances (
    id      VARCHAR(64) PRIMARY KEY,
    seen_at BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
