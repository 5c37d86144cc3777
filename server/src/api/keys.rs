//! Reporting an exposed API key: anyone who finds one (in a public repository, a log) can kill it.
use super::JsonBody;
use crate::domain::caller::ClientInfo;
use crate::services::api_keys;
use crate::state::AppState;
use app::error::{AppError, ErrorBody};
use app::model::{RevocationReceived, RevokeKey};
use axum::Json;
use axum::extract::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's endpoints, each with its OpenAPI entry; paths are relative to `/api`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(revoke))
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
