//! What an account uses of its plan. Counts (databases, users, whitelist hosts, backup bytes)
//! are read when asked; storage is not: `information_schema.TABLES` over a whole server opens
//! every table's metadata and stalls a busy server (cPanel warns of exactly this), so the
//! maintenance loop measures a few databases per pass, least recently measured first, each with
//! `TABLE_SCHEMA = ?` (MariaDB then reads that schema alone), and usage sums the figures kept.
use crate::domain::caller::Caller;
use crate::domain::time;
use crate::managed::fleet::Fleet;
use crate::services::{alerts, audit, database_index, db_users, over_storage, plans};
use crate::store::Store;
use crate::store_cache::StoreCache;
use sqlx::MySqlPool;
use types::activity::Action;
use types::error::AppError;
use types::model::{AccountPlan, AccountUsage, storage_threshold};
use types::validate::Prefix;

/// Databases measured per maintenance pass (one short query each).
pub const MEASURED_PER_PASS: i64 = 200;

/// One database's bytes: `= ?` makes MariaDB open that schema's tables only (public for the
/// storage bench, which sends it straight to MariaDB).
pub const DATABASE_SIZE: &str =
    "SELECT CAST(COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS SIGNED)
     FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?";

/// The pause between two databases of the maintenance loop's pass: 200 databases spread over
/// about 10 s of each minute, so that a customer's query rarely meets a measurement at all
/// (docs/PERFORMANCE.md, issue 26).
pub const PAUSE_BETWEEN: std::time::Duration = std::time::Duration::from_millis(50);

/// The maintenance loop's pass: `MEASURED_PER_PASS` databases, paced by `PAUSE_BETWEEN`.
pub async fn measure_pass(store: &Store, fleet: &Fleet) -> Result<usize, AppError> {
    measure(store, fleet, MEASURED_PER_PASS, PAUSE_BETWEEN).await
}

/// Measures up to `limit` databases at once, those never or least recently measured first;
/// answers how many. A server that does not answer is skipped until the next pass.
pub async fn measure_next(store: &Store, fleet: &Fleet, limit: i64) -> Result<usize, AppError> {
    measure(store, fleet, limit, std::time::Duration::ZERO).await
}

async fn measure(
    store: &Store,
    fleet: &Fleet,
    limit: i64,
    pause: std::time::Duration,
) -> Result<usize, AppError> {
    // Accounts over their storage first (up to half the pass): a customer cleaning up gets
    // their writes back within a pass, not after a round of the whole fleet.
    let mut stale = least_recently_measured(store, true, limit / 2).await?;
    let cap = usize::try_from(limit).unwrap_or(0);
    for next in least_recently_measured(store, false, limit).await? {
        if stale.len() >= cap {
            break;
        }
        if !stale.contains(&next) {
            stale.push(next);
        }
    }
    let mut measured = 0;
    let mut accounts = std::collections::BTreeSet::new();
    for (account_id, name) in stale {
        if measured > 0 && !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        let Ok(server) = fleet.for_account(store, account_id).await else {
            continue;
        };
        let bytes: Result<i64, sqlx::Error> = sqlx::query_scalar(DATABASE_SIZE)
            .bind(&name)
            .fetch_one(&server.pool)
            .await;
        let Ok(bytes) = bytes else {
            tracing::warn!(
                server = server.name,
                "could not measure a database; next pass"
            );
            continue;
        };
        record(store, account_id, &name, bytes).await?;
        accounts.insert(account_id);
        measured += 1;
    }
    // Accounts over their storage are followed up every pass, measured or not: one that dropped
    // all its databases has nothing left to measure and must still get its writes back.
    let over: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM accounts WHERE storage_over_since IS NOT NULL OR writes_withheld_at IS NOT NULL",
    )
    .fetch_all(store)
    .await?;
    accounts.extend(over);
    for account_id in accounts {
        alert_thresholds(store, fleet, account_id).await?;
    }
    // Sizes of databases the index no longer has.
    sqlx::query(
        "DELETE FROM database_sizes WHERE NOT EXISTS (SELECT 1 FROM account_databases d
         WHERE d.account_id = database_sizes.account_id AND d.name = database_sizes.name)",
    )
    .execute(store)
    .await?;
    Ok(measured)
}

/// Up to `limit` databases (account id, name), never measured first, then least recently;
/// `over`: only those of accounts over their storage.
async fn least_recently_measured(
    store: &Store,
    over: bool,
    limit: i64,
) -> Result<Vec<(i64, String)>, AppError> {
    let only_over = if over {
        "WHERE d.account_id IN (SELECT id FROM accounts WHERE storage_over_since IS NOT NULL)"
    } else {
        ""
    };
    Ok(sqlx::query_as(&format!(
        "SELECT d.account_id, d.name FROM account_databases d
         LEFT JOIN database_sizes s ON s.account_id = d.account_id AND s.name = d.name
         {only_over} ORDER BY s.measured_at IS NOT NULL, s.measured_at LIMIT ?"
    ))
    .bind(limit)
    .fetch_all(store)
    .await?)
}

async fn record(store: &Store, account_id: i64, name: &str, bytes: i64) -> Result<(), AppError> {
    sqlx::query(crate::store::dialect(
        store,
        "INSERT INTO database_sizes (account_id, name, bytes, measured_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (account_id, name) DO UPDATE SET bytes = excluded.bytes, measured_at = excluded.measured_at",
        "INSERT INTO database_sizes (account_id, name, bytes, measured_at) VALUES (?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE bytes = VALUES(bytes), measured_at = VALUES(measured_at)",
    ))
    .bind(account_id)
    .bind(name)
    .bind(bytes)
    .bind(time::now())
    .execute(store)
    .await?;
    Ok(())
}

/// One audit event each time the account's measured storage climbs to 80 % or 100 % of its
/// plan's; going back under only resets the mark, so the next climb is told again. Then the
/// grace period's clock (`over_storage`).
async fn alert_thresholds(store: &Store, fleet: &Fleet, account_id: i64) -> Result<(), AppError> {
    let (_, limits) = plans::of_account(store, account_id).await?;
    let (prefix, told, used): (String, i64, Option<i64>) = sqlx::query_as(
        "SELECT a.prefix, a.storage_alert, (SELECT CAST(SUM(s.bytes) AS SIGNED) FROM account_databases d
           JOIN database_sizes s ON s.account_id = d.account_id AND s.name = d.name WHERE d.account_id = a.id)
         FROM accounts a WHERE a.id = ?",
    )
    .bind(account_id)
    .fetch_one(store)
    .await?;
    let used = used.unwrap_or(0);
    let caller = Caller::system(account_id, Prefix::parse_existing(&prefix)?);
    let now = storage_threshold(used, limits.max_storage);
    if now != told {
        sqlx::query("UPDATE accounts SET storage_alert = ? WHERE id = ?")
            .bind(now)
            .bind(account_id)
            .execute(store)
            .await?;
    }
    if now > told {
        audit::record(
            store,
            audit::Entry::by(&caller, Action::StorageThreshold)
                .with("percent", now.to_string())
                .with("used", used.to_string())
                .with("limit", limits.max_storage.unwrap_or(0).to_string()),
        )
        .await;
        let crossed = alerts::Event::storage_threshold(now, used, limits.max_storage.unwrap_or(0));
        alerts::notify(store, account_id, crossed).await;
    }
    let measured = over_storage::Measured {
        used,
        limit: limits.max_storage,
        grace_hours: limits.grace_hours(),
    };
    let followed = match fleet.for_account(store, account_id).await {
        Ok(server) => over_storage::follow(store, &server.pool, &caller, &measured).await,
        Err(err) => Err(err),
    };
    if let Err(err) = followed {
        // The next pass tries again; one account's server must not stop the others' measuring.
        tracing::warn!(error = %err, account_id, "could not follow up an account's storage");
    }
    Ok(())
}

/// The caller's plan.
pub async fn plan_of(store: &Store, account_id: i64) -> Result<AccountPlan, AppError> {
    let (name, limits) = plans::of_account(store, account_id).await?;
    Ok(limits.shown_as(&name))
}

/// What the caller's account uses now (storage: as last measured).
pub async fn of_account(
    store: &Store,
    cache: &StoreCache,
    mysql: &MySqlPool,
    caller: &Caller,
) -> Result<AccountUsage, AppError> {
    let databases = database_index::names(store, cache, mysql, caller).await?;
    let users = db_users::names(mysql, caller).await?;
    let whitelist_hosts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM whitelist WHERE account_id = ?")
            .bind(caller.account_id)
            .fetch_one(store)
            .await?;
    let (storage_bytes, oldest): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT CAST(SUM(s.bytes) AS SIGNED), MIN(s.measured_at) FROM account_databases d
         JOIN database_sizes s ON s.account_id = d.account_id AND s.name = d.name
         WHERE d.account_id = ?",
    )
    .bind(caller.account_id)
    .fetch_one(store)
    .await?;
    let backup_bytes: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(size_bytes) AS SIGNED) FROM backups WHERE account_id = ? AND status = 'completed'",
    )
    .bind(caller.account_id)
    .fetch_one(store)
    .await?;
    let (over_since, withheld_since): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT storage_over_since, writes_withheld_at FROM accounts WHERE id = ?")
            .bind(caller.account_id)
            .fetch_one(store)
            .await?;
    Ok(AccountUsage {
        storage_over_since: over_since.map(time::rfc3339),
        writes_withheld_since: withheld_since.map(time::rfc3339),
        databases: count(databases.len()),
        users: count(users.len()),
        whitelist_hosts,
        storage_bytes: storage_bytes.unwrap_or(0),
        storage_measured_at: oldest.map(time::rfc3339),
        backup_bytes: backup_bytes.unwrap_or(0),
    })
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
