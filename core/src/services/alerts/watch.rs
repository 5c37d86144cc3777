//! Events nobody's request causes, found by looking: a scheduled database without a recent
//! backup, and an API key used from an address the account's keys never came from.
use super::{Event, notify};
use crate::domain::time;
use crate::store::{self, Store, Text};
use std::net::IpAddr;
use std::time::Duration;
use types::error::AppError;

/// `backup.missing` once per gap: for each scheduled database whose last completed backup is older
/// than `after`, unless that same backup was already told about. A database never backed up yet
/// is not missing one (its first scheduled run is still to come; failed runs are `backup.failed`).
pub async fn missing_backups(store: &Store, after: Duration) -> Result<(), AppError> {
    let now = time::now();
    let cutoff = now - after.as_secs() as i64;
    let gaps: Vec<(i64, Text, i64)> = sqlx::query_as(
        "SELECT s.account_id, s.`database`, b.last
         FROM backup_schedules s
         JOIN (SELECT account_id, `database`, MAX(finished_at) AS last FROM backups
               WHERE status = 'completed' GROUP BY account_id, `database`) b
           ON b.account_id = s.account_id AND b.`database` = s.`database`
         LEFT JOIN backup_gaps g ON g.account_id = s.account_id AND g.`database` = s.`database`
         WHERE b.last < ? AND (g.last_backup_at IS NULL OR g.last_backup_at <> b.last)",
    )
    .bind(cutoff)
    .fetch_all(store)
    .await?;
    for (account_id, Text(database), last) in gaps {
        sqlx::query(store::dialect(
            store,
            "INSERT INTO backup_gaps (account_id, `database`, last_backup_at) VALUES (?, ?, ?)
             ON CONFLICT (account_id, `database`) DO UPDATE SET last_backup_at = excluded.last_backup_at",
            "INSERT INTO backup_gaps (account_id, `database`, last_backup_at) VALUES (?, ?, ?)
             ON DUPLICATE KEY UPDATE last_backup_at = VALUES(last_backup_at)",
        ))
        .bind(account_id)
        .bind(&database)
        .bind(last)
        .execute(store)
        .await?;
        let hours = (now - last).max(0) as u64 / 3600;
        let event = Event::backup_missing(&database, &time::rfc3339(last), hours);
        notify(store, account_id, event).await;
    }
    Ok(())
}

/// Records that the account's key was used from `ip`; a first use from an address not seen before
/// is `api_key.new_ip` — except the account's very first address, which is simply where its keys
/// are used from. Returns whether the address is known now (the caller remembers it in memory, so
/// this runs once per address and process).
pub async fn key_used_from(store: &Store, account_id: i64, ip: IpAddr) -> bool {
    match record_ip(store, account_id, ip).await {
        Ok(new_but_not_first) => {
            if new_but_not_first {
                notify(store, account_id, Event::api_key_new_ip(&ip.to_string())).await;
            }
            true
        }
        Err(err) => {
            tracing::warn!(error = %err.message, account_id, "could not record where an API key was used from");
            false
        }
    }
}

async fn record_ip(store: &Store, account_id: i64, ip: IpAddr) -> Result<bool, AppError> {
    let inserted = sqlx::query(store::dialect(
        store,
        "INSERT OR IGNORE INTO api_key_ips (account_id, ip, first_seen_at) VALUES (?, ?, ?)",
        "INSERT IGNORE INTO api_key_ips (account_id, ip, first_seen_at) VALUES (?, ?, ?)",
    ))
    .bind(account_id)
    .bind(ip.to_canonical().to_string())
    .bind(time::now())
    .execute(store)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(false);
    }
    let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_key_ips WHERE account_id = ?")
        .bind(account_id)
        .fetch_one(store)
        .await?;
    Ok(known > 1)
}
