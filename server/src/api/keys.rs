//! The account's API key: issuing the next one from a browser session, with its policy, and
//! reporting an exposed one (anyone who finds one in a public repository or a log can kill it).
use super::JsonBody;
use crate::domain::caller::{Caller, ClientInfo};
use crate::services::{api_keys, security};
use crate::state::AppState;
use app::error::{AppError, ErrorBody};
use app::model::{NewApiKey, RevocationReceived, RevokeKey};
use axum::Json;
use axum::extract::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use types::key_policy::KeyOptions;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's endpoints, each with its OpenAPI entry; paths are relative to `/api`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(regenerate))
        .routes(routes!(revoke))
}

/// Issues the account's next API key with its policy (every field optional: today's key); the
/// current key stops working at once. From a signed-in browser session only — a key cannot issue
/// its successor (403) — and, with two-factor on, a sign-in of the last 10 minutes.
#[utoipa::path(post, path = "/keys", tag = "account", operation_id = "regenerate_api_key",
    request_body = KeyOptions,
    responses(
        (status = 201, body = NewApiKey),
        (status = 403, description = "Not a browser session, or two-factor on and the sign-in older than 10 minutes", body = ErrorBody),
        (status = 422, description = "An expiry that is not a future RFC 3339 time, a network that does not parse, more than 20 networks, or unused days outside 1-3650", body = ErrorBody),
    ))]
pub async fn regenerate(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(options): JsonBody<KeyOptions>,
) -> Result<(StatusCode, Json<NewApiKey>), AppError> {
    if caller.session.is_none() {
        return Err(AppError::forbidden(
            "A new API key is issued from a signed-in browser session (Profile) or by the operator \
             (`nobregas-panel key regenerate`): a key cannot issue its successor.",
        ));
    }
    let new = security::regenerate_api_key(&state.store, &caller, &options).await?;
    Ok((StatusCode::CREATED, Json(new)))
}

/// Revokes the key if it is valid; no authentication. The answer is the same 202 whatever was sent
/// (a live key, an old one, a typo), so it cannot be used to test keys; requests are limited per IP.
/// The owner sees the revocation on the Profile page and in the audit log.
#[utoipa::path(post, path = "/keys/revoke", tag = "account", operation_id = "revoke_exposed_key",
    request_body = RevokeKey,
    security(()),
    responses(
        (status = 202, body = RevocationReceived),
        (status = 422, description = "The body is not an object with a string `key`", body = ErrorBody),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    client: Option<Extension<ClientInfo>>,
    JsonBody(request): JsonBody<RevokeKey>,
) -> Result<(StatusCode, Json<RevocationReceived>), AppError> {
    api_keys::revoke_reported(
        &state.store,
        &request.key,
        client.and_then(|Extension(client)| client.ip),
    )
    .await?;
    let message =
        "Thank you. If this was a valid key, it no longer works and its owner has been told."
            .to_owned();
    Ok((StatusCode::ACCEPTED, Json(RevocationReceived { message })))
}
