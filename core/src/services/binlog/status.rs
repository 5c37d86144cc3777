//! Where each server's archive stands, in the store: read by `server list`, `/metrics` and
//! restores, written by the archiver.
use crate::domain::time;
use crate::store::{self, Store};

/// `state` while the archive keeps up with the server.
pub const ARCHIVING: &str = "archiving";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveStatus {
    /// The server's binary log file and the position after the last event archived.
    pub position: Option<(String, u64)>,
    /// The archive holds every change up to this second (Unix).
    pub synced_at: Option<i64>,
    /// `ARCHIVING`, what the server lacks, or the last error.
    pub state: String,
}

impl ArchiveStatus {
    /// Seconds behind the server, while archiving.
    pub fn lag(&self, now: i64) -> Option<i64> {
        (self.state == ARCHIVING)
            .then_some(self.synced_at)
            .flatten()
            .map(|synced| (now - synced).max(0))
    }

    /// `server list`'s ARCHIVE column: `3 s behind`, or `off` (the server lacks something) or
    /// `error`, with `state` saying what.
    pub fn describe(&self, now: i64) -> String {
        match self.lag(now) {
            Some(lag) => format!("{lag} s behind"),
            None if self.state.starts_with("error:") => "error".into(),
            None => "off".into(),
        }
    }
}

type Row = (Option<String>, Option<i64>, Option<i64>, String);
type NamedRow = (String, Option<String>, Option<i64>, Option<i64>, String);

fn from_row((file, pos, synced_at, state): Row) -> ArchiveStatus {
    ArchiveStatus {
        position: file.zip(pos.and_then(|p| u64::try_from(p).ok())),
        synced_at,
        state,
    }
}

pub async fn of(store: &Store, server: &str) -> Result<Option<ArchiveStatus>, sqlx::Error> {
    let row: Option<Row> =
        sqlx::query_as("SELECT file, pos, synced_at, state FROM binlog_archives WHERE server = ?")
            .bind(server)
            .fetch_optional(store)
            .await?;
    Ok(row.map(from_row))
}

/// Every server's archive, by server name.
pub async fn all(store: &Store) -> Result<Vec<(String, ArchiveStatus)>, sqlx::Error> {
    let rows: Vec<NamedRow> = sqlx::query_as(
        "SELECT server, file, pos, synced_at, state FROM binlog_archives ORDER BY server",
    )
    .fetch_all(store)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(server, file, pos, synced, state)| (server, from_row((file, pos, synced, state))))
        .collect())
}

/// The archive holds the server's log up to `position`, every change up to `synced_at`.
pub async fn save_position(
    store: &Store,
    server: &str,
    (file, pos): (&str, u64),
    synced_at: i64,
) -> Result<(), sqlx::Error> {
    upsert(store, server, Some((file, pos)), Some(synced_at), ARCHIVING).await
}

/// The archive stopped (what the server lacks, or an error); where it stood stays.
pub async fn save_state(store: &Store, server: &str, state: &str) -> Result<(), sqlx::Error> {
    let state: String = state.chars().take(1000).collect();
    let done = sqlx::query("UPDATE binlog_archives SET state = ?, updated_at = ? WHERE server = ?")
        .bind(&state)
        .bind(time::now())
        .bind(server)
        .execute(store)
        .await?;
    if done.rows_affected() == 0 {
        upsert(store, server, None, None, &state).await?;
    }
    Ok(())
}

/// Starts the archive afresh (its position is gone from the server).
pub async fn forget_position(store: &Store, server: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE binlog_archives SET file = NULL, pos = NULL WHERE server = ?")
        .bind(server)
        .execute(store)
        .await?;
    Ok(())
}

async fn upsert(
    store: &Store,
    server: &str,
    position: Option<(&str, u64)>,
    synced_at: Option<i64>,
    state: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(store::dialect(
        store,
        "INSERT INTO binlog_archives (server, file, pos, synced_at, updated_at, state) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (server) DO UPDATE SET file = excluded.file, pos = excluded.pos, synced_at = excluded.synced_at, updated_at = excluded.updated_at, state = excluded.state",
        "INSERT INTO binlog_archives (server, file, pos, synced_at, updated_at, state) VALUES (?, ?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE file = VALUES(file), pos = VALUES(pos), synced_at = VALUES(synced_at), updated_at = VALUES(updated_at), state = VALUES(state)",
    ))
    .bind(server)
    .bind(position.map(|(file, _)| file))
    .bind(position.map(|(_, pos)| pos as i64))
    .bind(synced_at)
    .bind(time::now())
    .bind(state)
    .execute(store)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lag_counts_from_the_last_second_the_archive_holds_and_only_while_archiving() {
        let mut status = ArchiveStatus {
            position: Some(("mariadb-bin.000001".into(), 4)),
            synced_at: Some(1_000),
            state: ARCHIVING.into(),
        };
        assert_eq!(status.lag(1_003), Some(3));
        assert_eq!(status.describe(1_003), "3 s behind");
        assert_eq!(status.lag(990), Some(0));
        status.state = "error: connection refused".into();
        assert_eq!(status.lag(1_003), None);
        assert_eq!(status.describe(1_003), "error");
        status.state = "point-in-time recovery is off on db2: the binary log is off".into();
        assert_eq!(status.describe(1_003), "off");
    }
}
