//! This process among the panel instances that share one store: its id, its heartbeat, and the
//! lease that lets exactly one instance do the periodic work (reconciliation, scheduled backups,
//! failing the jobs of instances that stopped).
//!
//! A lease is a row (`leases`): its holder renews it every third of its length; anyone may take it
//! once it has expired. Clocks of the instances are assumed to agree within a second or two (NTP);
//! a lease of 30 s leaves room for that.
use crate::domain::{secret, time};
use crate::store::{self, Store};
use std::sync::LazyLock;
use std::time::Duration;

/// The lease for the periodic work.
pub const MAINTENANCE: &str = "maintenance";

static ID: LazyLock<String> = LazyLock::new(|| secret::random_base62(16));

/// This process's id: random, new at every start.
pub fn id() -> &'static str {
    &ID
}

/// Says this instance is alive (jobs it runs are not failed by others while it does).
pub async fn heartbeat(store: &Store) -> Result<(), sqlx::Error> {
    sqlx::query(store::dialect(
        store,
        "INSERT INTO instances (id, seen_at) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET seen_at = excluded.seen_at",
        "INSERT INTO instances (id, seen_at) VALUES (?, ?) ON DUPLICATE KEY UPDATE seen_at = VALUES(seen_at)",
    ))
    .bind(id())
    .bind(time::now())
    .execute(store)
    .await?;
    Ok(())
}

/// Instances that said they were alive within `lease`, this one always among them.
pub async fn alive(store: &Store, lease: Duration) -> Result<Vec<String>, sqlx::Error> {
    let since = time::now() - lease.as_secs() as i64;
    let mut ids: Vec<String> = sqlx::query_scalar("SELECT id FROM instances WHERE seen_at >= ?")
        .bind(since)
        .fetch_all(store)
        .await?;
    if !ids.iter().any(|alive| alive == id()) {
        ids.push(id().to_owned());
    }
    // Rows of instances gone for a day are of no use to anyone.
    sqlx::query("DELETE FROM instances WHERE seen_at < ?")
        .bind(since - 86_400)
        .execute(store)
        .await?;
    Ok(ids)
}

/// Takes or renews the lease `name` for `lease` from now: true while this instance holds it.
/// `force` takes it whoever holds it (a SQLite store has one process: a holder left behind by
/// the previous run is dead). Lease times are Unix milliseconds.
pub async fn hold(
    store: &Store,
    name: &str,
    lease: Duration,
    force: bool,
) -> Result<bool, sqlx::Error> {
    let now = now_millis();
    sqlx::query(
        "UPDATE leases SET holder = ?, expires_at = ?
         WHERE name = ? AND (? OR holder = ? OR holder = '' OR expires_at < ?)",
    )
    .bind(id())
    .bind(now + lease.as_millis() as i64)
    .bind(name)
    .bind(force)
    .bind(id())
    .bind(now)
    .execute(store)
    .await?;
    // Read back rather than trusting the affected-row count, which MySQL reports as 0 when the
    // renewal wrote the values already there.
    let holder: Option<String> = sqlx::query_scalar("SELECT holder FROM leases WHERE name = ?")
        .bind(name)
        .fetch_optional(store)
        .await?;
    Ok(holder.as_deref() == Some(id()))
}

/// Gives the lease up (a clean shutdown), so that another instance need not wait for it to expire.
pub async fn release(store: &Store, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE leases SET holder = '', expires_at = 0 WHERE name = ? AND holder = ?")
        .bind(name)
        .bind(id())
        .execute(store)
        .await?;
    Ok(())
}

/// Who holds the lease, and until when (Unix milliseconds), for `/healthz` and tests.
pub async fn holder(store: &Store, name: &str) -> Result<Option<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT holder, expires_at FROM leases WHERE name = ? AND holder <> ''")
        .bind(name)
        .fetch_optional(store)
        .await
}

/// How often a holder renews its lease: three chances before it expires.
pub fn renew_every(lease: Duration) -> Duration {
    (lease / 3).max(Duration::from_millis(100))
}

/// How often the others try to take it: once it has expired, one of them has it within a tenth of
/// the lease.
pub fn try_every(lease: Duration) -> Duration {
    (lease / 10).max(Duration::from_millis(50))
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}
