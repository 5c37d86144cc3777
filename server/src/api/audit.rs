use super::QueryParams;
use crate::domain::caller::Caller;
use crate::services::audit;
use crate::state::AppState;
use app::activity::AuditPage;
use app::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's endpoints, each with its OpenAPI entry; paths are relative to `/api`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next` cursor of the previous page; omit it (or leave it empty) for the newest events.
    #[param(pattern = "^([1-9][0-9]{0,17})?$")]
    before: Option<String>,
    /// Events per page, 1–100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The account's audit log, newest first: sign-ins, key changes, and every change to databases,
/// users, privileges and the whitelist, with the actor (session or masked API key) and source IP.
#[utoipa::path(get, path = "/audit", tag = "audit", params(PageQuery),
    responses((status = 200, body = AuditPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<AuditPage>, AppError> {
    Ok(Json(
        audit::page(&state.store, &caller, query.before.as_deref(), query.limit).await?,
    ))
}
