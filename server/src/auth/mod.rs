//! Who is calling: a Bearer API key or the session cookie. Both yield the same `Caller`.
pub mod api_limit;
pub mod client;
pub mod cookie;
pub mod csrf;
pub mod rate_limit;
pub mod transport;

use crate::services::{api_keys, sessions};
use crate::state::AppState;
use app::backend::ClientInfo;
use app::error::AppError;
use app::validate::Prefix;
use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, header, request::Parts};
use std::net::IpAddr;

/// An authenticated account, and how it authenticated (for the audit log).
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: i64,
    pub prefix: Prefix,
    pub actor: Actor,
    /// The client's address (trusted proxies applied); `None` for the panel's own jobs.
    pub ip: Option<IpAddr>,
    /// The browser session the request came with (`None` for API keys and the panel itself).
    pub session: Option<i64>,
}

/// Who acted on the account's behalf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Session,
    /// The key as the Profile page shows it (`nbg_…abcd`), never the key itself.
    ApiKey {
        masked: String,
    },
    /// The operator's command line.
    Cli,
    /// The panel itself (reconciliation, start-up).
    System,
    /// Not signed in (a failed sign-in).
    Anonymous,
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Self::Session => "session".into(),
            Self::ApiKey { masked } => format!("api_key {masked}"),
            Self::Cli => "cli".into(),
            Self::System => "system".into(),
            Self::Anonymous => "anonymous".into(),
        }
    }
}

impl Caller {
    /// The panel acting for an account on its own (reconciliation).
    pub fn system(account_id: i64, prefix: Prefix) -> Self {
        Self {
            account_id,
            prefix,
            actor: Actor::System,
            ip: None,
            session: None,
        }
    }
}

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

/// The credentials of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 9110).
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
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

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
    }
}
