//! The types every layer shares: each operation's request and answer (REST, server functions, the
//! CLI and the tests use the same ones), the validated names that stand between a customer's text
//! and SQL, and the one error type. No UI and no server code: the browser's WASM compiles it too.
pub mod activity;
pub mod admin;
pub mod alerts;
pub mod backups;
pub mod error;
pub mod host;
pub mod key_policy;
pub mod model;
pub mod names;
pub mod privilege;
pub mod query;
pub mod security;
pub mod tables;
pub mod two_factor;
pub mod validate;
pub mod word;
