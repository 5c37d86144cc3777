-- Issue 26, item 7: accounts flagged as operators (`account create --operator`, `account promote`)
-- get the Admin area and `/api/admin/*`; everyone else gets 404 there.
ALTER TABLE accounts ADD COLUMN operator INTEGER NOT NULL DEFAULT 0;
