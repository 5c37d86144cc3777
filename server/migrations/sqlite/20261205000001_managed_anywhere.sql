-- Issue 24: every feature on a server reached over TCP. The addresses the panel's instances
-- connect from (MySQL host patterns, space-separated; `server add --panel-host`), where each
-- account's identity is created; NULL: the address the server shows the admin session.
ALTER TABLE servers ADD COLUMN panel_hosts TEXT;

-- An account being moved to another server (`account move`): since when. While set, the API
-- answers 423 account_moving to changes; the account stays on `server_id` until the switch.
ALTER TABLE accounts ADD COLUMN moving_since INTEGER;

-- Each managed server's use as last measured (the maintenance loop every 5 minutes, `server list`):
-- new accounts go to the open server with the fewest bytes, then the fewest accounts.
CREATE TABLE server_usage (
    server      TEXT PRIMARY KEY,
    schemas     INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    measured_at INTEGER NOT NULL
) STRICT;
