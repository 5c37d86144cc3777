//! Credentials travel only over HTTPS. A request that carries an API key, a session cookie or a
//! password, from a client that is not on this machine (after trusted proxies), and that did not
//! arrive over HTTPS (the panel's own TLS, or a trusted proxy's `X-Forwarded-Proto: https`), is
//! refused with 403 `https_required` before anything reads it. The refusal comes too late for the
//! credential itself — it has crossed the network — so a live key's owner is told (audit event
//! `api_key_sent_insecurely`, a warning on Profile) to regenerate it. Clients on loopback (scripts
//! on the panel's own machine, tests) keep working over plain HTTP.
use crate::auth::{self, cookie};
use crate::services::api_keys;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use types::error::{AppError, ErrorCode};

/// Server functions that take a password.
const SIGN_IN_PATHS: [&str; 2] = ["/rpc/login", "/rpc/login_code"];

pub async fn require_https_for_credentials(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let client = auth::client_of(request.extensions());
    let local = client.ip.is_none_or(|ip| ip.to_canonical().is_loopback());
    if client.https || local {
        return next.run(request).await;
    }
    let headers = request.headers();
    let authorization = headers.get(header::AUTHORIZATION);
    let carries_credentials = authorization.is_some()
        || cookie::carries_session(headers)
        || SIGN_IN_PATHS.contains(&request.uri().path());
    if !carries_credentials {
        return next.run(request).await;
    }
    if let Some(key) = authorization
        .and_then(|value| crate::domain::bearer::bearer_token(value.to_str().unwrap_or_default()))
        && let Err(err) = api_keys::record_insecure_use(&state.store, key, client.ip).await
    {
        tracing::warn!(error = %err, "could not record a key sent over plain HTTP");
    }
    AppError::new(
        ErrorCode::HttpsRequired,
        "Credentials (API keys, session cookies, passwords) are accepted only over HTTPS: use https:// to reach the panel. \
         If you sent an API key, it crossed the network unencrypted: regenerate it in Profile → API Key.",
    )
    .into_response()
}
