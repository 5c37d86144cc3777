//! The panel's own store: SQLite in the data directory, WAL, migrated at start-up.
use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

/// The store's file in the data directory.
pub fn path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("panel.db")
}

pub async fn open(data_dir: &Path) -> anyhow::Result<SqlitePool> {
    std::fs::create_dir_all(data_dir).with_context(|| format!("Failed to create data dir {}", data_dir.display()))?;
    let options = SqliteConnectOptions::new()
        .filename(path(data_dir))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // The CLI and the server may write at the same moment: wait instead of failing.
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .context("Failed to open the panel store (SQLite)")?;
    sqlx::migrate!("./migrations").run(&pool).await.context("Failed to migrate the panel store")?;
    Ok(pool)
}
