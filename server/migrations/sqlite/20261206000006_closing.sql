-- Issue 26, item 6: `account delete` closes an account. `closed_at`: from then on sign-in refuses
-- it (its key and sessions are deleted). `purge_after`: set once its databases, users and identity
-- are dropped; the final backups and the account's row (its prefix and email) are kept until then.
ALTER TABLE accounts ADD COLUMN closed_at INTEGER;
ALTER TABLE accounts ADD COLUMN purge_after INTEGER;
