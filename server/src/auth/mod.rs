//! Who is calling: a Bearer API key or the session cookie. Both yield the same `Caller`.
pub mod cookie;
pub mod csrf;
pub mod rate_limit;

use crate::services::{api_keys, sessions};
use crate::state::AppState;
use app::error::AppError;
use app::validate::Prefix;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{HeaderMap, header, request::Parts};
use std::net::{IpAddr, SocketAddr};

/// An authenticated account.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: i64,
    pub prefix: Prefix,
}

/// An `Authorization` header, when present, decides alone (a bad key is 401 even with a valid
/// cookie). Keys in the query string are never looked at: URLs end up in logs and histories.
pub async fn authenticate(state: &AppState, headers: &HeaderMap, peer_ip: Option<IpAddr>) -> Result<Caller, AppError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let key = bearer_token(value.to_str().unwrap_or_default())
            .ok_or_else(|| AppError::unauthorized("Use the header Authorization: Bearer <API key>."))?;
        return api_keys::authenticate(&state.store, key, peer_ip).await;
    }
    match cookie::session_token(headers) {
        Some(token) => sessions::caller(&state.store, token).await?,
        None => None,
    }
    .ok_or_else(|| AppError::unauthorized("Sign in, or send Authorization: Bearer <API key>."))
}

/// The credentials of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 9110).
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

pub fn peer_ip(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip())
}

/// REST handlers take a `Caller` argument to require authentication.
impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        authenticate(state, &parts.headers, peer_ip(parts)).await
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
