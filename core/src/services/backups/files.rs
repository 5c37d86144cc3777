//! Where backup and upload files live, and the job slots.
use crate::config::Settings;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};
use types::error::AppError;

pub struct Backups {
    dir: PathBuf,
    /// The managed servers' binary log archives (`services::binlog`), one folder per server.
    binlog: PathBuf,
    /// Archived binary log files whose last event is older are removed.
    pub binlog_retention: Duration,
    pub quota_bytes: u64,
    pub import_limit_bytes: u64,
    /// Wall-clock limit of a restore or import.
    pub job_timeout: Duration,
    /// An upload that sends nothing for this long is dropped (408).
    pub upload_idle_timeout: Duration,
    slots: Arc<Semaphore>,
    accounts: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

/// A job's right to run: the account's turn, then one of the panel's slots.
pub struct Turn {
    _account: OwnedMutexGuard<()>,
    _slot: OwnedSemaphorePermit,
}

impl Backups {
    pub fn new(settings: &Settings) -> Arc<Self> {
        Arc::new(Self {
            dir: settings.data_dir.join("backups"),
            binlog: settings.data_dir.join("binlog"),
            binlog_retention: settings.binlog_retention,
            quota_bytes: settings.backup_quota_bytes,
            import_limit_bytes: settings.import_limit_bytes,
            job_timeout: settings.job_timeout,
            upload_idle_timeout: settings.upload_idle_timeout,
            slots: Arc::new(Semaphore::new(settings.backup_jobs.max(1))),
            accounts: Mutex::new(HashMap::new()),
        })
    }

    pub fn binlog_dir(&self, server: &str) -> PathBuf {
        self.binlog.join(server)
    }

    pub fn account_dir(&self, account_id: i64) -> PathBuf {
        self.dir.join(account_id.to_string())
    }

    pub fn backup_path(&self, account_id: i64, id: &str) -> PathBuf {
        self.account_dir(account_id).join(format!("{id}.sql.gz"))
    }

    pub fn part_path(&self, account_id: i64, id: &str) -> PathBuf {
        self.account_dir(account_id)
            .join(format!("{id}.sql.gz.part"))
    }

    pub fn upload_path(&self, account_id: i64, id: &str) -> PathBuf {
        self.account_dir(account_id).join(format!("{id}.upload"))
    }

    pub fn remove_backup_file(&self, account_id: i64, id: &str) -> Result<(), AppError> {
        match std::fs::remove_file(self.backup_path(account_id, id)) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(AppError::internal(err)),
            _ => Ok(()),
        }
    }

    /// Waits for the account's previous job to end, then for a free slot.
    pub async fn turn(&self, account_id: i64) -> Turn {
        let account = self
            .accounts
            .lock()
            .expect("account locks")
            .entry(account_id)
            .or_default()
            .clone();
        let account = account.lock_owned().await;
        let slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("the job semaphore is never closed");
        Turn {
            _account: account,
            _slot: slot,
        }
    }

    /// Half-written backups, uploads and option files of jobs that can no longer finish: those
    /// of `jobs` when given (instances share this directory), else every one (the only process).
    pub fn remove_leftovers(&self, jobs: Option<&[String]>) -> std::io::Result<usize> {
        let mut removed = 0;
        let Ok(accounts) = std::fs::read_dir(&self.dir) else {
            return Ok(0);
        };
        for account in accounts.flatten() {
            for file in std::fs::read_dir(account.path())?.flatten() {
                let path = file.path();
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                let of_a_listed_job =
                    jobs.is_none_or(|ids| ids.iter().any(|id| name.starts_with(&format!("{id}."))));
                if is_leftover(&path) && of_a_listed_job {
                    std::fs::remove_file(file.path())?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

fn is_leftover(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.ends_with(".part") || name.ends_with(".upload") || name.ends_with(".cnf")
}
