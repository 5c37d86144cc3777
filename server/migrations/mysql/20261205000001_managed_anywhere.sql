-- Issue 24: every feature on a server reached over TCP. The addresses the panel's instances
-- connect from (MySQL host patterns, space-separated; `server add --panel-host`), where each
-- account's identity is created; NULL: the address the server shows the admin session.
ALTER TABLE servers ADD COLUMN panel_hosts TEXT;

-- An account being moved to another server (`account move`): since when. While set, the API
-- answers 423 account_moving to changes; the account stays on `server_id` until the switch.
ALTER TABLE accounts ADD COLUMN moving_since BIGINT;

-- Each managed server's use as last measured (the maintenance loop every 5 minutes, `server list`):
-- new accounts go to the open server with the fewest bytes, then the fewest accounts.
CREATE TABLE server_usage (
    server      VARCHAR(64) PRIMARY KEY,
    database_count BIGINT NOT NULL,
    bytes       BIGINT NOT NULL,
    measured_at BIGINT NOT NULL
);

-- The default server is a row like the others, made from NOBREGAS_MYSQL_URL on first start (and
-- refreshed from it on later starts while `from_env`), so it can be drained and removed. `socket`:
-- the Unix socket identity sessions use ('@@socket': the one the server names), NULL for TCP.
ALTER TABLE servers ADD COLUMN from_env BIGINT NOT NULL DEFAULT 0;
ALTER TABLE servers ADD COLUMN socket TEXT;
-- One-off facts about the store (`default_server_seeded`: never re-create a removed default).
CREATE TABLE panel_settings (
    name  VARCHAR(64) PRIMARY KEY,
    value TEXT NOT NULL
);

-- Every `<prefix>` some database name on a server starts with (`<prefix>_…`), as the periodic scan
-- of the server's schemas last saw them: `account create` asks this, not information_schema.
CREATE TABLE server_prefixes (
    server VARCHAR(64) NOT NULL,
    prefix VARCHAR(64) NOT NULL,
    PRIMARY KEY (server, prefix)
);
