//! Who is calling: a Bearer API key or the session cookie. Both yield the same `Caller`.
pub mod api_limit;
pub mod client;
pub mod cookie;
pub mod csrf;
pub mod sign_in;
pub mod transport;

use crate::domain::bearer::bearer_token;
use crate::domain::caller::Caller;
use crate::domain::caller::ClientInfo;
use crate::services::{api_keys, sessions};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, header, request::Parts};
use types::error::AppError;

/// An `Authorization` header, when present, decides alone (a bad key is 401 even with a valid
/// cookie). Keys in the query string are never looked at: URLs end up in logs and histories.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    client: ClientInfo,
) -> Result<Caller, AppError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let key = bearer_token(value.to_str().unwrap_or_default()).ok_or_else(|| {
            AppError::unauthorized("Use the header Authorization: Bearer <API key>.")
        })?;
        return api_keys::authenticate(&state.store, &state.store_cache, key, client.ip).await;
    }
    authenticate_session(state, headers, client)
        .await
        .map_err(|_| AppError::unauthorized("Sign in, or send Authorization: Bearer <API key>."))
}

/// The session cookie alone (server functions, pages): an API key is not a browser session.
pub async fn authenticate_session(
    state: &AppState,
    headers: &HeaderMap,
    client: ClientInfo,
) -> Result<Caller, AppError> {
    let caller = match cookie::session_token(headers, client.https) {
        Some(token) => sessions::caller(&state.store, token, client.ip).await?,
        None => None,
    };
    let caller = caller.ok_or_else(|| {
        AppError::unauthorized("Sign in first: your session has ended or was never opened.")
    })?;
    Ok(Caller {
        ip: client.ip,
        ..caller
    })
}

/// The client as `client::resolve` found it (address after trusted proxies, and https).
pub fn client_of(extensions: &axum::http::Extensions) -> ClientInfo {
    extensions
        .get::<ClientInfo>()
        .copied()
        .unwrap_or(ClientInfo {
            ip: None,
            https: false,
        })
}

/// REST handlers take a `Caller` argument to require authentication. The API's rate-limit layer
/// has usually authenticated already and left the caller in the request's extensions.
impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        authenticate(state, &parts.headers, client_of(&parts.extensions)).await
    }
}
