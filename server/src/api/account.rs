use crate::domain::caller::Caller;
use crate::services::accounts;
use crate::state::AppState;
use app::error::AppError;
use app::model::Account;
use axum::Json;
use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's endpoints, each with its OpenAPI entry; paths are relative to `/api`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get))
}

/// The caller's account and the masked form of its API key.
#[utoipa::path(get, path = "/account", tag = "account", operation_id = "get_account",
    responses((status = 200, body = Account)))]
pub async fn get(State(state): State<AppState>, caller: Caller) -> Result<Json<Account>, AppError> {
    Ok(Json(accounts::view(&state.store, caller.account_id).await?))
}
