//! Page loads without a session go to the sign-in page, and come back after it.
use crate::auth::cookie;
use crate::services::sessions;
use crate::state::AppState;
use app::validate::encode_query_value;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Paths that are not pages, or are public pages.
fn is_public(path: &str) -> bool {
    ["/api/", "/rpc/", "/pkg/"].iter().any(|p| path.starts_with(p))
        || path == "/healthz"
        || path == "/metrics"
        || path == "/login"
        || path == "/login/code"
        // Static assets from public/ (favicon.ico, …).
        || crate::assets::names_a_file(path)
}

/// The pages a suspended account may still open (the rest redirect to Profile).
const OPEN_WHILE_SUSPENDED: [&str; 2] = ["/profile", "/activity"];

pub async fn require_session(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::GET || is_public(request.uri().path()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let client = crate::auth::client_of(&parts.extensions);
    let signed_in = match cookie::session_token(&parts.headers, client.https) {
        Some(token) => sessions::caller(&state.store, token, client.ip)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    if let Some(caller) = signed_in {
        // A suspended account's other pages would only show refusals: Profile says why.
        if caller.suspended && !OPEN_WHILE_SUSPENDED.contains(&parts.uri.path()) {
            return Redirect::to("/profile").into_response();
        }
        return next.run(Request::from_parts(parts, body)).await;
    }
    let here = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    let target = if here == "/" {
        "/login".to_owned()
    } else {
        format!("/login?next={}", encode_query_value(here))
    };
    Redirect::to(&target).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pages_need_a_session() {
        for public in [
            "/login",
            "/healthz",
            "/metrics",
            "/api/databases",
            "/rpc/login",
            "/pkg/app.wasm",
            "/favicon.ico",
        ] {
            assert!(is_public(public), "{public}");
        }
        for page in ["/", "/profile", "/databases/acme_shop"] {
            assert!(!is_public(page), "{page}");
        }
    }
}
