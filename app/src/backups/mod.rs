//! The server functions the Backups tab calls, and (in `tab`) the tab itself; the types are
//! `types::backups`, re-exported here.
pub mod tab;

pub use types::backups::*;

use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "list_backups")]
pub async fn list_backups(database: String) -> Result<BackupList, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.list_backups(&req, Some(database)).await)
}

#[server(prefix = "/rpc", endpoint = "create_backup")]
pub async fn create_backup(database: String) -> Result<Backup, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.create_backup(&req, &database).await)
}

#[server(prefix = "/rpc", endpoint = "delete_backup")]
pub async fn delete_backup(id: String) -> Result<(), AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.delete_backup(&req, &id).await)
}

#[server(prefix = "/rpc", endpoint = "restore_backup")]
pub async fn restore_backup(id: String, database: String) -> Result<Job, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(
        backend
            .restore_backup(&req, &id, RestoreRequest { database })
            .await,
    )
}

/// The restores and imports into `database`, newest first.
#[server(prefix = "/rpc", endpoint = "list_jobs")]
pub async fn list_jobs(database: String) -> Result<JobList, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.list_jobs(&req, &database).await)
}

#[server(prefix = "/rpc", endpoint = "get_backup_schedule")]
pub async fn get_backup_schedule(database: String) -> Result<Option<BackupSchedule>, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.get_backup_schedule(&req, &database).await)
}

#[server(prefix = "/rpc", endpoint = "set_backup_schedule")]
pub async fn set_backup_schedule(
    database: String,
    time_utc: String,
    keep: u32,
) -> Result<BackupSchedule, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(
        backend
            .set_backup_schedule(&req, &database, ScheduleRequest { time_utc, keep })
            .await,
    )
}

#[server(prefix = "/rpc", endpoint = "delete_backup_schedule")]
pub async fn delete_backup_schedule(database: String) -> Result<(), AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.delete_backup_schedule(&req, &database).await)
}
