//! Backups, restores and imports of the accounts' databases. Every job runs in the background as
//! the account's own MySQL identity (never the admin), one per account at a time and a few across
//! the panel, with its progress in the store. Files live under `<data dir>/backups/<account>/`;
//! a backup's file appears under its final name only once the dump ended well.
pub mod catalog;
pub mod client;
pub mod context;
pub mod definer;
pub mod dump;
pub mod files;
pub mod load;
pub mod manifest;
pub mod offsite;
pub mod point_in_time;
pub mod runner;
pub mod schedule;
pub mod script;
pub mod uploads;

use crate::domain::caller::Caller;
use crate::domain::secret;
use crate::services::{audit, databases, plans};
use catalog::NewJob;
use std::path::PathBuf;
use types::activity::Action;
use types::backups::{Backup, BackupKind, Job, JobKind, JobList, JobStatus, RestoreRequest};
use types::error::{AppError, ErrorCode};
use types::model::CreateDatabase;
use types::names::DatabaseName;

pub use context::Context;
pub use files::Backups;

fn no_such_backup(id: &str) -> AppError {
    AppError::not_found(format!("No backup with id {id} in your account."))
}

pub(crate) fn quota_full(quota: u64) -> AppError {
    AppError::new(
        ErrorCode::QuotaExceeded,
        format!(
            "Your backup storage is full ({} allowed). Delete backups you no longer need, then try again.",
            types::model::human_size(quota)
        ),
    )
}

/// The bytes of backups the account may keep: the panel's quota, or its plan's backup storage
/// when that is smaller. A closing account's final backups are held to neither.
pub(crate) async fn quota_of(state: &Context, account_id: i64) -> Result<u64, AppError> {
    if crate::services::accounts::is_closed(&state.store, account_id).await? {
        return Ok(u64::MAX);
    }
    let (_, limits) = plans::of_account(&state.store, account_id).await?;
    let panel = state.backups.quota_bytes;
    Ok(limits
        .max_backup_storage
        .and_then(|plan| u64::try_from(plan).ok())
        .map_or(panel, |plan| plan.min(panel)))
}

/// Queues a backup of `database` and answers at once (202): the job runs in the background.
pub async fn create(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    kind: BackupKind,
) -> Result<Backup, AppError> {
    let found = databases::find(&state.mysql_for(caller).await?, database).await?;
    let quota = quota_of(state, caller.account_id).await?;
    if catalog::used_bytes(&state.store, caller.account_id).await? >= quota {
        return Err(quota_full(quota));
    }
    let id = secret::random_base62(16);
    catalog::insert_backup(
        &state.store,
        caller.account_id,
        &id,
        database.as_str(),
        kind,
        found.size_bytes,
    )
    .await?;
    audit::record(
        &state.store,
        audit::Entry::by(caller, Action::BackupCreated)
            .with("database", database.as_str())
            .with("backup", &id),
    )
    .await;
    tokio::spawn(runner::backup(
        state.clone(),
        caller.clone(),
        id.clone(),
        database.clone(),
        kind,
    ));
    get(state, caller, &id).await
}

pub async fn get(state: &Context, caller: &Caller, id: &str) -> Result<Backup, AppError> {
    catalog::backup(&state.store, caller.account_id, id)
        .await?
        .ok_or_else(|| no_such_backup(id))
}

/// The account's backups, of one database or all, newest first.
pub async fn list(
    state: &Context,
    caller: &Caller,
    database: Option<&DatabaseName>,
) -> Result<Vec<Backup>, AppError> {
    catalog::backups(
        &state.store,
        caller.account_id,
        database.map(DatabaseName::as_str),
    )
    .await
}

/// Deletes the file and its record. A backup still being written cannot be deleted yet (409).
pub async fn delete(state: &Context, caller: &Caller, id: &str) -> Result<(), AppError> {
    let backup = get(state, caller, id).await?;
    if !backup.status.is_finished() {
        return Err(AppError::conflict(
            "This backup is still running; delete it once it has finished.",
        ));
    }
    state.backups.remove_backup_file(caller.account_id, id)?;
    catalog::delete_backup(&state.store, id).await?;
    audit::record(
        &state.store,
        audit::Entry::by(caller, Action::BackupDeleted)
            .with("database", &backup.database)
            .with("backup", id),
    )
    .await;
    Ok(())
}

/// The completed backup's file and the name it is downloaded as (`acme_shop-2026-11-26T10-00-00Z.sql.gz`).
pub async fn file(
    state: &Context,
    caller: &Caller,
    id: &str,
) -> Result<(PathBuf, String), AppError> {
    let backup = completed(state, caller, id).await?;
    let path = state.backups.backup_path(caller.account_id, id);
    if let Some(offsite) = &state.offsite {
        offsite.ensure_local(&path).await.map_err(|err| {
            tracing::warn!(backup = id, error = %err, "a backup's file could not be fetched from its off-site copy");
            AppError::conflict("This backup's file is not on the panel's disk and its off-site copy could not be fetched; try again later.")
        })?;
    }
    let name = format!(
        "{}-{}.sql.gz",
        backup.database,
        backup.created_at.replace(':', "-")
    );
    Ok((path, name))
}

/// The backup, if it has completed (409 while it runs or when it failed).
async fn completed(state: &Context, caller: &Caller, id: &str) -> Result<Backup, AppError> {
    let backup = get(state, caller, id).await?;
    if backup.status != JobStatus::Completed {
        return Err(AppError::conflict(format!(
            "This backup is {}; only a completed backup can be downloaded or restored.",
            backup.status.as_str()
        )));
    }
    Ok(backup)
}

/// A database name the caller gave as a target: another account's is "not found", like any
/// other of its resources; a badly formed one of the caller's own gets the validation message.
pub fn target(caller: &Caller, raw: &str) -> Result<DatabaseName, AppError> {
    if !raw.starts_with(&format!("{}_", caller.prefix.as_str())) {
        return Err(AppError::not_found(format!(
            "No database named {raw} in your account."
        )));
    }
    DatabaseName::parse(raw, &caller.prefix)
}

/// Restores a completed backup into one of the caller's databases, creating it when it does not
/// exist yet (202: the job runs in the background and is verified against the manifest).
pub async fn restore(
    state: &Context,
    caller: &Caller,
    id: &str,
    request: RestoreRequest,
) -> Result<Job, AppError> {
    let backup = completed(state, caller, id).await?;
    let file = state.backups.backup_path(caller.account_id, id);
    let database = target(caller, request.database.trim())?;
    let mysql = state.mysql_for(caller).await?;
    if databases::find(&mysql, &database).await.is_err() {
        let create = CreateDatabase {
            name: database.as_str().to_owned(),
            charset: None,
            collation: None,
        };
        databases::create(&mysql, &state.store, caller, &create).await?;
    }
    let job_id = secret::random_base62(16);
    let job = NewJob {
        id: &job_id,
        account_id: caller.account_id,
        kind: JobKind::Restore,
        database: database.as_str(),
        backup_id: Some(id),
        size_bytes: backup.size_bytes.unwrap_or(0),
        at: None,
    };
    catalog::insert_job(&state.store, job).await?;
    audit::record(
        &state.store,
        audit::Entry::by(caller, Action::BackupRestored)
            .with("backup", id)
            .with("database", database.as_str()),
    )
    .await;
    let load = runner::Load {
        job_id: job_id.clone(),
        database,
        file,
        manifest: Some(backup.tables),
        remove_after: false,
        replay: None,
    };
    tokio::spawn(runner::load(state.clone(), caller.clone(), load));
    job_of(state, caller, &job_id, JobKind::Restore).await
}

/// Queues the import of a file already received (`uploads::receive`) into `database`. The job
/// takes over the upload's place in the quota.
pub async fn import(
    state: &Context,
    caller: &Caller,
    database: DatabaseName,
    upload: uploads::Upload,
) -> Result<Job, AppError> {
    let queued = queue_import(state, caller, database, &upload).await;
    uploads::release(&state.store, &upload.id).await;
    if queued.is_err() {
        let _ = std::fs::remove_file(&upload.path);
    }
    queued
}

async fn queue_import(
    state: &Context,
    caller: &Caller,
    database: DatabaseName,
    upload: &uploads::Upload,
) -> Result<Job, AppError> {
    let job = NewJob {
        id: &upload.id,
        account_id: caller.account_id,
        kind: JobKind::Import,
        database: database.as_str(),
        backup_id: None,
        size_bytes: upload.size,
        at: None,
    };
    catalog::insert_job(&state.store, job).await?;
    audit::record(
        &state.store,
        audit::Entry::by(caller, Action::DatabaseImported)
            .with("database", database.as_str())
            .with("bytes", upload.size.to_string()),
    )
    .await;
    let load = runner::Load {
        job_id: upload.id.clone(),
        database,
        file: upload.path.clone(),
        manifest: None,
        remove_after: true,
        replay: None,
    };
    tokio::spawn(runner::load(state.clone(), caller.clone(), load));
    job_of(state, caller, &upload.id, JobKind::Import).await
}

/// A restore or import job of the caller's (`kind` must match: `/api/restores/{id}` is not an import).
pub async fn job_of(
    state: &Context,
    caller: &Caller,
    id: &str,
    kind: JobKind,
) -> Result<Job, AppError> {
    catalog::job(&state.store, caller.account_id, id)
        .await?
        .filter(|job| job.kind == kind)
        .ok_or_else(|| {
            AppError::not_found(format!(
                "No {} with id {id} in your account.",
                if kind == JobKind::Restore {
                    "restore"
                } else {
                    "import"
                }
            ))
        })
}

pub async fn jobs(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
) -> Result<JobList, AppError> {
    Ok(JobList {
        jobs: catalog::jobs(&state.store, caller.account_id, database.as_str()).await?,
    })
}
