//! The store's rows for backups and jobs, and their wire form.
use crate::domain::time;
use crate::instance;
use crate::store::{self, Store, Text};
use types::backups::{
    Backup, BackupKind, Job, JobErrorCode, JobKind, JobStatus, TableChecksum, Verification,
};
use types::error::AppError;

const BACKUP_COLUMNS: &str = "id, `database`, kind, status, bytes_done, estimated_bytes, size_bytes, sha256, `tables`, error, created_at, finished_at, offsite_at";
const JOB_COLUMNS: &str = "id, kind, `database`, backup_id, status, bytes_done, size_bytes, error, error_line, mysql_errno, \
     verification, created_at, finished_at, error_code, point_in_time";

type BackupRow = (
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Text,
    Option<Text>,
    i64,
    Option<i64>,
    Option<i64>,
);
type JobRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
    Option<Text>,
    Option<i64>,
    Option<i64>,
    Option<Text>,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

fn backup_from(row: BackupRow) -> Backup {
    let (
        id,
        database,
        kind,
        status,
        bytes_done,
        estimated_bytes,
        size_bytes,
        sha256,
        tables,
        error,
        created_at,
        finished_at,
        offsite_at,
    ) = row;
    Backup {
        id,
        database,
        kind: if kind == "scheduled" {
            BackupKind::Scheduled
        } else {
            BackupKind::Manual
        },
        status: JobStatus::parse(&status),
        bytes_done: bytes_done as u64,
        estimated_bytes: estimated_bytes as u64,
        size_bytes: size_bytes.map(|n| n as u64),
        sha256,
        created_at: time::rfc3339(created_at),
        finished_at: finished_at.map(time::rfc3339),
        error: error.map(|e| e.0),
        tables: serde_json::from_str(&tables.0).unwrap_or_default(),
        offsite_at: offsite_at.map(time::rfc3339),
    }
}

fn job_from(row: JobRow) -> Job {
    let (
        id,
        kind,
        database,
        backup_id,
        status,
        bytes_done,
        size_bytes,
        error,
        error_line,
        mysql_errno,
        verification,
        created_at,
        finished_at,
        error_code,
        point_in_time,
    ) = row;
    Job {
        id,
        kind: if kind == "restore" {
            JobKind::Restore
        } else {
            JobKind::Import
        },
        database,
        backup_id,
        status: JobStatus::parse(&status),
        bytes_done: bytes_done as u64,
        size_bytes: size_bytes as u64,
        created_at: time::rfc3339(created_at),
        finished_at: finished_at.map(time::rfc3339),
        error: error.map(|e| e.0),
        error_line: error_line.map(|n| n as u64),
        mysql_errno: mysql_errno.and_then(|n| u16::try_from(n).ok()),
        error_code: error_code.as_deref().and_then(JobErrorCode::parse),
        verification: verification.and_then(|v| serde_json::from_str(&v.0).ok()),
        at: point_in_time.map(time::rfc3339),
    }
}

pub fn kind_str(kind: BackupKind) -> &'static str {
    match kind {
        BackupKind::Manual => "manual",
        BackupKind::Scheduled => "scheduled",
    }
}

pub async fn insert_backup(
    store: &Store,
    account_id: i64,
    id: &str,
    database: &str,
    kind: BackupKind,
    estimated: u64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO backups (id, account_id, `database`, kind, status, estimated_bytes, created_at, runner)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)",
    )
    .bind(id)
    .bind(account_id)
    .bind(database)
    .bind(kind_str(kind))
    .bind(estimated as i64)
    .bind(time::now())
    .bind(instance::id())
    .execute(store)
    .await?;
    Ok(())
}

/// The account's backup `id`; another account's is `None`, as if it did not exist.
pub async fn backup(store: &Store, account_id: i64, id: &str) -> Result<Option<Backup>, AppError> {
    let row: Option<BackupRow> = sqlx::query_as(&format!(
        "SELECT {BACKUP_COLUMNS} FROM backups WHERE id = ? AND account_id = ?"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(store)
    .await?;
    Ok(row.map(backup_from))
}

pub async fn backups(
    store: &Store,
    account_id: i64,
    database: Option<&str>,
) -> Result<Vec<Backup>, AppError> {
    let rows: Vec<BackupRow> = sqlx::query_as(&format!(
        "SELECT {BACKUP_COLUMNS} FROM backups WHERE account_id = ? AND (? IS NULL OR `database` = ?)
         ORDER BY created_at DESC, {} DESC",
        insertion_order(store)
    ))
    .bind(account_id)
    .bind(database)
    .bind(database)
    .fetch_all(store)
    .await?;
    Ok(rows.into_iter().map(backup_from).collect())
}

pub async fn backup_running(store: &Store, id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE backups SET status = 'running' WHERE id = ?")
        .bind(id)
        .execute(store)
        .await?;
    Ok(())
}

pub async fn backup_progress(store: &Store, id: &str, bytes_done: u64) -> Result<(), AppError> {
    sqlx::query("UPDATE backups SET bytes_done = ? WHERE id = ?")
        .bind(bytes_done as i64)
        .bind(id)
        .execute(store)
        .await?;
    Ok(())
}

pub async fn backup_manifest(
    store: &Store,
    id: &str,
    tables: &[TableChecksum],
) -> Result<(), AppError> {
    let json = serde_json::to_string(tables).map_err(AppError::internal)?;
    sqlx::query("UPDATE backups SET tables = ? WHERE id = ?")
        .bind(json)
        .bind(id)
        .execute(store)
        .await?;
    Ok(())
}

/// The backup is kept: its sizes (SQL, file), hash, and its place in the server's binary log.
pub async fn backup_completed(
    store: &Store,
    id: &str,
    (bytes_done, size): (u64, u64),
    sha256: &str,
    binlog_position: Option<&(String, u64)>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE backups SET status = 'completed', bytes_done = ?, size_bytes = ?, sha256 = ?, binlog_file = ?, binlog_pos = ?, finished_at = ? WHERE id = ?",
    )
    .bind(bytes_done as i64)
    .bind(size as i64)
    .bind(sha256)
    .bind(binlog_position.map(|(file, _)| file.as_str()))
    .bind(binlog_position.map(|(_, pos)| *pos as i64))
    .bind(time::now())
    .bind(id)
    .execute(store)
    .await?;
    Ok(())
}

pub async fn backup_failed(store: &Store, id: &str, error: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE backups SET status = 'failed', error = ?, finished_at = ? WHERE id = ?")
        .bind(error)
        .bind(time::now())
        .bind(id)
        .execute(store)
        .await?;
    Ok(())
}

pub async fn delete_backup(store: &Store, id: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM backups WHERE id = ?")
        .bind(id)
        .execute(store)
        .await?;
    Ok(())
}

/// Bytes the account's quota is charged with: completed backup files, uploaded imports waiting
/// for (or in) their job, and uploads being received (their reservations).
pub async fn used_bytes(store: &Store, account_id: i64) -> Result<u64, AppError> {
    let used: i64 = sqlx::query_scalar(
        "SELECT CAST(
            (SELECT COALESCE(SUM(size_bytes), 0) FROM backups WHERE account_id = ? AND status = 'completed')
          + (SELECT COALESCE(SUM(size_bytes), 0) FROM backup_jobs WHERE account_id = ? AND kind = 'import' AND status IN ('queued', 'running'))
          + (SELECT COALESCE(SUM(bytes), 0) FROM upload_reservations WHERE account_id = ?)
         AS SIGNED)",
    )
    .bind(account_id)
    .bind(account_id)
    .bind(account_id)
    .fetch_one(store)
    .await?;
    Ok(used as u64)
}

pub struct NewJob<'a> {
    pub id: &'a str,
    pub account_id: i64,
    pub kind: JobKind,
    pub database: &'a str,
    pub backup_id: Option<&'a str>,
    pub size_bytes: u64,
    /// A restore to a point in time: that second (Unix).
    pub at: Option<i64>,
}

pub async fn insert_job(store: &Store, job: NewJob<'_>) -> Result<(), AppError> {
    let kind = match job.kind {
        JobKind::Restore => "restore",
        JobKind::Import => "import",
    };
    sqlx::query(
        "INSERT INTO backup_jobs (id, account_id, kind, `database`, backup_id, status, size_bytes, created_at, runner, point_in_time)
         VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
    )
    .bind(job.id)
    .bind(job.account_id)
    .bind(kind)
    .bind(job.database)
    .bind(job.backup_id)
    .bind(job.size_bytes as i64)
    .bind(time::now())
    .bind(instance::id())
    .bind(job.at)
    .execute(store)
    .await?;
    Ok(())
}

pub async fn job(store: &Store, account_id: i64, id: &str) -> Result<Option<Job>, AppError> {
    let row: Option<JobRow> = sqlx::query_as(&format!(
        "SELECT {JOB_COLUMNS} FROM backup_jobs WHERE id = ? AND account_id = ?"
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(store)
    .await?;
    Ok(row.map(job_from))
}

pub async fn jobs(store: &Store, account_id: i64, database: &str) -> Result<Vec<Job>, AppError> {
    let rows: Vec<JobRow> = sqlx::query_as(&format!(
        "SELECT {JOB_COLUMNS} FROM backup_jobs WHERE account_id = ? AND `database` = ? ORDER BY created_at DESC, {} DESC LIMIT 50",
        insertion_order(store)
    ))
    .bind(account_id)
    .bind(database)
    .fetch_all(store)
    .await?;
    Ok(rows.into_iter().map(job_from).collect())
}

pub async fn job_running(store: &Store, id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE backup_jobs SET status = 'running' WHERE id = ?")
        .bind(id)
        .execute(store)
        .await?;
    Ok(())
}

pub async fn job_progress(store: &Store, id: &str, bytes_done: u64) -> Result<(), AppError> {
    sqlx::query("UPDATE backup_jobs SET bytes_done = ? WHERE id = ?")
        .bind(bytes_done as i64)
        .bind(id)
        .execute(store)
        .await?;
    Ok(())
}

pub async fn job_completed(
    store: &Store,
    id: &str,
    bytes_done: u64,
    verification: Option<&Verification>,
) -> Result<(), AppError> {
    let verification = verification
        .map(serde_json::to_string)
        .transpose()
        .map_err(AppError::internal)?;
    sqlx::query("UPDATE backup_jobs SET status = 'completed', bytes_done = ?, verification = ?, finished_at = ? WHERE id = ?")
        .bind(bytes_done as i64)
        .bind(verification)
        .bind(time::now())
        .bind(id)
        .execute(store)
        .await?;
    Ok(())
}

/// Why a job failed: the message, for a statement its line (and MariaDB's number when MariaDB
/// refused it), and a machine-readable code (`JobErrorCode`).
#[derive(Debug, Clone, Default)]
pub struct Failure {
    pub message: String,
    pub line: Option<u64>,
    pub mysql_errno: Option<u16>,
    pub code: Option<JobErrorCode>,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::default()
        }
    }

    pub fn coded(code: JobErrorCode, message: impl Into<String>) -> Self {
        Self {
            code: Some(code),
            ..Self::new(message)
        }
    }

    pub fn at_line(self, line: Option<u64>) -> Self {
        Self { line, ..self }
    }
}

pub async fn job_failed(store: &Store, id: &str, failure: &Failure) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE backup_jobs SET status = 'failed', error = ?, error_line = ?, mysql_errno = ?, error_code = ?, finished_at = ? WHERE id = ?",
    )
    .bind(&failure.message)
    .bind(failure.line.map(|n| n as i64))
    .bind(failure.mysql_errno.map(i64::from))
    .bind(failure.code.map(JobErrorCode::as_str))
        .bind(time::now())
        .bind(id)
        .execute(store)
        .await?;
    Ok(())
}

/// Rows created in the same second, newest first: SQLite's rowid, MySQL's `seq` column.
pub fn insertion_order(store: &Store) -> &'static str {
    store::dialect(store, "rowid", "seq")
}

/// Jobs whose instance stopped (`runner` is not among `alive`) can no longer finish: they are
/// marked failed, and their ids returned so that their half-written files can go.
pub async fn fail_interrupted(store: &Store, alive: &[String]) -> Result<Vec<String>, AppError> {
    let message =
        "The panel stopped while this job was running; nothing of it was kept. Start it again.";
    let mut failed = Vec::new();
    for table in ["backups", "backup_jobs"] {
        let running: Vec<(String, Option<String>)> = sqlx::query_as(&format!(
            "SELECT id, runner FROM {table} WHERE status IN ('queued', 'running')"
        ))
        .fetch_all(store)
        .await?;
        for (id, runner) in running {
            if runner.is_some_and(|runner| alive.contains(&runner)) {
                continue;
            }
            let updated = sqlx::query(&format!(
                "UPDATE {table} SET status = 'failed', error = ?, finished_at = ? WHERE id = ? AND status IN ('queued', 'running')"
            ))
            .bind(message)
            .bind(time::now())
            .bind(&id)
            .execute(store)
            .await?;
            if updated.rows_affected() > 0 {
                failed.push(id);
            }
        }
    }
    // Uploads that were being received: their reservations go, their `.upload` files with them.
    let reservations: Vec<(String, String)> =
        sqlx::query_as("SELECT id, runner FROM upload_reservations")
            .fetch_all(store)
            .await?;
    for (id, _) in reservations
        .into_iter()
        .filter(|(_, runner)| !alive.contains(runner))
    {
        sqlx::query("DELETE FROM upload_reservations WHERE id = ?")
            .bind(&id)
            .execute(store)
            .await?;
        failed.push(id);
    }
    Ok(failed)
}

/// Where a completed backup's snapshot stands in its server's binary log, if it was written.
pub async fn binlog_position(store: &Store, id: &str) -> Result<Option<(String, u64)>, AppError> {
    let row: Option<(Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT binlog_file, binlog_pos FROM backups WHERE id = ?")
            .bind(id)
            .fetch_optional(store)
            .await?;
    Ok(row.and_then(|(file, pos)| file.zip(pos.and_then(|p| u64::try_from(p).ok()))))
}

/// A completed backup that noted its place in the binary log.
pub struct LoggedBackup {
    pub id: String,
    pub finished_at: i64,
    pub file: String,
    pub pos: u64,
    pub tables: Vec<TableChecksum>,
    pub size_bytes: u64,
}

/// The completed backups of `database` that noted their place in the binary log, newest first.
pub async fn logged_backups(
    store: &Store,
    account_id: i64,
    database: &str,
) -> Result<Vec<LoggedBackup>, AppError> {
    let rows: Vec<(String, i64, String, i64, Text, Option<i64>)> = sqlx::query_as(
        "SELECT id, finished_at, binlog_file, binlog_pos, `tables`, size_bytes FROM backups
         WHERE account_id = ? AND `database` = ? AND status = 'completed' AND binlog_file IS NOT NULL
           AND finished_at IS NOT NULL
         ORDER BY finished_at DESC",
    )
    .bind(account_id)
    .bind(database)
    .fetch_all(store)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, finished_at, file, pos, tables, size)| LoggedBackup {
            id,
            finished_at,
            file,
            pos: u64::try_from(pos).unwrap_or(0),
            tables: serde_json::from_str(&tables.0).unwrap_or_default(),
            size_bytes: size.and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
        })
        .collect())
}
