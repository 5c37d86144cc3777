//! Receiving an import's file: streamed to disk under the account's quota, which is charged from
//! the first byte. Every upload holds a reservation in the store (`upload_reservations`) that is
//! taken — and grown as bytes arrive — under the account's quota lock, so two uploads, on any
//! instance, cannot both take the last of the room; the reservation becomes the queued import
//! job's size once the body is complete. At most two uploads per account run at once, and one
//! that sends nothing for 30 seconds is dropped.
use super::Context;
use super::catalog;
use crate::domain::caller::Caller;
use crate::domain::{secret, time};
use crate::services::account_lock;
use crate::store::Store;
use axum::body::Body;
use futures_util::StreamExt;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;
use types::error::{AppError, ErrorCode};

/// Uploads one account may have in flight at once.
pub const PER_ACCOUNT: i64 = 2;
/// How much more is reserved each time a body without a declared length outgrows its reservation.
const RESERVE_STEP: u64 = 8 << 20;

/// An import's file, received whole; its bytes are still reserved (`release` once its job exists).
pub struct Upload {
    pub id: String,
    pub path: PathBuf,
    pub size: u64,
}

/// Streams the request body to disk: past the import limit 413, past the quota 507
/// `quota_exceeded`, a third upload at once 429, idle for 30 s 408, empty 422. A refused or
/// broken upload leaves neither file nor reservation.
pub async fn receive(
    state: &Context,
    caller: &Caller,
    declared: Option<u64>,
    body: Body,
) -> Result<Upload, AppError> {
    let limit = state.backups.import_limit_bytes;
    if declared.is_some_and(|declared| declared > limit) {
        return Err(too_large(limit));
    }
    let id = secret::random_base62(16);
    let mut reservation = Reservation {
        state,
        caller,
        id: &id,
        bytes: 0,
    };
    reservation
        .grow_to(declared.unwrap_or(RESERVE_STEP.min(limit)).max(1))
        .await?;
    let path = state.backups.upload_path(caller.account_id, &id);
    let received = write_body(&path, body, &mut reservation, declared.is_some()).await;
    let size = match received {
        Ok(0) => Err(AppError::validation(
            "The file is empty: send a .sql or .sql.gz file as the request body.",
        )),
        other => other,
    };
    match size {
        Ok(size) => Ok(Upload {
            id: id.clone(),
            path,
            size,
        }),
        Err(err) => {
            let _ = tokio::fs::remove_file(&path).await;
            release(&state.store, &id).await;
            Err(err)
        }
    }
}

/// Drops an upload's reservation (its job now carries the size, or it failed).
pub async fn release(store: &Store, id: &str) {
    if let Err(err) = sqlx::query("DELETE FROM upload_reservations WHERE id = ?")
        .bind(id)
        .execute(store)
        .await
    {
        tracing::warn!(error = %err, upload = id, "could not release an upload's reservation");
    }
}

fn too_large(limit: u64) -> AppError {
    AppError::new(
        ErrorCode::PayloadTooLarge,
        format!(
            "The file is larger than the {} an import may be.",
            types::model::human_size(limit)
        ),
    )
}

/// The bytes of the quota an upload holds.
struct Reservation<'a> {
    state: &'a Context,
    caller: &'a Caller,
    id: &'a str,
    bytes: u64,
}

impl Reservation<'_> {
    /// Reserves `bytes` in all (the first call creates the reservation), if the account's quota
    /// has room for them beside everything else it is charged with.
    async fn grow_to(&mut self, bytes: u64) -> Result<(), AppError> {
        let store = &self.state.store;
        let quota = super::quota_of(self.state, self.caller.account_id).await?;
        let _quota_lock = account_lock::lock_quota(store, &self.caller.prefix).await?;
        let used = catalog::used_bytes(store, self.caller.account_id).await?;
        if used - self.bytes.min(used) + bytes > quota {
            return Err(super::quota_full(quota));
        }
        if self.bytes == 0 {
            let uploading: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM upload_reservations WHERE account_id = ?")
                    .bind(self.caller.account_id)
                    .fetch_one(store)
                    .await?;
            if uploading >= PER_ACCOUNT {
                return Err(AppError::too_many(
                    format!(
                        "{PER_ACCOUNT} uploads of this account are still being received; wait for one to finish."
                    ),
                    5,
                ));
            }
            sqlx::query("INSERT INTO upload_reservations (id, account_id, bytes, runner, created_at) VALUES (?, ?, ?, ?, ?)")
                .bind(self.id)
                .bind(self.caller.account_id)
                .bind(bytes as i64)
                .bind(crate::instance::id())
                .bind(time::now())
                .execute(store)
                .await?;
        } else {
            sqlx::query("UPDATE upload_reservations SET bytes = ? WHERE id = ?")
                .bind(bytes as i64)
                .bind(self.id)
                .execute(store)
                .await?;
        }
        self.bytes = bytes;
        Ok(())
    }
}

async fn write_body(
    path: &Path,
    body: Body,
    reservation: &mut Reservation<'_>,
    exact: bool,
) -> Result<u64, AppError> {
    let backups = &reservation.state.backups;
    let broken =
        |err: &dyn std::fmt::Display| AppError::bad_request(format!("The upload broke off: {err}"));
    crate::data_dir::create_private_dir(&backups.account_dir(reservation.caller.account_id))
        .map_err(AppError::internal)?;
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(crate::data_dir::PRIVATE_FILE)
        .open(path)
        .await
        .map_err(AppError::internal)?;
    let mut file = tokio::io::BufWriter::with_capacity(1 << 20, file);
    let mut stream = body.into_data_stream();
    let mut size = 0u64;
    loop {
        let chunk = match tokio::time::timeout(backups.upload_idle_timeout, stream.next()).await {
            Ok(Some(chunk)) => chunk.map_err(|err| broken(&err))?,
            Ok(None) => break,
            Err(_) => {
                return Err(AppError::new(
                    ErrorCode::RequestTimeout,
                    format!(
                        "The upload sent nothing for {} s and was dropped.",
                        backups.upload_idle_timeout.as_secs()
                    ),
                ));
            }
        };
        size += chunk.len() as u64;
        if size > backups.import_limit_bytes {
            return Err(too_large(backups.import_limit_bytes));
        }
        if size > reservation.bytes {
            // A declared length is reserved whole; a body that sends more than it said is broken.
            if exact {
                return Err(AppError::bad_request(
                    "The body is longer than its Content-Length.",
                ));
            }
            reservation
                .grow_to((size + RESERVE_STEP).min(backups.import_limit_bytes))
                .await?;
        }
        file.write_all(&chunk).await.map_err(|err| broken(&err))?;
    }
    // No fsync: the file is the job's input for the next minutes, not something to keep; if the
    // machine stops before the job ran, the job is failed and the file removed at the next start.
    // (Syncing a 1 GB upload cost about a third of an import's time.)
    file.flush().await.map_err(|err| broken(&err))?;
    Ok(size)
}
