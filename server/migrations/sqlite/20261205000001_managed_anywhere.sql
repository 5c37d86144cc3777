-- Issue 24: every feature on a server reached over TCP. The addresses the panel's instances
-- connect from (MySQL host patterns, space-separated; `server add --panel-host`), where each
-- account's identity is created; NULL: the address the server shows the admin session.
ALTER TABLE servers ADD COLUMN panel_hosts TEXT;

-- An account being moved to another server (`account move`): since when. While set, the API
-- answers 423 account_moving to changes; the account stays on `server_id` until the switch.
ALTER TABLE accounts ADD COLUMN moving_since INTEGER;
