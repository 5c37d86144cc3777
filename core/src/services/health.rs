use crate::instance;
use crate::managed::fleet::Fleet;
use crate::store::Store;
use serde::Serialize;
use sqlx::MySqlPool;
use std::time::Duration;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub checks: Checks,
    /// Every managed server: one that is down makes only its own accounts answer 503.
    pub servers: Vec<ServerHealth>,
    pub instance: InstanceHealth,
}

#[derive(Debug, Serialize)]
pub struct Checks {
    pub panel_store: &'static str,
    /// Every managed server (the default one and the registered ones).
    pub mysql: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ServerHealth {
    pub name: String,
    pub status: &'static str,
}

/// Which instance answered, and whether it runs the periodic work (several may share a store).
#[derive(Debug, Serialize)]
pub struct InstanceHealth {
    pub id: &'static str,
    pub maintenance: bool,
}

impl Health {
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}

/// One quick question to the managed server.
pub async fn mysql_up(mysql: &MySqlPool) -> bool {
    matches!(
        tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("SELECT 1").execute(mysql)).await,
        Ok(Ok(_))
    )
}

fn word(up: bool) -> &'static str {
    if up { "ok" } else { "down" }
}

/// Asks the panel store and every managed server a trivial question, concurrently.
pub async fn check(store: &Store, fleet: &Fleet) -> Health {
    let store_probe = tokio::time::timeout(PROBE_TIMEOUT, sqlx::query("SELECT 1").execute(store));
    let (store_result, servers) = tokio::join!(store_probe, fleet.all(store));
    let store_up = matches!(store_result, Ok(Ok(_)));
    // Without the store only the default server is known.
    let servers = servers.unwrap_or_else(|_| fleet.loaded());
    let probes = servers.iter().map(|server| mysql_up(&server.pool));
    let ups = futures_util::future::join_all(probes).await;
    let servers: Vec<ServerHealth> = servers
        .iter()
        .zip(&ups)
        .map(|(server, up)| ServerHealth {
            name: server.name.clone(),
            status: word(*up),
        })
        .collect();
    let mysql_up = ups.iter().all(|up| *up);
    let holder = instance::holder(store, instance::MAINTENANCE)
        .await
        .ok()
        .flatten();
    Health {
        status: if store_up && mysql_up {
            "ok"
        } else {
            "unavailable"
        },
        checks: Checks {
            panel_store: word(store_up),
            mysql: word(mysql_up),
        },
        servers,
        instance: InstanceHealth {
            id: instance::id(),
            maintenance: holder.is_some_and(|(id, _)| id == instance::id()),
        },
    }
}
