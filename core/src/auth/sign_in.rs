//! Signing in and out of the pages: the password step (rate-limited), the two-factor code step,
//! and sign-out. Each answers with the `Set-Cookie` values the response must carry.
use super::cookie;
use crate::domain::caller::{Caller, ClientInfo};
use crate::services::{accounts, audit, sessions, two_factor};
use crate::state::AppState;
use axum::http::{HeaderMap, header};
use types::activity::Action;
use types::error::AppError;

/// Where a right password leads; each carries the cookie to set.
pub enum SignIn {
    /// Signed in: the new session's cookie.
    Done(String),
    /// Two-factor is on: the cookie of the sign-in that waits for its code.
    NeedsCode(String),
}

/// Checks the credentials (rate-limited) and opens a new session, replacing the request's own.
pub async fn login(
    state: &AppState,
    headers: &HeaderMap,
    client: ClientInfo,
    email: &str,
    password: &str,
) -> Result<SignIn, AppError> {
    let (store, limiter) = (&state.store, &state.login_limiter);
    // Capped: keys of invalid, megabyte-long "emails" must not fill the memory.
    let email_key = format!(
        "email:{}",
        email
            .trim()
            .to_lowercase()
            .chars()
            .take(254)
            .collect::<String>()
    );
    let keys = [
        email_key.clone(),
        format!(
            "ip:{}",
            client.ip.map(|ip| ip.to_string()).unwrap_or_default()
        ),
    ];
    // Counted before the password is checked: parallel guesses cannot all pass the limit.
    let attempt = limiter.reserve(&keys)?;
    let verified = accounts::verify_credentials(store, &limiter.argon2, email, password).await?;
    let Some(account_id) = verified else {
        audit::sign_in(store, email, None, client.ip).await;
        return Err(AppError::unauthorized("Invalid email or password."));
    };
    limiter.succeeded(attempt, &email_key);
    if two_factor::is_on(store, account_id).await? {
        // Not signed in yet: the code step opens the session (and writes the sign-in event).
        let token = two_factor::hold_sign_in(store, account_id).await?;
        return Ok(SignIn::NeedsCode(cookie::pending_sign_in_cookie(
            &token,
            client.https,
        )));
    }
    audit::sign_in(store, email, Some(account_id), client.ip).await;
    Ok(SignIn::Done(
        open_session(state, headers, client, account_id).await?,
    ))
}

/// The second step of a two-factor sign-in (a TOTP or recovery code): the session's cookie, and
/// the waiting sign-in's cookie cleared.
pub async fn login_code(
    state: &AppState,
    headers: &HeaderMap,
    client: ClientInfo,
    code: &str,
) -> Result<[String; 2], AppError> {
    let held = cookie::pending_sign_in_token(headers, client.https);
    let account_id = two_factor::complete_sign_in(
        &state.store,
        &state.sealer,
        &state.login_limiter,
        held,
        code,
        client.ip,
    )
    .await?;
    let session = open_session(state, headers, client, account_id).await?;
    Ok([session, cookie::clear_pending_sign_in_cookie(client.https)])
}

/// Ends the request's session (an audit event when it was one) and clears its cookie.
pub async fn logout(
    state: &AppState,
    headers: &HeaderMap,
    client: ClientInfo,
) -> Result<String, AppError> {
    if let Some(token) = cookie::session_token(headers, client.https) {
        if let Some(caller) = sessions::caller(&state.store, token, client.ip).await? {
            let caller = Caller {
                ip: client.ip,
                ..caller
            };
            audit::record(&state.store, audit::Entry::by(&caller, Action::SignOut)).await;
        }
        sessions::close(&state.store, token).await?;
    }
    Ok(cookie::clear_session_cookie(client.https))
}

/// A fresh session (the request's old one, if any, is ended: no fixation) and its cookie.
async fn open_session(
    state: &AppState,
    headers: &HeaderMap,
    client: ClientInfo,
    account_id: i64,
) -> Result<String, AppError> {
    if let Some(old) = cookie::session_token(headers, client.https) {
        sessions::close(&state.store, old).await?;
    }
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let origin = sessions::Origin {
        ip: client.ip,
        user_agent,
    };
    let token = sessions::open(&state.store, account_id, &origin).await?;
    Ok(cookie::session_cookie(&token, client.https))
}
