//! Backups, restores, imports and the daily backup schedule. Jobs answer 202 at once and run in
//! the background; poll `GET /api/backups/{id}`, `/api/restores/{id}` or `/api/imports/{id}`.
use super::{JsonBody, QueryParams};
use crate::domain::caller::Caller;
use crate::services::backups::{self, schedule};
use crate::services::databases;
use crate::state::AppState;
use app::backups::{
    Backup, BackupKind, BackupList, BackupSchedule, Job, JobKind, PointInTimeRestore,
    RestoreRequest, RestoreWindow, ScheduleList, ScheduleRequest,
};
use app::error::{AppError, ErrorBody};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's endpoints, each with its OpenAPI entry; paths are relative to `/api`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(list))
        .routes(routes!(get, delete))
        .routes(routes!(download))
        .routes(routes!(restore))
        .routes(routes!(get_restore))
        .routes(routes!(restore_to_point_in_time))
        .routes(routes!(restore_window))
        .routes(routes!(import))
        .routes(routes!(get_import))
        .routes(routes!(list_schedules))
        .routes(routes!(set_schedule, delete_schedule))
}

/// Starts a backup of the database: `mariadb-dump` as the account's own MySQL identity, gzip,
/// with a manifest (rows and checksum of every table, from the dump's own moment).
#[utoipa::path(post, path = "/databases/{name}/backups", tag = "backups", operation_id = "create_backup",
    params(("name" = String, Path)),
    responses(
        (status = 202, body = Backup, links(
            ("GetBackup" = (operation_id = "get_backup", parameters(("id" = "$response.body#/id")))),
            ("DownloadBackup" = (operation_id = "download_backup", parameters(("id" = "$response.body#/id")))),
            ("RestoreBackup" = (operation_id = "restore_backup", parameters(("id" = "$response.body#/id")))),
            ("DeleteBackup" = (operation_id = "delete_backup", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 404, description = "No such database in your account", body = ErrorBody),
        (status = 507, description = "The account's backup storage is full", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<backups::Context>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<Backup>), AppError> {
    let database = databases::owned(&caller, &name)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(backups::create(&state, &caller, &database, BackupKind::Manual).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BackupFilter {
    /// Only the backups of this database.
    pub database: Option<String>,
}

/// The account's backups, newest first.
#[utoipa::path(get, path = "/backups", tag = "backups", operation_id = "list_backups", params(BackupFilter),
    responses(
        (status = 200, body = BackupList),
        (status = 404, description = "No such database in your account", body = ErrorBody),
        (status = 422, description = "A malformed query string (an unknown or repeated parameter)", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<backups::Context>,
    caller: Caller,
    QueryParams(filter): QueryParams<BackupFilter>,
) -> Result<Json<BackupList>, AppError> {
    let database = filter
        .database
        .as_deref()
        .map(|name| databases::owned(&caller, name))
        .transpose()?;
    Ok(Json(BackupList {
        backups: backups::list(&state, &caller, database.as_ref()).await?,
    }))
}

#[utoipa::path(get, path = "/backups/{id}", tag = "backups", operation_id = "get_backup",
    params(("id" = String, Path)),
    responses((status = 200, body = Backup), (status = 404, description = "No such backup in your account", body = ErrorBody)))]
pub async fn get(
    State(state): State<backups::Context>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Backup>, AppError> {
    Ok(Json(backups::get(&state, &caller, &id).await?))
}

/// Deletes the backup and its file.
#[utoipa::path(delete, path = "/backups/{id}", tag = "backups", operation_id = "delete_backup",
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Deleted, file gone"),
        (status = 404, description = "No such backup in your account", body = ErrorBody),
        (status = 409, description = "The backup is still running", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<backups::Context>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    backups::delete(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The backup file (gzip SQL), streamed from disk; `Range` requests resume a broken download.
#[utoipa::path(get, path = "/backups/{id}/download", tag = "backups", operation_id = "download_backup",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The dump, gzip-compressed", content_type = "application/gzip"),
        (status = 206, description = "The requested range", content_type = "application/gzip"),
        (status = 404, description = "No such backup in your account", body = ErrorBody),
        (status = 409, description = "The backup is not completed", body = ErrorBody),
    ))]
pub async fn download(
    State(state): State<backups::Context>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, AppError> {
    let (path, file_name) = backups::file(&state, &caller, &id).await?;
    let mut response = ServeFile::new(path)
        .oneshot(request)
        .await
        .map_err(AppError::internal)?
        .map(Body::new);
    if response.status() == StatusCode::NOT_FOUND {
        return Err(AppError::not_found(format!(
            "The file of backup {id} is missing on the panel's disk."
        )));
    }
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/gzip"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Restores the backup into one of the caller's databases: a new one is created first (the safe
/// default); an existing one has the backup's tables, views and routines replaced.
#[utoipa::path(post, path = "/backups/{id}/restore", tag = "backups", operation_id = "restore_backup",
    params(("id" = String, Path)), request_body = RestoreRequest,
    responses(
        (status = 202, body = Job, links(
            ("GetRestore" = (operation_id = "get_restore", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 404, description = "No such backup or database in your account", body = ErrorBody),
        (status = 409, description = "The backup is not completed", body = ErrorBody),
        (status = 422, description = "Not a valid database name", body = ErrorBody),
    ))]
pub async fn restore(
    State(state): State<backups::Context>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<RestoreRequest>,
) -> Result<(StatusCode, Json<Job>), AppError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(backups::restore(&state, &caller, &id, request).await?),
    ))
}

/// Restores the database as it was at a second: its last full backup that finished before then,
/// and the changes its server's binary log archive holds from that backup up to and including the
/// second, applied as the account's own MySQL identity. Into a new database by default
/// (`<name>_<yyyymmddhhmmss>`); into the database itself only with `confirm` set to its name.
#[utoipa::path(post, path = "/databases/{name}/restores", tag = "backups", operation_id = "restore_to_point_in_time",
    params(("name" = String, Path)), request_body = PointInTimeRestore,
    responses(
        (status = 202, body = Job, links(
            ("GetRestore" = (operation_id = "get_restore", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 404, description = "No such database in your account, and no backup of one by that name", body = ErrorBody),
        (status = 409, description = "point_in_time_unavailable: the server writes no binary log, the second is still to come or the archive does not reach it yet, or no full backup before it", body = ErrorBody),
        (status = 422, description = "Not an RFC 3339 time, not a valid database name, or restoring over the database without `confirm`", body = ErrorBody),
    ))]
pub async fn restore_to_point_in_time(
    State(state): State<backups::Context>,
    caller: Caller,
    Path(name): Path<String>,
    JsonBody(request): JsonBody<PointInTimeRestore>,
) -> Result<(StatusCode, Json<Job>), AppError> {
    let source = databases::owned(&caller, &name)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(backups::point_in_time::restore(&state, &caller, &source, request).await?),
    ))
}

/// The seconds the database can be restored to: from its oldest full backup that the binary log
/// archive reaches back to, up to what the archive holds now (or why there are none).
#[utoipa::path(get, path = "/databases/{name}/restore-window", tag = "backups", operation_id = "get_restore_window",
    params(("name" = String, Path)),
    responses(
        (status = 200, body = RestoreWindow),
        (status = 404, description = "No such database in your account, and no backup of one by that name (a dropped database keeps its window while a backup of it is kept)", body = ErrorBody),
    ))]
pub async fn restore_window(
    State(state): State<backups::Context>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<RestoreWindow>, AppError> {
    let source = databases::owned(&caller, &name)?;
    Ok(Json(
        backups::point_in_time::window(&state, &caller, &source).await?,
    ))
}

#[utoipa::path(get, path = "/restores/{id}", tag = "backups", operation_id = "get_restore",
    params(("id" = String, Path)),
    responses((status = 200, body = Job), (status = 404, description = "No such restore in your account", body = ErrorBody)))]
pub async fn get_restore(
    State(state): State<backups::Context>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Job>, AppError> {
    Ok(Json(
        backups::job_of(&state, &caller, &id, JobKind::Restore).await?,
    ))
}

/// Imports a `.sql` or `.sql.gz` file (the raw request body, gzip recognised by its first bytes)
/// into the database, as the account's own MySQL identity. The body is stored first, then the
/// job runs; a failing statement is reported with its line and MariaDB's message.
#[utoipa::path(post, path = "/databases/{name}/imports", tag = "backups", operation_id = "import_sql",
    params(("name" = String, Path)),
    request_body(content = Vec<u8>, description = "The SQL file, plain or gzip (any content type is accepted)",
        content_type = "application/octet-stream"),
    responses(
        (status = 202, body = Job, links(
            ("GetImport" = (operation_id = "get_import", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 404, description = "No such database in your account", body = ErrorBody),
        (status = 408, description = "The upload sent nothing for 30 s (request_timeout); nothing was kept", body = ErrorBody),
        (status = 413, description = "Larger than the import limit (2 GiB by default)", body = ErrorBody),
        (status = 422, description = "An empty file", body = ErrorBody),
        (status = 429, description = "Two uploads of the account are being received already (rate_limited)", body = ErrorBody),
        (status = 507, description = "The account's quota (quota_exceeded) has no room: completed backups, queued imports and uploads in progress all count", body = ErrorBody),
    ))]
pub async fn import(
    State(state): State<backups::Context>,
    caller: Caller,
    Path(name): Path<String>,
    request: Request,
) -> Result<(StatusCode, Json<Job>), AppError> {
    let database = databases::owned(&caller, &name)?;
    databases::find(&state.mysql_for(&caller).await?, &database).await?;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let upload = backups::uploads::receive(&state, &caller, declared, request.into_body()).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(backups::import(&state, &caller, database, upload).await?),
    ))
}

#[utoipa::path(get, path = "/imports/{id}", tag = "backups", operation_id = "get_import",
    params(("id" = String, Path)),
    responses((status = 200, body = Job), (status = 404, description = "No such import in your account", body = ErrorBody)))]
pub async fn get_import(
    State(state): State<backups::Context>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Job>, AppError> {
    Ok(Json(
        backups::job_of(&state, &caller, &id, JobKind::Import).await?,
    ))
}

/// Every daily backup schedule of the account (a database without one is not listed).
#[utoipa::path(get, path = "/backup-schedules", tag = "backups", operation_id = "list_backup_schedules",
    responses((status = 200, body = ScheduleList)))]
pub async fn list_schedules(
    State(state): State<backups::Context>,
    caller: Caller,
) -> Result<Json<ScheduleList>, AppError> {
    Ok(Json(ScheduleList {
        schedules: schedule::list(&state, &caller).await?,
    }))
}

/// A daily backup at `time_utc`, keeping the newest `keep` scheduled backups (older ones are
/// deleted; backups made on demand are kept until deleted).
#[utoipa::path(put, path = "/databases/{name}/backup-schedule", tag = "backups", operation_id = "set_backup_schedule",
    params(("name" = String, Path)), request_body = ScheduleRequest,
    responses(
        (status = 200, body = BackupSchedule),
        (status = 404, description = "No such database in your account", body = ErrorBody),
        (status = 422, description = "time_utc not HH:MM, or keep not 1–365", body = ErrorBody),
    ))]
pub async fn set_schedule(
    State(state): State<backups::Context>,
    caller: Caller,
    Path(name): Path<String>,
    JsonBody(request): JsonBody<ScheduleRequest>,
) -> Result<Json<BackupSchedule>, AppError> {
    let database = databases::owned(&caller, &name)?;
    Ok(Json(
        schedule::set(&state, &caller, &database, &request).await?,
    ))
}

#[utoipa::path(delete, path = "/databases/{name}/backup-schedule", tag = "backups", operation_id = "delete_backup_schedule",
    params(("name" = String, Path)),
    responses((status = 204, description = "Removed (or there was none)"), (status = 404, description = "No such database in your account", body = ErrorBody)))]
pub async fn delete_schedule(
    State(state): State<backups::Context>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, AppError> {
    let database = databases::owned(&caller, &name)?;
    schedule::delete(&state, &caller, &database).await?;
    Ok(StatusCode::NO_CONTENT)
}
