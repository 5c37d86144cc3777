-- Issue 24: every feature on a server reached over TCP. The addresses the panel's instances
-- connect from (MySQL host patterns, space-separated; `server add --panel-host`), where each
-- account's identity is created; NULL: the address the server shows the admin session.
ALTER TABLE servers ADD COLUMN panel_hosts TEXT;
