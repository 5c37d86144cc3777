use serde::Serialize;
use sqlx::MySqlPool;
use crate::store::Store;
use std::time::Duration;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub checks: Checks,
}

#[derive(Debug, Serialize)]
pub struct Checks {
    pub panel_store: &'static str,
    pub mysql: &'static str,
}

impl Health {
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}

/// One quick question to the managed server.
pub async fn mysql_up(mysql: &MySqlPool) -> bool {
    matches!(tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("SELECT 1").execute(mysql)).await, Ok(Ok(_)))
}

/// Asks both the panel store and the managed MySQL server a trivial question, concurrently.
pub async fn check(store: &Store, mysql: &MySqlPool) -> Health {
    let store_probe = tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("SELECT 1").execute(store));
    let mysql_probe = tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("SELECT 1").execute(mysql));
    let (store_result, mysql_result) = tokio::join!(store_probe, mysql_probe);
    let word = |up: bool| if up { "ok" } else { "down" };
    let store_up = matches!(store_result, Ok(Ok(_)));
    let mysql_up = matches!(mysql_result, Ok(Ok(_)));
    Health {
        status: if store_up && mysql_up { "ok" } else { "unavailable" },
        checks: Checks { panel_store: word(store_up), mysql: word(mysql_up) },
    }
}
