use super::JsonBody;
use crate::domain::caller::Caller;
use crate::services::whitelist;
use crate::state::AppState;
use app::error::{AppError, ErrorBody};
use app::model::{NewWhitelistEntry, Whitelist, WhitelistEntry};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's endpoints, each with its OpenAPI entry; paths are relative to `/api`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(remove))
}

/// Hosts (besides localhost) from which the account's database users may connect.
#[utoipa::path(get, path = "/whitelist", tag = "whitelist", operation_id = "list_whitelist", responses((status = 200, body = Whitelist)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Whitelist>, AppError> {
    Ok(Json(Whitelist {
        entries: whitelist::list(&state.store, &caller).await?,
    }))
}

/// Adds a host; every database user gets an account there, with the same password and grants.
#[utoipa::path(post, path = "/whitelist", tag = "whitelist", operation_id = "add_whitelist_entry", request_body = NewWhitelistEntry,
    responses(
        (status = 201, body = WhitelistEntry, links(
            ("RemoveWhitelistEntry" = (operation_id = "remove_whitelist_entry", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 409, description = "The host is already on the whitelist, or is 127.0.0.1 or ::1 (always allowed)", body = ErrorBody),
        (status = 422, description = "Bad host or note, or the whitelist is full (100 entries)", body = ErrorBody),
    ))]
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<NewWhitelistEntry>,
) -> Result<(StatusCode, Json<WhitelistEntry>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(
            whitelist::add(
                &state.store,
                &state.mysql_for(&caller).await?,
                &caller,
                &request,
            )
            .await?,
        ),
    ))
}

/// Removes a host; the users' accounts at that host are dropped at once.
#[utoipa::path(delete, path = "/whitelist/{id}", tag = "whitelist", operation_id = "remove_whitelist_entry",
    params(("id" = i64, Path)),
    responses((status = 204, description = "Removed"), (status = 404, description = "No such entry in your account", body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::not_found(format!("No whitelist entry {id} in your account.")))?;
    whitelist::remove(&state.store, &state.mysql_for(&caller).await?, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
