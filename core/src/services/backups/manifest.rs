//! The manifest: every base table's row count and `CHECKSUM TABLE`, read on the identity's own
//! session. A backup reads it while its tables are read-locked, and keeps the lock until the
//! dump's consistent snapshot has begun, so the manifest and the dump describe the same moment.
//! A restore or import reads it again afterwards and compares.
use crate::managed::sql::quote_identifier;
use mysql_async::Conn;
use mysql_async::prelude::Queryable;
use sqlx::MySqlPool;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use types::backups::{TableChecksum, TableDifference, Verification};

/// The session database's base tables (system-versioned ones included; views and sequences have no rows of their own).
pub async fn base_tables(conn: &mut Conn) -> Result<Vec<String>, mysql_async::Error> {
    conn.query(
        "SELECT TABLE_NAME FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_NAME",
    )
    .await
}

/// `LOCK TABLES … READ` on all of them: writers wait, readers (the dump) go on. A table a
/// customer's transaction holds longer than a minute fails the backup instead of waiting a year.
pub async fn lock(conn: &mut Conn, tables: &[String]) -> Result<(), mysql_async::Error> {
    if tables.is_empty() {
        return Ok(());
    }
    conn.query_drop("SET SESSION lock_wait_timeout = 60")
        .await?;
    let list: Vec<String> = tables
        .iter()
        .map(|t| format!("{} READ", quote_identifier(t)))
        .collect();
    conn.query_drop(format!("LOCK TABLES {}", list.join(", ")))
        .await
}

pub async fn unlock(conn: &mut Conn) -> Result<(), mysql_async::Error> {
    conn.query_drop("UNLOCK TABLES").await
}

/// Two sessions of the identity: the count and the checksum of a table are two scans, run side by side.
pub struct Sessions<'a> {
    pub counting: &'a mut Conn,
    pub summing: &'a mut Conn,
}

pub async fn measure(
    sessions: &mut Sessions<'_>,
    tables: &[String],
) -> Result<Vec<TableChecksum>, mysql_async::Error> {
    let mut manifest = Vec::with_capacity(tables.len());
    for table in tables {
        let (rows, checksum) = measure_one(sessions, table).await?;
        manifest.push(TableChecksum {
            name: table.clone(),
            rows,
            checksum: checksum.unwrap_or(0),
        });
    }
    Ok(manifest)
}

async fn measure_one(
    sessions: &mut Sessions<'_>,
    table: &str,
) -> Result<(u64, Option<u64>), mysql_async::Error> {
    let quoted = quote_identifier(table);
    let count = format!("SELECT COUNT(*) FROM {quoted}");
    let sum = format!("CHECKSUM TABLE {quoted}");
    let (rows, checksum): (Option<u64>, Option<(String, Option<u64>)>) = tokio::try_join!(
        sessions.counting.query_first(count),
        sessions.summing.query_first(sum)
    )?;
    Ok((rows.unwrap_or(0), checksum.and_then(|(_, sum)| sum)))
}

/// Waits until a session of `user` newer than `after` (the lock session's id: ids only grow)
/// holds an InnoDB transaction — the dump's `START TRANSACTION WITH CONSISTENT SNAPSHOT` — or
/// `done` says the dump already ended. Reads the process list as the admin (the identity has no
/// PROCESS privilege).
pub async fn wait_for_snapshot(mysql: &MySqlPool, user: &str, after: u32, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && !done() {
        let started: Result<i64, _> = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.INNODB_TRX t
             JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
             WHERE p.USER = ? AND p.ID > ?",
        )
        .bind(user)
        .bind(after)
        .fetch_one(mysql)
        .await;
        match started {
            Ok(n) if n > 0 => return,
            // InnoDB refreshes INNODB_TRX only when nobody read it for 0.1 s: polling faster
            // would keep reading the same (empty) picture.
            Ok(_) => tokio::time::sleep(Duration::from_millis(150)).await,
            Err(err) => {
                tracing::warn!(error = %err, "could not watch for the dump's snapshot; releasing the lock");
                return;
            }
        }
    }
}

/// The tables as restored, compared with the manifest.
pub async fn verify(
    sessions: &mut Sessions<'_>,
    manifest: &[TableChecksum],
) -> Result<Verification, mysql_async::Error> {
    let present: HashSet<String> = base_tables(sessions.counting).await?.into_iter().collect();
    let mut differences = Vec::new();
    for expected in manifest {
        let (actual_rows, actual_checksum) = if present.contains(&expected.name) {
            let (rows, checksum) = measure_one(sessions, &expected.name).await?;
            (Some(rows), Some(checksum.unwrap_or(0)))
        } else {
            (None, None)
        };
        if actual_rows != Some(expected.rows) || actual_checksum != Some(expected.checksum) {
            differences.push(TableDifference {
                name: expected.name.clone(),
                expected_rows: expected.rows,
                actual_rows,
                expected_checksum: expected.checksum,
                actual_checksum,
            });
        }
    }
    Ok(Verification {
        verified: differences.is_empty(),
        tables_checked: manifest.len() as u32,
        differences,
    })
}
