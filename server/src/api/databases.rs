use crate::auth::Caller;
use crate::services::databases;
use crate::state::AppState;
use app::error::{AppError, ErrorBody};
use app::model::DatabaseList;
use axum::Json;
use axum::extract::State;

/// The caller's databases (`<prefix>_…`) on the managed server, with size and table count.
#[utoipa::path(get, path = "/api/databases", tag = "databases",
    responses((status = 200, body = DatabaseList), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<DatabaseList>, AppError> {
    Ok(Json(DatabaseList { databases: databases::list(&state.mysql, &caller.prefix).await? }))
}
