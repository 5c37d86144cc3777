//! Who the client is, resolved once per request (`config::TrustedProxies` decides whose
//! forwarding headers count).
use crate::domain::caller::ClientInfo;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;

/// Outermost middleware: resolves the client once and stores it in the request's extensions.
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let client = match peer {
        Some(peer) => state
            .trusted_proxies
            .client(peer, request.headers(), state.tls),
        None => ClientInfo {
            ip: None,
            https: state.tls,
        },
    };
    request.extensions_mut().insert(client);
    next.run(request).await
}
