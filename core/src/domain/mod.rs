//! Pure domain logic: no I/O except the OS random source and the password hasher's thread.
pub mod api_key;
pub mod bearer;
pub mod caller;
pub mod hex;
pub mod key_policy;
pub mod password;
pub mod seal;
pub mod sealed_columns;
pub mod secret;
pub mod time;
pub mod totp;
