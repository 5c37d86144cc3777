//! The managed MySQL/MariaDB server.
pub mod sql;

use anyhow::Context;
use sqlx::MySqlPool;
use sqlx::mysql::MySqlPoolOptions;
use std::time::Duration;

/// Connects lazily: the panel starts (and `/healthz` reports it) even while MySQL is down.
pub fn pool(url: &str) -> anyhow::Result<MySqlPool> {
    MySqlPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(3))
        .connect_lazy(url)
        .context("NOBREGAS_MYSQL_URL is not a valid mysql:// URL")
}
