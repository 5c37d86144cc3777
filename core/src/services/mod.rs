//! Domain services: the one place each operation is implemented. REST handlers, server functions
//! and the CLI are thin layers over these.
pub mod account_lock;
pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod backups;
pub mod database_index;
pub mod databases;
pub mod db_users;
pub mod drift;
pub mod grants;
pub mod health;
pub mod moves;
pub mod plan_changes;
pub mod plans;
pub mod queries;
pub mod secrets;
pub mod security;
pub mod server_prefixes;
pub mod servers;
pub mod sessions;
pub mod suspension;
pub mod tables;
pub mod two_factor;
pub mod usage;
pub mod user_hosts;
pub mod whitelist;
