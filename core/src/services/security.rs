//! Account security operations of the signed-in customer: the panel password, the sessions and
//! the API key.
//! REST handlers and server functions both call these.
use crate::domain::caller::Caller;
use crate::limits::login::LoginLimiter;
use crate::services::{accounts, api_keys, audit, sessions, two_factor};
use crate::store::Store;
use types::activity::Action;
use types::error::AppError;
use types::model::NewApiKey;
use types::security::{ChangePassword, SignedOut};
use types::validate::Password;

/// Needs the current password and a browser session (an API key cannot take the account over);
/// the caller's session stays signed in, every other one is signed out. Wrong current passwords
/// count against the same limit as sign-ins (per account and per IP).
pub async fn change_password(
    store: &Store,
    limiter: &LoginLimiter,
    caller: &Caller,
    request: &ChangePassword,
) -> Result<SignedOut, AppError> {
    let Some(session) = caller.session else {
        return Err(AppError::forbidden(
            "Changing the panel password needs a signed-in session, not an API key.",
        ));
    };
    let new = Password::parse(&request.new_password)?;
    let account_key = format!("password:{}", caller.account_id);
    let keys = [
        account_key.clone(),
        format!(
            "ip:{}",
            caller.ip.map(|ip| ip.to_string()).unwrap_or_default()
        ),
    ];
    let attempt = limiter.reserve(&keys)?;
    let signed_out = accounts::change_password(
        store,
        &limiter.argon2,
        caller.account_id,
        &request.current_password,
        new,
        Some(session),
    )
    .await?;
    limiter.succeeded(attempt, &account_key);
    audit::record(
        store,
        audit::Entry::by(caller, Action::PasswordChanged)
            .with("signed_out", signed_out.to_string()),
    )
    .await;
    Ok(SignedOut { signed_out })
}

pub async fn revoke_session(store: &Store, caller: &Caller, id: i64) -> Result<(), AppError> {
    sessions::revoke(store, caller, id).await?;
    audit::record(
        store,
        audit::Entry::by(caller, Action::SessionRevoked).with("session", id.to_string()),
    )
    .await;
    Ok(())
}

/// "Sign out all other sessions": every session but the caller's own (all of them for an API key).
pub async fn revoke_other_sessions(store: &Store, caller: &Caller) -> Result<SignedOut, AppError> {
    let signed_out = sessions::revoke_others(store, caller.account_id, caller.session).await?;
    audit::record(
        store,
        audit::Entry::by(caller, Action::SessionRevoked).with("sessions", signed_out.to_string()),
    )
    .await;
    Ok(SignedOut { signed_out })
}

/// A new API key, the old one invalid at once. With two-factor on, only from a sign-in of the last
/// 10 minutes: the key carries every right of the account and outlives the session.
pub async fn regenerate_api_key(
    store: &Store,
    caller: &Caller,
    options: &types::key_policy::KeyOptions,
) -> Result<NewApiKey, AppError> {
    two_factor::require_fresh_sign_in(store, caller, "regenerate the API key").await?;
    api_keys::regenerate(store, caller.account_id, &caller.actor, caller.ip, options).await
}
