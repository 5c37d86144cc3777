//! The managed MySQL/MariaDB server.
pub mod default_server;
pub mod fleet;
pub mod processlist;
pub mod server;
pub mod sql;

use crate::config::Settings;
use anyhow::Context;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlPoolOptions};
use sqlx::{ConnectOptions, Connection, Executor, MySqlPool};
use std::time::Duration;
use types::error::AppError;

/// MariaDB's ER_LOCK_WAIT_TIMEOUT: the statement waited `lock_wait_timeout` for a lock.
const LOCK_WAIT_TIMEOUT: u16 = 1205;

/// Connects lazily: the panel starts (and `/healthz` reports it) even while MySQL is down.
///
/// Every admin session waits at most `mysql_lock_wait_timeout` for a lock, and carries the panel's
/// other limits as user variables: code that only holds the pool (services, `admin_exec`) reads
/// them from the connection, so two panels in one process (tests) keep their own settings.
pub fn pool(settings: &Settings) -> anyhow::Result<MySqlPool> {
    let options: MySqlConnectOptions = settings
        .mysql_url
        .parse()
        .context("NOBREGAS_MYSQL_URL is not a valid mysql:// URL")?;
    Ok(pool_with(default_tls(settings)?.apply(options), settings))
}

/// The default server's TLS: verified against `NOBREGAS_MYSQL_CA` when set; otherwise what its
/// URL says (`?ssl-mode=…`), labelled loopback.
pub fn default_tls(settings: &Settings) -> anyhow::Result<server::ServerTls> {
    Ok(match &settings.mysql_ca {
        Some(file) => {
            let ca_pem = std::fs::read_to_string(file)
                .with_context(|| format!("NOBREGAS_MYSQL_CA: cannot read {}", file.display()))?;
            anyhow::ensure!(
                ca_pem.contains("-----BEGIN CERTIFICATE-----"),
                "NOBREGAS_MYSQL_CA: {} holds no PEM certificate",
                file.display()
            );
            server::ServerTls::Verified { ca_pem }
        }
        None => server::ServerTls::Loopback,
    })
}

/// `pool` for any server of the fleet: its own address and credentials, the panel's limits.
pub fn pool_with(options: MySqlConnectOptions, settings: &Settings) -> MySqlPool {
    // Statements can carry database users' passwords (CREATE USER … IDENTIFIED BY): never log them.
    let options = options
        .log_statements(log::LevelFilter::Off)
        .log_slow_statements(log::LevelFilter::Off, Duration::ZERO);
    // Numbers only: nothing here comes from a user.
    let session = format!(
        // `sql::quote_string` relies on NO_BACKSLASH_ESCAPES: a backslash is then an ordinary character in literals.
        "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES'),
             SESSION lock_wait_timeout = {}, @nobregas_deadline_ms = {}, @nobregas_max_user_connections = {}",
        settings.mysql_lock_wait_timeout.as_secs().max(1),
        settings.mysql_statement_deadline.as_millis().max(1),
        settings.max_user_connections,
    );
    MySqlPoolOptions::new()
        .max_connections(10)
        // Short: with MariaDB down, sqlx retries connecting until this runs out, and the API
        // must say 503 mysql_unavailable within a second or two.
        .acquire_timeout(Duration::from_millis(1500))
        .after_connect(move |conn, _meta| {
            let session = session.clone();
            Box::pin(async move { conn.execute(session.as_str()).await.map(|_| ()) })
        })
        .connect_lazy_with(options)
}

/// Runs DDL/DCL the panel composed itself (text protocol: not every such statement can be prepared).
pub async fn admin_exec(mysql: &MySqlPool, statement: &str) -> Result<(), AppError> {
    admin_exec_expecting(mysql, statement, |_| None).await
}

/// `admin_exec`, with the caller's own outcome for MariaDB error numbers it expects (1007 …).
///
/// A statement stuck on a lock answers 409 after the session's `lock_wait_timeout`; one still
/// running at the deadline is killed on the server and answers 503. Either way its connection is
/// free again: one customer's open transaction cannot hold the admin pool.
pub async fn admin_exec_expecting(
    mysql: &MySqlPool,
    statement: &str,
    expected: impl FnOnce(u16) -> Option<Result<(), AppError>>,
) -> Result<(), AppError> {
    let mut conn = mysql.acquire().await?;
    let (thread, deadline_ms, lock_wait): (u64, Option<u64>, u64) = sqlx::query_as(
        "SELECT CAST(CONNECTION_ID() AS UNSIGNED), CAST(@nobregas_deadline_ms AS UNSIGNED),
                CAST(@@SESSION.lock_wait_timeout AS UNSIGNED)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let deadline = deadline_ms.map_or_else(
        || Settings::deadline_for(Duration::from_secs(lock_wait)),
        Duration::from_millis,
    );
    match tokio::time::timeout(deadline, execute_text(&mut conn, statement)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => match mysql_error_number(&err) {
            Some(number) => match expected(number) {
                Some(outcome) => outcome,
                None if number == LOCK_WAIT_TIMEOUT => Err(AppError::conflict(format!(
                    "The database server waited {lock_wait} s for a lock and gave up: another session (an open \
                     transaction on this database, for example) is using it. Try again once it has finished."
                ))),
                None => Err(AppError::from(err)),
            },
            None => Err(AppError::from(err)),
        },
        Err(_elapsed) => {
            // The statement may still be running (or waiting) on the server: end it there, and
            // never hand this half-read connection to anyone again.
            kill_thread(mysql, thread).await;
            drop(conn.detach());
            tracing::warn!(
                thread,
                ?deadline,
                "admin statement cancelled at its deadline"
            );
            Err(AppError::unavailable(format!(
                "The database server did not finish the change within {} s, so it was cancelled. Try again shortly.",
                deadline.as_secs_f32().ceil()
            )))
        }
    }
}

/// Without arguments sqlx sends the statement as text (not every DDL/DCL statement can be prepared).
/// A function of its own so the future has one named borrow of the connection (rustc cannot prove
/// the inline form `Send`).
async fn execute_text(conn: &mut MySqlConnection, statement: &str) -> Result<(), sqlx::Error> {
    conn.execute(statement).await.map(|_| ())
}

/// `KILL CONNECTION` from a connection of its own: the pool may be exhausted by stuck statements.
async fn kill_thread(mysql: &MySqlPool, thread: u64) {
    let killed = async {
        let mut killer = MySqlConnection::connect_with(&mysql.connect_options()).await?;
        let result = killer
            .execute(format!("KILL CONNECTION {thread}").as_str())
            .await;
        let _ = killer.close().await;
        result
    };
    match tokio::time::timeout(Duration::from_secs(5), killed).await {
        Ok(Ok(_)) => {}
        Ok(Err(err)) if mysql_error_number(&err) == Some(processlist::NO_SUCH_THREAD) => {}
        Ok(Err(err)) => {
            tracing::error!(thread, error = %err, "could not kill a stuck admin statement")
        }
        Err(_) => tracing::error!(thread, "could not kill a stuck admin statement in time"),
    }
}

/// The `MAX_USER_CONNECTIONS` every database user gets (`Settings::max_user_connections`).
pub async fn max_user_connections(mysql: &MySqlPool) -> Result<u32, AppError> {
    let limit: Option<u64> =
        sqlx::query_scalar("SELECT CAST(@nobregas_max_user_connections AS UNSIGNED)")
            .fetch_one(mysql)
            .await?;
    Ok(limit.map_or(Settings::DEFAULT_MAX_USER_CONNECTIONS, |n| {
        u32::try_from(n).unwrap_or(u32::MAX)
    }))
}

/// MySQL's own error number (1007, 1396, …), which SQLSTATE alone does not tell apart.
pub fn mysql_error_number(err: &sqlx::Error) -> Option<u16> {
    err.as_database_error()?
        .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        .map(|e| e.number())
}
