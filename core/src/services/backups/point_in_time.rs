//! Restoring a database to a second (issue 27): its last full backup that finished before that
//! second, loaded like any restore, then the server's binary log from the backup's place in it up
//! to that second (`binlog::replay`). Into a new database by default; over the database itself
//! only when its name is typed again.
use super::catalog::{self, LoggedBackup, NewJob};
use super::{Context, runner};
use crate::domain::caller::Caller;
use crate::domain::{secret, time};
use crate::services::binlog::{replay, segments, status};
use crate::services::{audit, databases};
use sqlx::MySqlPool;
use std::path::PathBuf;
use types::activity::Action;
use types::backups::{Job, JobKind, PointInTimeRestore, RestoreWindow};
use types::error::{AppError, ErrorCode};
use types::model::CreateDatabase;
use types::names::DatabaseName;

fn unavailable(why: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::PointInTimeUnavailable, why)
}

/// 404 unless `source` is a database the account has, or had and still holds a backup of: a
/// dropped database can be brought back, a name never backed up cannot. The account's pool, for
/// what comes next.
async fn known(
    state: &Context,
    caller: &Caller,
    source: &DatabaseName,
) -> Result<MySqlPool, AppError> {
    let mysql = state.mysql_for(caller).await?;
    match databases::find(&mysql, source).await {
        Ok(_) => Ok(mysql),
        Err(missing) if missing.code == ErrorCode::NotFound => {
            let backups =
                catalog::backups(&state.store, caller.account_id, Some(source.as_str())).await?;
            if backups.is_empty() {
                Err(missing)
            } else {
                Ok(mysql)
            }
        }
        Err(err) => Err(err),
    }
}

/// What a restore to `at` starts from: the backup, and the archive's files from its place on.
struct Plan {
    backup: LoggedBackup,
    files: Vec<PathBuf>,
}

/// The archive of the account's server, and the backups of `source` it still reaches back to
/// (newest first), with the last second it holds.
async fn reachable(
    state: &Context,
    caller: &Caller,
    source: &DatabaseName,
) -> Result<(Vec<(LoggedBackup, Vec<PathBuf>)>, i64), AppError> {
    let server = state.server_for(caller).await?;
    let archive = status::of(&state.store, &server.name).await?;
    let synced = match archive {
        Some(archive) if archive.state == status::ARCHIVING => archive.synced_at.unwrap_or(0),
        // What the server lacks is the operator's to fix (`server list` says it); the customer
        // is told what it means for them.
        Some(archive) if archive.state.starts_with("error:") => {
            return Err(unavailable(
                "Point-in-time recovery is not available right now: the panel cannot read your database server's binary log. Try again later.",
            ));
        }
        Some(_) => {
            return Err(unavailable(
                "Point-in-time recovery is not available on your database server: it keeps no binary log the panel can archive. Ask your provider.",
            ));
        }
        None => {
            return Err(unavailable(
                "Point-in-time recovery is not available on your database server yet: its binary log has not been archived.",
            ));
        }
    };
    let archived = segments::list(&state.store, &server.name).await?;
    let dir = state.backups.binlog_dir(&server.name);
    let mut reachable = Vec::new();
    for backup in catalog::logged_backups(&state.store, caller.account_id, source.as_str()).await? {
        if !archived.iter().any(|segment| segment.file == backup.file) {
            continue;
        }
        let files = archived
            .iter()
            .filter(|segment| segment.file >= backup.file)
            .map(|segment| dir.join(&segment.file))
            .collect();
        reachable.push((backup, files));
    }
    Ok((reachable, synced))
}

async fn plan(
    state: &Context,
    caller: &Caller,
    source: &DatabaseName,
    at: i64,
) -> Result<Plan, AppError> {
    let name = source.as_str();
    let (reachable, synced) = reachable(state, caller, source).await?;
    if at > synced {
        return Err(unavailable(format!(
            "The archive holds your server's changes up to {} so far; try again in a few seconds.",
            time::rfc3339(synced)
        )));
    }
    reachable
        .into_iter()
        .find(|(backup, _)| backup.finished_at <= at)
        .map(|(backup, files)| Plan { backup, files })
        .ok_or_else(|| {
            unavailable(format!(
                "No full backup of {name} finished before {} that the binary log archive reaches back to. \
                 Back the database up: from then on it can be restored to any second.",
                time::rfc3339(at)
            ))
        })
}

/// `GET /api/databases/{name}/restore-window`.
pub async fn window(
    state: &Context,
    caller: &Caller,
    source: &DatabaseName,
) -> Result<RestoreWindow, AppError> {
    known(state, caller, source).await?;
    let name = source.as_str();
    let answer = |from: Option<i64>, to: Option<i64>, reason: Option<String>| RestoreWindow {
        database: source.as_str().to_owned(),
        from: from.map(time::rfc3339),
        to: to.map(time::rfc3339),
        reason,
    };
    match reachable(state, caller, source).await {
        Ok((reachable, synced)) => Ok(match reachable.last() {
            Some((oldest, _)) => answer(Some(oldest.finished_at), Some(synced), None),
            None => answer(
                None,
                None,
                Some(format!(
                    "No full backup of {name} that the binary log archive reaches back to yet: back the database up, and from then on it can be restored to any second."
                )),
            ),
        }),
        Err(err) if err.code == ErrorCode::PointInTimeUnavailable => {
            Ok(answer(None, None, Some(err.message)))
        }
        Err(err) => Err(err),
    }
}

/// `POST /api/databases/{name}/restores`: 202 with the job (`GET /api/restores/{id}`).
pub async fn restore(
    state: &Context,
    caller: &Caller,
    source: &DatabaseName,
    request: PointInTimeRestore,
) -> Result<Job, AppError> {
    let mysql = known(state, caller, source).await?;
    let name = source.as_str();
    let at = time::parse_rfc3339(request.at.trim()).ok_or_else(|| {
        AppError::validation("`at` must be a time in RFC 3339, like 2026-12-04T10:15:30Z.")
    })?;
    if at > time::now() {
        return Err(unavailable(format!(
            "{} is in the future: a database can be restored to a second that has passed.",
            time::rfc3339(at)
        )));
    }
    // Whether that second can be reached at all comes first (409), then the target (422).
    let Plan { backup, files } = plan(state, caller, source, at).await?;
    let target = match request.database.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => super::target(caller, name)?,
        _ => default_target(caller, source, at)?,
    };
    if target == *source && request.confirm.as_deref() != Some(source.as_str()) {
        return Err(AppError::validation(format!(
            "Restoring into {name} replaces what it holds now: send \"confirm\": \"{name}\" to do it, or restore into a new database."
        )));
    }
    if databases::find(&mysql, &target).await.is_err() {
        let create = CreateDatabase {
            name: target.as_str().to_owned(),
            charset: None,
            collation: None,
        };
        databases::create(&mysql, &state.store, caller, &create).await?;
    }
    let job_id = secret::random_base62(16);
    catalog::insert_job(
        &state.store,
        NewJob {
            id: &job_id,
            account_id: caller.account_id,
            kind: JobKind::Restore,
            database: target.as_str(),
            backup_id: Some(&backup.id),
            size_bytes: backup.size_bytes,
            at: Some(at),
        },
    )
    .await?;
    audit::record(
        &state.store,
        audit::Entry::by(caller, Action::BackupRestored)
            .with("backup", &backup.id)
            .with("database", target.as_str())
            .with("at", time::rfc3339(at)),
    )
    .await;
    let load = runner::Load {
        job_id: job_id.clone(),
        database: target,
        file: state.backups.backup_path(caller.account_id, &backup.id),
        manifest: Some(backup.tables),
        remove_after: false,
        replay: Some(replay::Reading {
            files,
            start: backup.pos,
            source: source.as_str().to_owned(),
            until: at,
        }),
    };
    tokio::spawn(runner::load(state.clone(), caller.clone(), load));
    super::job_of(state, caller, &job_id, JobKind::Restore).await
}

/// `<source>_<yyyymmddhhmmss>`, when that fits in a database name.
fn default_target(
    caller: &Caller,
    source: &DatabaseName,
    at: i64,
) -> Result<DatabaseName, AppError> {
    let name = source.as_str();
    let stamp: String = time::rfc3339(at)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    DatabaseName::parse(&format!("{name}_{stamp}"), &caller.prefix).map_err(|_| {
        AppError::validation(format!(
            "{name} is too long a name to add the time to: name the database to restore into (\"database\")."
        ))
    })
}
