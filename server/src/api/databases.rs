use super::JsonBody;
use crate::domain::caller::Caller;
use crate::services::databases;
use crate::state::AppState;
use app::error::{AppError, ErrorBody};
use app::model::{CreateDatabase, Database, DatabaseDetail, DatabaseList};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's endpoints, each with its OpenAPI entry; paths are relative to `/api`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, delete))
}

/// The caller's databases (`<prefix>_…`) on the managed server, with size and table count.
#[utoipa::path(get, path = "/databases", tag = "databases", operation_id = "list_databases",
    responses((status = 200, body = DatabaseList)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<DatabaseList>, AppError> {
    Ok(Json(DatabaseList {
        databases: databases::list(
            &state.mysql_for(&caller).await?,
            (&state.store, &state.store_cache),
            &caller,
        )
        .await?,
    }))
}

/// Creates `<prefix>_…` (default utf8mb4 with the server's default utf8mb4 collation).
#[utoipa::path(post, path = "/databases", tag = "databases", operation_id = "create_database", request_body = CreateDatabase,
    responses(
        (status = 201, body = Database, links(
            ("GetDatabase" = (operation_id = "get_database", parameters(("name" = "$response.body#/name")))),
            ("DeleteDatabase" = (operation_id = "delete_database", parameters(("name" = "$response.body#/name")))),
            ("GrantOnDatabase" = (operation_id = "set_privileges", parameters(("database" = "$response.body#/name")))),
        )),
        (status = 409, description = "A database of that name exists", body = ErrorBody),
        (status = 422, description = "Bad name, unknown character set or collation", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<CreateDatabase>,
) -> Result<(StatusCode, Json<Database>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(
            databases::create(
                &state.mysql_for(&caller).await?,
                &state.store,
                &caller,
                &request,
            )
            .await?,
        ),
    ))
}

/// The database with its tables and the users that hold privileges on it.
#[utoipa::path(get, path = "/databases/{name}", tag = "databases", operation_id = "get_database",
    params(("name" = String, Path)),
    responses((status = 200, body = DatabaseDetail), (status = 404, description = "No such database in your account", body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<DatabaseDetail>, AppError> {
    let name = databases::owned(&caller, &name)?;
    Ok(Json(
        databases::get(
            &state.mysql_for(&caller).await?,
            &caller,
            &name,
            state.connection_info(&caller).await?,
        )
        .await?,
    ))
}

/// Drops the database and every grant on it.
#[utoipa::path(delete, path = "/databases/{name}", tag = "databases", operation_id = "delete_database",
    params(("name" = String, Path)),
    responses((status = 204, description = "Dropped"), (status = 404, description = "No such database in your account", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, AppError> {
    databases::delete(
        &state.mysql_for(&caller).await?,
        &state.store,
        &caller,
        &databases::owned(&caller, &name)?,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
