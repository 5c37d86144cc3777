//! The account's recent statements (the Query tab's History), and the audit event for each run.
use crate::domain::caller::Caller;
use crate::domain::time;
use crate::services::audit;
use crate::store::{self, Store};
use types::activity::Action;
use types::error::AppError;
use types::names::DatabaseName;
use types::query::{HISTORY_LEN, HistoryEntry, QueryHistory};

/// Statements longer than this are kept cut (the editor holds the whole text while it is open).
const MAX_KEPT_BYTES: usize = 64 * 1024;

/// Remembers the statement (a repeat of the newest entry only moves it to now) and writes the
/// audit event. Neither may fail the query: failures go to the operator's log.
pub async fn record(store: &Store, caller: &Caller, database: &DatabaseName, sql: &str) {
    audit::record(
        store,
        audit::Entry::by(caller, Action::QueryRun)
            .with("database", database.as_str())
            .with("statement", sql),
    )
    .await;
    if let Err(err) = remember(store, caller.account_id, database.as_str(), sql).await {
        tracing::error!(error = %err, "failed to keep a statement in the query history");
    }
}

async fn remember(
    store: &Store,
    account_id: i64,
    database: &str,
    sql: &str,
) -> Result<(), sqlx::Error> {
    let mut end = sql.len().min(MAX_KEPT_BYTES);
    while !sql.is_char_boundary(end) {
        end -= 1;
    }
    let sql = &sql[..end];
    // IMMEDIATE: a deferred transaction that reads and then writes fails with SQLITE_BUSY_SNAPSHOT
    // (no busy wait) when another connection wrote in between — seen under the API fuzzer's load.
    let mut tx = store
        .begin_with(store::dialect(store, "BEGIN IMMEDIATE", "BEGIN"))
        .await?;
    let newest: Option<(i64, String, store::Text)> =
        sqlx::query_as("SELECT id, `database`, `sql` FROM query_history WHERE account_id = ? ORDER BY id DESC LIMIT 1")
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((id, _, _)) = newest.filter(|(_, db, text)| db == database && text.0 == sql) {
        sqlx::query("DELETE FROM query_history WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO query_history (account_id, `database`, `sql`, at) VALUES (?, ?, ?, ?)",
    )
    .bind(account_id)
    .bind(database)
    .bind(sql)
    .bind(time::now())
    .execute(&mut *tx)
    .await?;
    // The newest row beyond the kept ones, then everything up to it (MySQL takes no LIMIT in an
    // IN subquery).
    let oldest_dropped: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM query_history WHERE account_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
    )
    .bind(account_id)
    .bind(HISTORY_LEN as i64)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = oldest_dropped {
        sqlx::query("DELETE FROM query_history WHERE account_id = ? AND id <= ?")
            .bind(account_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// The account's last statements, newest first.
pub async fn list(store: &Store, caller: &Caller) -> Result<QueryHistory, AppError> {
    let rows: Vec<(i64, String, store::Text, i64)> =
        sqlx::query_as("SELECT id, `database`, `sql`, at FROM query_history WHERE account_id = ? ORDER BY id DESC LIMIT ?")
            .bind(caller.account_id)
            .bind(HISTORY_LEN as i64)
            .fetch_all(store)
            .await?;
    Ok(QueryHistory {
        entries: rows
            .into_iter()
            .map(|(id, database, sql, at)| HistoryEntry {
                id,
                database,
                sql: sql.0,
                at: time::rfc3339(at),
            })
            .collect(),
    })
}
