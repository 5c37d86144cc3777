-- Issue 28: the one key's policy. When it expires (NULL: never), the networks it may be used from
-- (canonical spellings joined by commas; NULL: any), `full` or `read_only`, and after how many days
-- without a request it retires itself (NULL: never).
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
ALTER TABLE api_keys ADD COLUMN allowed_networks TEXT;
ALTER TABLE api_keys ADD COLUMN access TEXT NOT NULL DEFAULT 'full';
ALTER TABLE api_keys ADD COLUMN revoke_after_unused_days INTEGER;
-- The last request refused for coming from outside the allowed networks: Profile shows it.
ALTER TABLE api_keys ADD COLUMN network_refused_at INTEGER;
ALTER TABLE api_keys ADD COLUMN network_refused_ip TEXT;
-- Why the account's key was revoked (reported as exposed, unused too long), for Profile.
ALTER TABLE accounts ADD COLUMN key_revoked_reason TEXT;
-- The last expiry reminder sent for the key (14, then 3: days before), so each goes once.
ALTER TABLE api_keys ADD COLUMN expiry_reminded INTEGER;
