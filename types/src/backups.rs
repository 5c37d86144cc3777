//! Backups, restores and imports: the types of `/api/databases/{name}/backups`, `/api/backups`,
//! `/api/restores`, `/api/imports` and the backup schedule.
use crate::error::AppError;
use crate::word::Word;
use serde::{Deserialize, Serialize};

/// The largest import the panel accepts unless the operator says otherwise (2 GiB).
pub const DEFAULT_IMPORT_LIMIT_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Scheduled backups a schedule may keep.
pub const MAX_KEEP: u32 = 365;

/// Where a background job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Completed,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Self {
        match text {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "completed" => Self::Completed,
            _ => Self::Failed,
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }
}

/// Who asked for a backup: someone (`manual`, kept until deleted) or the database's schedule
/// (`scheduled`, pruned to the schedule's `keep`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BackupKind {
    Manual,
    Scheduled,
}

impl BackupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Scheduled => "scheduled",
        }
    }
}

/// One table of a backup's manifest: taken from the same moment as the dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TableChecksum {
    pub name: String,
    pub rows: u64,
    /// MariaDB's `CHECKSUM TABLE`.
    pub checksum: u64,
}

/// `POST /api/databases/{name}/backups`, `GET /api/backups/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Backup {
    pub id: String,
    pub database: String,
    pub kind: BackupKind,
    pub status: JobStatus,
    /// Uncompressed dump bytes written so far.
    pub bytes_done: u64,
    /// The database's size on the server when the backup started (for a progress estimate).
    pub estimated_bytes: u64,
    /// The compressed file's size, once completed.
    pub size_bytes: Option<u64>,
    /// SHA-256 of the compressed file (hex), once completed.
    pub sha256: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub finished_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The manifest: every base table with its row count and checksum.
    pub tables: Vec<TableChecksum>,
    /// When its encrypted copy reached the off-site storage (RFC 3339, UTC); absent while it has
    /// none, or when the panel keeps no off-site copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offsite_at: Option<String>,
}

/// `GET /api/backups`: newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BackupList {
    pub backups: Vec<Backup>,
}

/// `POST /api/backups/{id}/restore`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RestoreRequest {
    /// One of the caller's databases, existing (restored over) or new (created first).
    #[cfg_attr(feature = "ssr", schema(example = "acme_shop_restored"))]
    pub database: String,
}

/// `POST /api/databases/{name}/restores`: the database as it was at a second, from its last full
/// backup before then and the server's binary log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PointInTimeRestore {
    /// RFC 3339; the changes of that second are included.
    #[cfg_attr(feature = "ssr", schema(example = "2026-12-04T10:15:30Z"))]
    pub at: String,
    /// Where to restore: a new database by default (`<name>_<yyyymmddhhmmss>`); the database
    /// itself only with `confirm` set to its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(example = "acme_shop_before"))]
    pub database: Option<String>,
    /// The database's name typed again, to restore over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<String>,
}

/// `GET /api/databases/{name}/restore-window`: the seconds a restore to a point in time can reach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RestoreWindow {
    pub database: String,
    /// The oldest second (RFC 3339): the first full backup the archive still reaches back to.
    pub from: Option<String>,
    /// The latest second: what the archive holds so far.
    pub to: Option<String>,
    /// Why there is no window, when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What a restore or import job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Restore,
    Import,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Restore => "restore",
            Self::Import => "import",
        }
    }
}

/// A table whose restored rows or checksum differ from the manifest (`None`: the table is missing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TableDifference {
    pub name: String,
    pub expected_rows: u64,
    pub actual_rows: Option<u64>,
    pub expected_checksum: u64,
    pub actual_checksum: Option<u64>,
}

/// The restored tables compared with the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Verification {
    /// Every table of the manifest is there with the same rows and checksum.
    pub verified: bool,
    pub tables_checked: u32,
    pub differences: Vec<TableDifference>,
}

/// `GET /api/restores/{id}`, `GET /api/imports/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    /// The database restored or imported into.
    pub database: String,
    /// The backup a restore reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_id: Option<String>,
    pub status: JobStatus,
    /// Bytes of the (compressed) file read so far.
    pub bytes_done: u64,
    pub size_bytes: u64,
    pub created_at: String,
    pub finished_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The line of the file where the failing statement starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_line: Option<u64>,
    /// MariaDB's error number for the failing statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql_errno: Option<u16>,
    /// Why a failed job failed, machine-readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<JobErrorCode>,
    /// After a completed job: the database checked against the file's manifest. Absent when the
    /// file carries none (an import of a dump the panel did not make).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    /// A restore to a point in time: the second it restores the database to (the full backup
    /// `backup_id`, then the binary log's changes up to and including that second).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// Why a restore or import failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobErrorCode {
    /// MariaDB refused a statement (`mysql_errno`, `error_line`).
    SqlError,
    /// The file holds a command of the mariadb command-line client (`\!`, `system`, `source` …), not SQL.
    ClientCommand,
    /// The file holds LOAD DATA/XML LOCAL INFILE: the panel reads no files.
    LocalInfile,
    /// A statement is longer than the server's max_allowed_packet.
    StatementTooLong,
    /// The file decompresses to more than the import limit.
    ImportTooLarge,
    /// The file cannot be read (not valid gzip, cut off).
    Unreadable,
    /// The job ran past `NOBREGAS_JOB_TIMEOUT`: its session was killed.
    JobTimeout,
    /// The panel stopped while the job ran.
    Interrupted,
    /// Anything else (the message says what).
    Failed,
}

impl JobErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SqlError => "sql_error",
            Self::ClientCommand => "client_command",
            Self::LocalInfile => "local_infile",
            Self::StatementTooLong => "statement_too_long",
            Self::ImportTooLarge => "import_too_large",
            Self::Unreadable => "unreadable",
            Self::JobTimeout => "job_timeout",
            Self::Interrupted => "interrupted",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|code| code.as_str() == text)
    }
}

impl Word for JobStatus {
    const ALL: &'static [Self] = &[Self::Queued, Self::Running, Self::Completed, Self::Failed];
    fn word(self) -> &'static str {
        self.as_str()
    }
}

impl Word for BackupKind {
    const ALL: &'static [Self] = &[Self::Manual, Self::Scheduled];
    fn word(self) -> &'static str {
        self.as_str()
    }
}

impl Word for JobKind {
    const ALL: &'static [Self] = &[Self::Restore, Self::Import];
    fn word(self) -> &'static str {
        self.as_str()
    }
}

impl Word for JobErrorCode {
    const ALL: &'static [Self] = &[
        Self::SqlError,
        Self::ClientCommand,
        Self::LocalInfile,
        Self::StatementTooLong,
        Self::ImportTooLarge,
        Self::Unreadable,
        Self::JobTimeout,
        Self::Interrupted,
        Self::Failed,
    ];
    fn word(self) -> &'static str {
        self.as_str()
    }
}

crate::deserialize_as_word!(JobStatus, BackupKind, JobKind, JobErrorCode);

/// The restores and imports of a database, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct JobList {
    pub jobs: Vec<Job>,
}

/// `PUT /api/databases/{name}/backup-schedule`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// The time of day (UTC, `HH:MM`) of the daily backup.
    #[cfg_attr(
        feature = "ssr",
        schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "03:00")
    )]
    pub time_utc: String,
    /// How many scheduled backups to keep; older ones are deleted.
    #[serde(deserialize_with = "crate::query::whole_number::required")]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 365, example = 7))]
    pub keep: u32,
}

/// A database's daily backup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BackupSchedule {
    pub database: String,
    pub time_utc: String,
    pub keep: u32,
    /// RFC 3339, UTC.
    pub next_run_at: String,
}

/// `GET /api/backup-schedules`: every schedule of the account, by database name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ScheduleList {
    pub schedules: Vec<BackupSchedule>,
}

/// `HH:MM` (24-hour, UTC) → minutes after midnight.
pub fn parse_time_utc(text: &str) -> Option<u32> {
    let (hours, minutes) = text.split_once(':')?;
    let two_digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(hours) || !two_digits(minutes) {
        return None;
    }
    let hours: u32 = hours.parse().ok().filter(|h| *h < 24)?;
    let minutes: u32 = minutes.parse().ok().filter(|m| *m < 60)?;
    Some(hours * 60 + minutes)
}

impl ScheduleRequest {
    pub fn validate(&self) -> Result<u32, AppError> {
        let minute = parse_time_utc(&self.time_utc).ok_or_else(|| {
            AppError::validation("time_utc must be a time of day in UTC as HH:MM, e.g. 03:00.")
        })?;
        if !(1..=MAX_KEEP).contains(&self.keep) {
            return Err(AppError::validation(format!(
                "keep must be between 1 and {MAX_KEEP}."
            )));
        }
        Ok(minute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::word::tests::round_trips;

    #[test]
    fn job_words_travel_and_come_back() {
        round_trips::<JobStatus>();
        round_trips::<BackupKind>();
        round_trips::<JobKind>();
        round_trips::<JobErrorCode>();
    }

    #[test]
    fn times_of_day_are_strict() {
        assert_eq!(parse_time_utc("03:00"), Some(180));
        assert_eq!(parse_time_utc("23:59"), Some(23 * 60 + 59));
        assert_eq!(parse_time_utc("00:00"), Some(0));
        for bad in [
            "24:00", "3:00", "03:60", "03-00", "", "03:00:00", "aa:bb", "+3:00",
        ] {
            assert_eq!(parse_time_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn statuses_round_trip() {
        for status in [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Completed,
            JobStatus::Failed,
        ] {
            assert_eq!(JobStatus::parse(status.as_str()), status);
        }
    }
}
