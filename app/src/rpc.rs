//! What a server function body starts from (server build only): the panel's state from the
//! Leptos context, the request's client and headers, the signed-in caller. Bodies then call the
//! same `panel_core` services the REST handlers call; `answer` sends a failure's HTTP status.
use crate::error::AppError;
use panel_core::domain::caller::{Caller, ClientInfo};
use panel_core::state::AppState;

/// The request a server function serves.
pub struct Request {
    pub state: AppState,
    pub headers: http::HeaderMap,
    /// Resolved once by the server's outermost middleware (trusted proxies applied).
    pub client: ClientInfo,
}

pub async fn request() -> Result<Request, AppError> {
    let state = leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| AppError::internal("no AppState in the Leptos context"))?;
    let headers: http::HeaderMap = leptos_axum::extract().await.map_err(AppError::internal)?;
    let client = leptos_axum::extract::<axum::Extension<ClientInfo>>()
        .await
        .map(|axum::Extension(client)| client)
        .unwrap_or(ClientInfo {
            ip: None,
            https: false,
        });
    Ok(Request {
        state,
        headers,
        client,
    })
}

/// The signed-in account. Server functions serve the panel's pages: the session cookie only,
/// never a key (the `/rpc` layer refuses `Authorization` already; this keeps it so). A suspended
/// account gets 403 `account_suspended` here, also when a page calls the function while it renders.
pub async fn signed_in() -> Result<(AppState, Caller), AppError> {
    let (state, caller) = signed_in_even_if_suspended().await?;
    if caller.suspended {
        let refusal =
            panel_core::services::suspension::refusal(&state.store, caller.account_id).await;
        return Err(refusal);
    }
    Ok((state, caller))
}

/// `signed_in` for what a suspended customer may still do: read why (Profile, the audit log),
/// keep their sign-in safe (password, sessions, two-factor) and fetch existing backups.
pub async fn signed_in_even_if_suspended() -> Result<(AppState, Caller), AppError> {
    let Request {
        state,
        headers,
        client,
    } = request().await?;
    let caller = panel_core::auth::authenticate_session(&state, &headers, client).await?;
    Ok((state, caller))
}

/// Runs a server function's work and sends a failure's HTTP status (and `Retry-After`) with it,
/// as REST would.
pub async fn answer<T>(work: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = work.await;
    if let Err(err) = &result
        && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
    {
        response.set_status(err.status());
        if let Some(secs) = err.retry_after_secs {
            response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
    }
    result
}

/// Adds a `Set-Cookie` header to the response.
pub fn set_cookie(cookie: &str) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && let Ok(value) = http::HeaderValue::from_str(cookie)
    {
        response.append_header(http::header::SET_COOKIE, value);
    }
}
