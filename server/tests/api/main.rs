//! Integration tests: the real server on port 0, its own data dir, the real MariaDB.
mod helpers;

mod account;
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
mod sessions;
