//! The lease holder's rounds: upload what has no off-site copy yet, and remove the copies whose
//! file the panel no longer keeps (a deleted or pruned backup, an expired binary log file).
use super::Offsite;
use crate::domain::time;
use crate::services::backups::files::Backups;
use crate::store::Store;
use std::collections::HashSet;

/// Backups copied per round at most (the next round goes on).
const BACKUPS_PER_ROUND: i64 = 20;
/// The binary log file being written is copied again this often while it grows; a file the
/// server has moved on from is copied once, in full, at once.
const LIVE_FILE_EVERY_SECS: i64 = 300;

/// What a round did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub backups: usize,
    pub binlog_files: usize,
}

pub async fn round(offsite: &Offsite, store: &Store, backups: &Backups) -> Result<Round, String> {
    let mut done = Round::default();
    let pending: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT account_id, id, size_bytes FROM backups WHERE status = 'completed' AND offsite_at IS NULL ORDER BY finished_at LIMIT ?",
    )
    .bind(BACKUPS_PER_ROUND)
    .fetch_all(store)
    .await
    .map_err(|err| err.to_string())?;
    for (account_id, id, size) in pending {
        let path = backups.backup_path(account_id, &id);
        if !path.exists() {
            // Deleted meanwhile, or lost before it could be copied: nothing to send.
            continue;
        }
        let len = size.and_then(|n| u64::try_from(n).ok()).unwrap_or(u64::MAX);
        offsite.put(&path, len).await?;
        sqlx::query("UPDATE backups SET offsite_at = ? WHERE id = ?")
            .bind(time::now())
            .bind(&id)
            .execute(store)
            .await
            .map_err(|err| err.to_string())?;
        done.backups += 1;
    }
    done.binlog_files = copy_binlog_files(offsite, store, backups).await?;
    Ok(done)
}

/// A binary log file whose off-site copy is missing or shorter than the archived file.
#[derive(sqlx::FromRow)]
struct Uncopied {
    server: String,
    file: String,
    bytes: i64,
    offsite_at: Option<i64>,
    /// The server's newest file: the one being written.
    newest: String,
}

async fn copy_binlog_files(
    offsite: &Offsite,
    store: &Store,
    backups: &Backups,
) -> Result<usize, String> {
    let rows: Vec<Uncopied> = sqlx::query_as(
        "SELECT s.server, s.file, s.bytes, s.offsite_at,
                (SELECT MAX(n.file) FROM binlog_segments n WHERE n.server = s.server) AS newest
         FROM binlog_segments s
         WHERE s.offsite_bytes IS NULL OR s.offsite_bytes <> s.bytes
         ORDER BY s.server, s.file",
    )
    .fetch_all(store)
    .await
    .map_err(|err| err.to_string())?;
    let now = time::now();
    let mut copied = 0;
    for Uncopied {
        server,
        file,
        bytes,
        offsite_at,
        newest,
    } in rows
    {
        let live = file == newest;
        if live && offsite_at.is_some_and(|at| now - at < LIVE_FILE_EVERY_SECS) {
            continue;
        }
        let path = backups.binlog_dir(&server).join(&file);
        if !path.exists() {
            continue;
        }
        // Only what the store says is archived: the archiver may be appending past it.
        offsite
            .put(&path, u64::try_from(bytes).unwrap_or(0))
            .await?;
        sqlx::query(
            "UPDATE binlog_segments SET offsite_bytes = ?, offsite_at = ? WHERE server = ? AND file = ?",
        )
        .bind(bytes)
        .bind(now)
        .bind(&server)
        .bind(&file)
        .execute(store)
        .await
        .map_err(|err| err.to_string())?;
        copied += 1;
    }
    Ok(copied)
}

/// Removes the off-site copies whose file the store no longer lists; answers how many.
pub async fn sweep(offsite: &Offsite, store: &Store, backups: &Backups) -> Result<usize, String> {
    let kept_backups: HashSet<String> =
        sqlx::query_as::<_, (i64, String)>("SELECT account_id, id FROM backups")
            .fetch_all(store)
            .await
            .map_err(|err| err.to_string())?
            .into_iter()
            .filter_map(|(account_id, id)| {
                offsite.object_name(&backups.backup_path(account_id, &id))
            })
            .collect();
    let kept_files: HashSet<String> =
        sqlx::query_as::<_, (String, String)>("SELECT server, file FROM binlog_segments")
            .fetch_all(store)
            .await
            .map_err(|err| err.to_string())?
            .into_iter()
            .filter_map(|(server, file)| {
                offsite.object_name(&backups.binlog_dir(&server).join(file))
            })
            .collect();
    let mut removed = 0;
    for kind in ["backups/", "binlog/"] {
        for name in offsite
            .s3
            .list(&format!("{}{kind}", offsite.prefix))
            .await?
        {
            if kept_backups.contains(&name) || kept_files.contains(&name) {
                continue;
            }
            offsite.remove(&name).await?;
            removed += 1;
        }
    }
    Ok(removed)
}
