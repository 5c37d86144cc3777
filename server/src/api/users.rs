use super::JsonBody;
use crate::domain::caller::Caller;
use crate::services::db_users;
use crate::state::AppState;
use app::error::{AppError, ErrorBody};
use app::model::{CreateUser, CreatedUser, Grant, SetPassword, SetPrivileges, UserList};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's endpoints, each with its OpenAPI entry; paths are relative to `/api`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(set_password))
        .routes(routes!(delete))
        .routes(routes!(set_privileges, revoke_privileges))
}

/// The caller's database users and their privileges per database.
#[utoipa::path(get, path = "/users", tag = "users", operation_id = "list_users", responses((status = 200, body = UserList)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<UserList>, AppError> {
    Ok(Json(UserList {
        users: db_users::list(&state.mysql_for(&caller).await?, &caller).await?,
    }))
}

/// Creates a user; without `password` a strong one is generated and returned in this response only.
#[utoipa::path(post, path = "/users", tag = "users", operation_id = "create_user", request_body = CreateUser,
    responses(
        (status = 201, body = CreatedUser, links(
            ("SetUserPassword" = (operation_id = "set_user_password", parameters(("name" = "$response.body#/name")))),
            ("DeleteUser" = (operation_id = "delete_user", parameters(("name" = "$response.body#/name")))),
            ("GrantToUser" = (operation_id = "set_privileges", parameters(("user" = "$response.body#/name")))),
        )),
        (status = 409, description = "A database user of that name exists", body = ErrorBody),
        (status = 422, description = "Bad name or password", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<CreateUser>,
) -> Result<(StatusCode, Json<CreatedUser>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(
            db_users::create(
                &state.mysql_for(&caller).await?,
                &state.store,
                &caller,
                &request,
            )
            .await?,
        ),
    ))
}

/// Sets the user's password at every host.
#[utoipa::path(put, path = "/users/{name}/password", tag = "users", operation_id = "set_user_password",
    request_body = SetPassword, params(("name" = String, Path)),
    responses(
        (status = 204, description = "Changed"),
        (status = 404, description = "No such database user in your account", body = ErrorBody),
        (status = 422, description = "Bad password", body = ErrorBody),
    ))]
pub async fn set_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    JsonBody(request): JsonBody<SetPassword>,
) -> Result<StatusCode, AppError> {
    db_users::set_password(
        &state.mysql_for(&caller).await?,
        &state.store,
        &caller,
        &db_users::owned(&caller, &name)?,
        &request.password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the MySQL account at every host it exists for.
#[utoipa::path(delete, path = "/users/{name}", tag = "users", operation_id = "delete_user", params(("name" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 404, description = "No such database user in your account", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, AppError> {
    db_users::delete(
        &state.mysql_for(&caller).await?,
        &state.store,
        &caller,
        &db_users::owned(&caller, &name)?,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets exactly these privileges of the user on the database (`["ALL"]` for all of them).
#[utoipa::path(put, path = "/users/{user}/privileges/{database}", tag = "users", operation_id = "set_privileges",
    request_body = SetPrivileges, params(("user" = String, Path), ("database" = String, Path)),
    responses(
        (status = 200, body = Grant, links(
            ("RevokePrivileges" = (operation_id = "revoke_privileges",
                parameters(("user" = "$response.body#/user"), ("database" = "$response.body#/database")))),
        )),
        (status = 404, description = "No such user or database in your account", body = ErrorBody),
        (status = 422, description = "Unknown or forbidden privilege, or an empty list", body = ErrorBody),
    ))]
pub async fn set_privileges(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, database)): Path<(String, String)>,
    JsonBody(request): JsonBody<SetPrivileges>,
) -> Result<Json<Grant>, AppError> {
    Ok(Json(
        db_users::set_privileges(
            &state.mysql_for(&caller).await?,
            &state.store,
            &caller,
            (&user, &database),
            &request,
        )
        .await?,
    ))
}

/// Revokes everything the user holds on the database.
#[utoipa::path(delete, path = "/users/{user}/privileges/{database}", tag = "users", operation_id = "revoke_privileges",
    params(("user" = String, Path), ("database" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No such user or database in your account", body = ErrorBody)))]
pub async fn revoke_privileges(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, database)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    db_users::revoke_privileges(
        &state.mysql_for(&caller).await?,
        &state.store,
        &caller,
        (&user, &database),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
