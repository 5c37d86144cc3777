//! Integration tests: the real server on port 0, its own data dir, the real MariaDB.
mod helpers;

mod access_removal;
mod account;
mod admin_pool;
mod audit;
mod backups;
mod backup_crash;
mod csp;
mod faults;
mod proxies;
mod rate_limits;
mod request_limits;
mod tls;
mod api_auth;
mod cli;
mod databases;
mod db_admin;
mod isolation;
mod users;
mod whitelist;
mod health;
mod pages;
mod prefixes;
mod queries;
mod query_export;
mod sessions;
