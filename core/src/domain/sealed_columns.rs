//! What each sealed column of the store is bound to (`domain::seal`'s associated data), so a value
//! opens only in its own row, and the error when this instance's key cannot open one. Below the
//! services and the managed servers, which both open sealed values.
use super::seal::SealError;
use types::error::AppError;

/// The purposes (associated data) of each sealed column: a value opens only in its own row.
pub fn identity_password(account_id: i64) -> String {
    format!("query_identities.password:{account_id}")
}

pub fn server_password(name: &str) -> String {
    format!("servers.password:{name}")
}

pub fn totp_secret(account_id: i64) -> String {
    format!("two_factor.secret:{account_id}")
}

pub fn webhook_secret(webhook_id: &str) -> String {
    format!("webhooks.secret:{webhook_id}")
}

/// A sealed value that this instance cannot open: the store is fine, the key is not.
pub fn unopenable(what: &str, err: SealError) -> AppError {
    tracing::error!(error = %err, what, "a sealed secret in the panel store could not be opened");
    AppError::internal(format!(
        "the panel could not open a sealed secret ({what}): {err}"
    ))
}
