//! Where backup and upload files live, the job slots, and receiving an import's body.
use crate::config::Settings;
use crate::domain::secret;
use app::error::{AppError, ErrorCode};
use axum::body::Body;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

pub struct Backups {
    dir: PathBuf,
    pub quota_bytes: u64,
    pub import_limit_bytes: u64,
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
            quota_bytes: settings.backup_quota_bytes,
            import_limit_bytes: settings.import_limit_bytes,
            slots: Arc::new(Semaphore::new(settings.backup_jobs.max(1))),
            accounts: Mutex::new(HashMap::new()),
        })
    }

    pub fn account_dir(&self, account_id: i64) -> PathBuf {
        self.dir.join(account_id.to_string())
    }

    pub fn backup_path(&self, account_id: i64, id: &str) -> PathBuf {
        self.account_dir(account_id).join(format!("{id}.sql.gz"))
    }

    pub fn part_path(&self, account_id: i64, id: &str) -> PathBuf {
        self.account_dir(account_id).join(format!("{id}.sql.gz.part"))
    }

    fn upload_path(&self, account_id: i64, id: &str) -> PathBuf {
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
        let account = self.accounts.lock().expect("account locks").entry(account_id).or_default().clone();
        let account = account.lock_owned().await;
        let slot = self.slots.clone().acquire_owned().await.expect("the job semaphore is never closed");
        Turn { _account: account, _slot: slot }
    }

    /// Half-written backups, uploads and option files of jobs that can no longer finish: those
    /// of `jobs` when given (instances share this directory), else every one (the only process).
    pub fn remove_leftovers(&self, jobs: Option<&[String]>) -> std::io::Result<usize> {
        let mut removed = 0;
        let Ok(accounts) = std::fs::read_dir(&self.dir) else { return Ok(0) };
        for account in accounts.flatten() {
            for file in std::fs::read_dir(account.path())?.flatten() {
                let path = file.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                let of_a_listed_job = jobs.is_none_or(|ids| ids.iter().any(|id| name.starts_with(&format!("{id}."))));
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
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    name.ends_with(".part") || name.ends_with(".upload") || name.ends_with(".cnf")
}

/// An import's file, received whole.
pub struct Upload {
    pub id: String,
    pub path: PathBuf,
    pub size: u64,
}

/// Streams the request body to disk: past the import limit 413, past the quota 507, empty 422.
/// A refused or broken upload leaves no file.
pub async fn receive_upload(backups: &Backups, account_id: i64, used: u64, declared: Option<u64>, body: Body) -> Result<Upload, AppError> {
    let too_large = || {
        AppError::new(
            ErrorCode::PayloadTooLarge,
            format!("The file is larger than the {} an import may be.", app::model::human_size(backups.import_limit_bytes)),
        )
    };
    let room = backups.quota_bytes.saturating_sub(used);
    if let Some(declared) = declared {
        if declared > backups.import_limit_bytes {
            return Err(too_large());
        }
        if declared > room {
            return Err(super::quota_full(backups.quota_bytes));
        }
    }
    let id = secret::random_base62(16);
    let path = backups.upload_path(account_id, &id);
    tokio::fs::create_dir_all(backups.account_dir(account_id)).await.map_err(AppError::internal)?;
    let received = write_body(&path, body, backups.import_limit_bytes, room).await;
    let size = match received {
        Ok(size) => size,
        Err(err) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(match err {
                Refusal::TooLarge => too_large(),
                Refusal::Quota => super::quota_full(backups.quota_bytes),
                Refusal::Broken(err) => AppError::bad_request(format!("The upload broke off: {err}")),
            });
        }
    };
    if size == 0 {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(AppError::validation("The file is empty: send a .sql or .sql.gz file as the request body."));
    }
    Ok(Upload { id, path, size })
}

enum Refusal {
    TooLarge,
    Quota,
    Broken(String),
}

async fn write_body(path: &Path, body: Body, limit: u64, room: u64) -> Result<u64, Refusal> {
    let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(path).await.map_err(|e| Refusal::Broken(e.to_string()))?;
    let mut file = tokio::io::BufWriter::with_capacity(1 << 20, file);
    let mut stream = body.into_data_stream();
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Refusal::Broken(e.to_string()))?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(Refusal::TooLarge);
        }
        if size > room {
            return Err(Refusal::Quota);
        }
        file.write_all(&chunk).await.map_err(|e| Refusal::Broken(e.to_string()))?;
    }
    file.flush().await.map_err(|e| Refusal::Broken(e.to_string()))?;
    file.into_inner().sync_all().await.map_err(|e| Refusal::Broken(e.to_string()))?;
    Ok(size)
}
