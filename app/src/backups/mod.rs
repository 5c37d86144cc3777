//! The server functions the Backups tab calls, and (in `tab`) the tab itself; the types are
//! `types::backups`, re-exported here.
pub mod tab;

pub use types::backups::*;

use crate::error::AppError;
use leptos::prelude::*;

/// The backups of `database`, or of every database when it is empty (a suspended account's
/// Profile lists them for download).
#[server(prefix = "/rpc", endpoint = "list_backups")]
pub async fn list_backups(database: String) -> Result<BackupList, AppError> {
    use panel_core::services::{backups, databases};
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in_even_if_suspended().await?;
        let database = Some(database).filter(|name| !name.is_empty());
        let database = database
            .as_deref()
            .map(|name| databases::owned(&caller, name))
            .transpose()?;
        Ok(BackupList {
            backups: backups::list(&state.backup_context(), &caller, database.as_ref()).await?,
        })
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "create_backup")]
pub async fn create_backup(database: String) -> Result<Backup, AppError> {
    use panel_core::services::{backups, databases};
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        backups::create(
            &state.backup_context(),
            &caller,
            &databases::owned(&caller, &database)?,
            BackupKind::Manual,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_backup")]
pub async fn delete_backup(id: String) -> Result<(), AppError> {
    use panel_core::services::backups;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        backups::delete(&state.backup_context(), &caller, &id).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "restore_backup", input = leptos::server_fn::codec::Json)]
pub async fn restore_backup(id: String, request: RestoreRequest) -> Result<Job, AppError> {
    use panel_core::services::backups;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        backups::restore(&state.backup_context(), &caller, &id, request).await
    })
    .await
}

/// The seconds `database` can be restored to, or why there are none.
#[server(prefix = "/rpc", endpoint = "get_restore_window")]
pub async fn get_restore_window(database: String) -> Result<RestoreWindow, AppError> {
    use panel_core::services::{backups, databases};
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        backups::point_in_time::window(
            &state.backup_context(),
            &caller,
            &databases::owned(&caller, &database)?,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "restore_to_point_in_time", input = leptos::server_fn::codec::Json)]
pub async fn restore_to_point_in_time(
    database: String,
    request: PointInTimeRestore,
) -> Result<Job, AppError> {
    use panel_core::services::{backups, databases};
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        backups::point_in_time::restore(
            &state.backup_context(),
            &caller,
            &databases::owned(&caller, &database)?,
            request,
        )
        .await
    })
    .await
}

/// The restores and imports into `database`, newest first.
#[server(prefix = "/rpc", endpoint = "list_jobs")]
pub async fn list_jobs(database: String) -> Result<JobList, AppError> {
    use panel_core::services::{backups, databases};
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        backups::jobs(
            &state.backup_context(),
            &caller,
            &databases::owned(&caller, &database)?,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "get_backup_schedule")]
pub async fn get_backup_schedule(database: String) -> Result<Option<BackupSchedule>, AppError> {
    use panel_core::services::{backups, databases};
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        backups::schedule::get(
            &state.backup_context(),
            &caller,
            &databases::owned(&caller, &database)?,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "set_backup_schedule", input = leptos::server_fn::codec::Json)]
pub async fn set_backup_schedule(
    database: String,
    request: ScheduleRequest,
) -> Result<BackupSchedule, AppError> {
    use panel_core::services::{backups, databases};
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        backups::schedule::set(
            &state.backup_context(),
            &caller,
            &databases::owned(&caller, &database)?,
            &request,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_backup_schedule")]
pub async fn delete_backup_schedule(database: String) -> Result<(), AppError> {
    use panel_core::services::{backups, databases};
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        backups::schedule::delete(
            &state.backup_context(),
            &caller,
            &databases::owned(&caller, &database)?,
        )
        .await
    })
    .await
}
