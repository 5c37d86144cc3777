//! The account's panel password and browser sessions.
use super::JsonBody;
use crate::domain::caller::Caller;
use crate::services::{security, sessions};
use crate::state::AppState;
use app::error::{AppError, ErrorBody};
use app::security::{ChangePassword, SessionList, SignedOut};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's endpoints, each with its OpenAPI entry; paths are relative to `/api`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(change_password))
        .routes(routes!(list_sessions, revoke_other_sessions))
        .routes(routes!(revoke_session))
}

/// Changes the panel password (needs the current one and a signed-in session: an API key gets
/// 403). The session that asks stays signed in; every other session of the account is signed out.
#[utoipa::path(put, path = "/account/password", tag = "account", operation_id = "change_password",
    request_body = ChangePassword,
    responses(
        (status = 200, body = SignedOut),
        (status = 403, description = "Wrong current password, or not a browser session", body = ErrorBody),
        (status = 422, description = "The new password is too short or too long (8 to 128 characters)", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords; try again later", body = ErrorBody),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<ChangePassword>,
) -> Result<Json<SignedOut>, AppError> {
    Ok(Json(
        security::change_password(&state.store, &state.login_limiter, &caller, &request).await?,
    ))
}

/// The account's live browser sessions, newest first; `current` is the one this request came with.
#[utoipa::path(get, path = "/account/sessions", tag = "account", operation_id = "list_sessions",
    responses((status = 200, body = SessionList)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SessionList>, AppError> {
    Ok(Json(sessions::list(&state.store, &caller).await?))
}

/// Signs out one session (the caller's own included).
#[utoipa::path(delete, path = "/account/sessions/{id}", tag = "account", operation_id = "revoke_session",
    params(("id" = i64, Path)),
    responses((status = 204, description = "Signed out"), (status = 404, description = "No such session in your account", body = ErrorBody)))]
pub async fn revoke_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::not_found(format!("No session {id} in your account.")))?;
    security::revoke_session(&state.store, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs out every other session of the account (all of them when called with an API key).
#[utoipa::path(delete, path = "/account/sessions", tag = "account", operation_id = "revoke_other_sessions",
    responses((status = 200, body = SignedOut)))]
pub async fn revoke_other_sessions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SignedOut>, AppError> {
    Ok(Json(
        security::revoke_other_sessions(&state.store, &caller).await?,
    ))
}
