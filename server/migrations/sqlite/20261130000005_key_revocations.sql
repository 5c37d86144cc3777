-- Issue 12: a key reported as exposed (POST /api/keys/revoke) is deleted; the account remembers
-- when, so its owner learns why the key stopped working. Cleared when a new key is issued.
ALTER TABLE accounts ADD COLUMN key_revoked_at INTEGER;
