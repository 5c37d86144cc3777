//! The managed MySQL/MariaDB server.
pub mod sql;

use anyhow::Context;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::{ConnectOptions, Executor, MySqlPool};
use std::time::Duration;

/// Connects lazily: the panel starts (and `/healthz` reports it) even while MySQL is down.
pub fn pool(url: &str) -> anyhow::Result<MySqlPool> {
    let options: MySqlConnectOptions = url.parse().context("NOBREGAS_MYSQL_URL is not a valid mysql:// URL")?;
    // Statements can carry database users' passwords (CREATE USER … IDENTIFIED BY): never log them.
    let options = options.log_statements(log::LevelFilter::Off).log_slow_statements(log::LevelFilter::Off, Duration::ZERO);
    Ok(MySqlPoolOptions::new()
        .max_connections(10)
        // Short: with MariaDB down, sqlx retries connecting until this runs out, and the API
        // must say 503 mysql_unavailable within a second or two.
        .acquire_timeout(Duration::from_millis(1500))
        // `sql::quote_string` relies on this: a backslash is then an ordinary character in literals.
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')").await.map(|_| ())
            })
        })
        .connect_lazy_with(options))
}

/// Runs DDL/DCL the panel composed itself (text protocol: not every such statement can be prepared).
pub async fn admin_exec(mysql: &MySqlPool, statement: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(statement).execute(mysql).await.map(|_| ())
}

/// MySQL's own error number (1007, 1396, …), which SQLSTATE alone does not tell apart.
pub fn mysql_error_number(err: &sqlx::Error) -> Option<u16> {
    err.as_database_error()?.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().map(|e| e.number())
}
