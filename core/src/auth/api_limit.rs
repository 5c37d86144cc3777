//! Request limits on the REST API: per account for authenticated callers (the API key, or the
//! session), per client IP for everything else, each a GCRA bucket from `governor`. Every API
//! answer says where the caller stands (`RateLimit-Limit`, `-Remaining`, `-Reset`); beyond the
//! limit it is 429 with `Retry-After`. In memory and per process.
use crate::auth;
use crate::domain::caller::Caller;
use crate::limits::buckets::Standing;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use types::error::{AppError, ErrorCode};

fn set_headers(headers: &mut HeaderMap, limit: u32, remaining: u32, reset_secs: u64) {
    headers.insert("ratelimit-limit", HeaderValue::from(limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(reset_secs));
}

/// `/api` layer: authenticates once (the handler's `Caller` reuses it), charges the caller's
/// bucket, and stamps the answer. Unauthenticated requests (and bad keys) count per IP.
pub async fn limit(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let client = auth::client_of(request.extensions());
    let client_ip = client.ip;
    let authenticated = auth::authenticate(&state, request.headers(), client).await;
    // A key refused for its policy (expired, or sent from outside its networks) is answered so
    // here, once: the handler would otherwise authenticate again and record the refusal twice.
    if let Err(err) = &authenticated
        && matches!(
            err.code,
            ErrorCode::ApiKeyExpired | ErrorCode::ApiKeyNetwork
        )
    {
        state.metrics.key_authentication(false);
        let _ = state.api_limits.check_ip(client_ip);
        return err.clone().into_response();
    }
    let caller = authenticated.ok();
    if request
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION)
    {
        state.metrics.key_authentication(caller.is_some());
    }
    let (checked, limit) = match &caller {
        Some(caller) => (
            state.api_limits.check_account(caller.account_id),
            state.api_limits.account_limit,
        ),
        None => (
            state.api_limits.check_ip(client_ip),
            state.api_limits.ip_limit,
        ),
    };
    match checked {
        Ok(Standing {
            limit,
            remaining,
            reset_secs,
        }) => {
            let account = caller.as_ref().map(|caller| caller.account_id);
            if let Some(caller) = &caller
                && caller.suspended
                && !open_while_suspended(request.method(), request.uri().path())
            {
                let refusal =
                    crate::services::suspension::refusal(&state.store, caller.account_id).await;
                let mut response = refusal.into_response();
                set_headers(response.headers_mut(), limit, remaining, reset_secs);
                return response;
            }
            if let Some(caller) = &caller
                && caller.read_only()
                && changes_something(request.method(), request.uri().path())
                && !runs_read_only(request.uri().path())
            {
                let mut response = AppError::new(
                    ErrorCode::ApiKeyReadOnly,
                    "This API key is read-only: it cannot change anything. Use a full-access key, or the panel.",
                )
                .into_response();
                set_headers(response.headers_mut(), limit, remaining, reset_secs);
                return response;
            }
            if let Some(account_id) = account
                && changes_something(request.method(), request.uri().path())
                && crate::services::moves::is_moving(&state.store, account_id)
                    .await
                    .unwrap_or(false)
            {
                let mut response = crate::services::moves::moving_refusal().into_response();
                set_headers(response.headers_mut(), limit, remaining, reset_secs);
                return response;
            }
            if let Some(caller) = caller {
                request.extensions_mut().insert::<Caller>(caller);
            }
            let mut response = next.run(request).await;
            if let Some(account_id) = account
                .filter(|_| response.extensions().get() == Some(&ErrorCode::MysqlUnavailable))
            {
                // Which server failed: the account's (its placement is cached, no store trip).
                if let Ok(server) = state.fleet.for_account(&state.store, account_id).await {
                    state.metrics.mysql_unavailable(&server.name);
                }
            }
            set_headers(response.headers_mut(), limit, remaining, reset_secs);
            response
        }
        Err(err) => {
            let retry = err.retry_after_secs.unwrap_or(1);
            let mut response = err.into_response();
            set_headers(response.headers_mut(), limit.get(), 0, retry);
            response
        }
    }
}

/// What a suspended account's key or session may still do under `/api` (the path as the nested
/// router sees it): read the account and its audit log, keep its sign-in safe, list and download
/// existing backups. Server functions (`/rpc/…`) decide for themselves (`app::rpc::signed_in`),
/// because pages also call them while they render, without a request of their own.
fn open_while_suspended(method: &axum::http::Method, path: &str) -> bool {
    use axum::http::Method;
    if path.starts_with("/rpc/") {
        return true;
    }
    let path = path.strip_prefix("/api").unwrap_or(path);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(
        (method, segments.as_slice()),
        (
            &Method::GET,
            ["account"] | ["audit"] | ["backups"] | ["backups", _] | ["backups", _, "download"]
        ) | (&Method::PUT, ["account", "password"])
            | (&Method::GET | &Method::DELETE, ["account", "sessions"])
            | (&Method::DELETE, ["account", "sessions", _])
    )
}

/// While an account moves to another server, requests that change something wait (423); reads
/// of the panel's own data and of the databases go on, and so do signing out and cancelling.
/// Server functions are all POSTs: their names say which only read.
/// The query endpoints: a read-only key's SQL runs as the account's read-only identity
/// (`services::queries::identity`), so MariaDB, not this layer, refuses its writes.
/// (The layer sits inside `/api`, so it sees paths without it.)
fn runs_read_only(path: &str) -> bool {
    path.strip_prefix("/databases/").is_some_and(|rest| {
        rest.split_once('/')
            .is_some_and(|(_, tail)| matches!(tail, "query" | "query/export"))
    })
}

fn changes_something(method: &axum::http::Method, path: &str) -> bool {
    if let Some(endpoint) = path.strip_prefix("/rpc/") {
        let reads = ["list_", "get_"]
            .iter()
            .any(|verb| endpoint.starts_with(verb))
            || matches!(
                endpoint,
                "my_ip" | "mysql_status" | "logout" | "cancel_query"
            );
        return !reads;
    }
    !matches!(
        *method,
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    ) && !path.ends_with("/cancel")
}

/// `/rpc/*` layer: server functions are for the panel's own pages. A request with
/// `Authorization` is refused (401 `session_required`) before any server function runs — a leaked
/// key must never reach what only a browser session may do, such as minting the next key — and
/// everything else is limited exactly like `/api` (per account, or per IP before sign-in).
pub async fn limit_server_functions(
    state: State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/rpc/") {
        return next.run(request).await;
    }
    if request
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION)
    {
        return AppError::new(
            ErrorCode::SessionRequired,
            "Server functions (/rpc) are for the panel's own pages and need a signed-in browser session. \
             Scripts use the REST API under /api with the key.",
        )
        .into_response();
    }
    let response = limit(state, request, next).await;
    if response.status() == axum::http::StatusCode::INTERNAL_SERVER_ERROR {
        return status_from_code(response).await;
    }
    response
}

/// A server function whose arguments do not decode fails before its body can set a status, and
/// leptos_axum answers 500 for any error without one: the status follows the error's own code
/// (a body that is not the function's JSON is 400 `bad_request`, not the panel's fault).
async fn status_from_code(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return AppError::new(ErrorCode::Internal, "The answer could not be read.").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status();
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::open_while_suspended;
    use axum::http::Method;

    #[test]
    fn only_the_query_endpoints_run_read_only() {
        assert!(super::runs_read_only("/databases/acme_shop/query"));
        assert!(super::runs_read_only("/databases/acme_shop/query/export"));
        assert!(!super::runs_read_only("/databases/acme_shop"));
        assert!(!super::runs_read_only("/databases/acme_shop/backups"));
        assert!(!super::runs_read_only("/databases/acme_shop/query/other"));
        assert!(!super::runs_read_only("/databases"));
    }

    #[test]
    fn a_suspended_account_keeps_only_reading_why_its_sign_in_and_its_backups() {
        for (method, path) in [
            (Method::GET, "/account"),
            (Method::GET, "/audit"),
            (Method::GET, "/backups"),
            (Method::GET, "/backups/b1"),
            (Method::GET, "/backups/b1/download"),
            (Method::PUT, "/account/password"),
            (Method::DELETE, "/account/sessions/3"),
            (Method::POST, "/rpc/get_account"),
        ] {
            assert!(open_while_suspended(&method, path), "{method} {path}");
        }
        for (method, path) in [
            (Method::GET, "/databases"),
            (Method::POST, "/databases"),
            (Method::DELETE, "/backups/b1"),
            (Method::POST, "/backups/b1/restore"),
            (Method::POST, "/databases/acme_shop/query"),
            (Method::GET, "/users"),
            (Method::GET, "/whitelist"),
        ] {
            assert!(!open_while_suspended(&method, path), "{method} {path}");
        }
    }
}
