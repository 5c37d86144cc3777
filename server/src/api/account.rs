use crate::domain::caller::Caller;
use crate::services::{accounts, usage};
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

/// The caller's account, the masked form of its API key, its plan and what it uses of it
/// (storage as last measured in the background: `usage.storage_measured_at`).
#[utoipa::path(get, path = "/account", tag = "account", operation_id = "get_account",
    responses((status = 200, body = Account)))]
pub async fn get(State(state): State<AppState>, caller: Caller) -> Result<Json<Account>, AppError> {
    // The counts of users and databases ask the account's server; the account itself must stay
    // readable while that server is down (`usage` is left out then).
    let used = match state.mysql_for(&caller).await {
        Ok(mysql) => usage::of_account(&state.store, &state.store_cache, &mysql, &caller).await,
        Err(err) => Err(err),
    };
    let used = used
        .inspect_err(|err| tracing::warn!(error = %err, "GET /api/account without usage"))
        .ok();
    Ok(Json(Account {
        plan: Some(usage::plan_of(&state.store, caller.account_id).await?),
        usage: used,
        ..accounts::view(&state.store, caller.account_id).await?
    }))
}
