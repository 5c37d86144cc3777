//! Which databases each account has, kept in the store (`account_databases`), so that listing an
//! account's databases asks its server about those names only. information_schema answers an
//! exact name at once, but a `LIKE 'prefix\_%'` by reading every schema directory on the server:
//! with 100,000 schemas that is 0.4 s for SCHEMATA and 1 s for TABLES, per request.
//!
//! The panel's own changes write the index; customer SQL that created or dropped a database (the
//! query identity may: it holds every privilege on `<prefix>\_%`), restores and imports re-read
//! the account (`sync`); the periodic reconciliation re-reads every server once (`sync_all`).
//! A name in the index that the server no longer has is simply not listed.
use crate::domain::caller::Caller;
use crate::domain::time;
use crate::managed::fleet::Fleet;
use crate::managed::sql;
use crate::store::{self, Store};
use crate::store_cache::StoreCache;
use sqlx::MySqlPool;
use std::collections::{BTreeSet, HashMap};
use types::error::AppError;

/// The account's database names, by name; read from the server first if never read. `cache`
/// answers without a store trip while the (SQLite) store has not changed.
pub async fn names(
    store: &Store,
    cache: &StoreCache,
    mysql: &MySqlPool,
    caller: &Caller,
) -> Result<Vec<String>, AppError> {
    let miss = match cache.databases(caller.account_id) {
        Ok(names) => return Ok(names),
        Err(miss) => miss,
    };
    // One statement: whether the account was ever read, and its names (none: one row of NULL).
    let rows: Vec<(Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT a.databases_synced_at, d.name FROM accounts a LEFT JOIN account_databases d ON d.account_id = a.id
         WHERE a.id = ? ORDER BY d.name",
    )
    .bind(caller.account_id)
    .fetch_all(store)
    .await?;
    if rows.first().is_none_or(|(synced, _)| synced.is_none()) {
        return sync(store, mysql, caller).await;
    }
    let names: Vec<String> = rows.into_iter().filter_map(|(_, name)| name).collect();
    cache.remember_databases(caller.account_id, names.clone(), miss);
    Ok(names)
}

/// Re-reads the account's databases from its server (one scan of its schemas) into the index.
pub async fn sync(
    store: &Store,
    mysql: &MySqlPool,
    caller: &Caller,
) -> Result<Vec<String>, AppError> {
    let pattern = sql::like_starts_with(&format!("{}_", caller.prefix.as_str()));
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ESCAPE '!'",
    )
    .bind(&pattern)
    .fetch_all(mysql)
    .await?;
    let names: BTreeSet<String> = names.into_iter().collect();
    replace(store, caller.account_id, &names).await?;
    Ok(names.into_iter().collect())
}

/// Every account of every server, from one scan of each server's schemas: what changed outside
/// the panel's sight (an operator's own DDL, SQL the panel did not run) is in the index again.
pub async fn sync_all(store: &Store, fleet: &Fleet) -> Result<(), AppError> {
    let accounts: Vec<(i64, String, Option<i64>)> =
        sqlx::query_as("SELECT id, prefix, server_id FROM accounts")
            .fetch_all(store)
            .await?;
    let indexed: Vec<(i64, String)> =
        sqlx::query_as("SELECT account_id, name FROM account_databases")
            .fetch_all(store)
            .await?;
    let mut known: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for (account_id, name) in indexed {
        known.entry(account_id).or_default().insert(name);
    }
    let mut first_error = None;
    for server in fleet.all(store).await? {
        let schemas: Vec<String> = match sqlx::query_scalar(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA",
        )
        .fetch_all(&server.pool)
        .await
        {
            Ok(schemas) => schemas,
            Err(err) => {
                tracing::warn!(server = server.name, error = %err, "could not read the server's databases for the index");
                first_error.get_or_insert(AppError::from(err));
                continue;
            }
        };
        if let Err(err) = super::server_prefixes::record(
            store,
            &server.name,
            &super::server_prefixes::of(&schemas),
        )
        .await
        {
            tracing::warn!(server = server.name, error = %err, "could not record the server's prefixes");
        }
        // Prefixes contain no `_`: a schema belongs to the account named by what precedes its first `_`.
        let mut by_prefix: HashMap<&str, BTreeSet<String>> = HashMap::new();
        for schema in &schemas {
            if let Some((prefix, _)) = schema.split_once('_') {
                by_prefix.entry(prefix).or_default().insert(schema.clone());
            }
        }
        for (account_id, prefix, _) in accounts
            .iter()
            .filter(|(_, _, server_id)| *server_id == server.id)
        {
            let names = by_prefix.remove(prefix.as_str()).unwrap_or_default();
            let before = known.get(account_id).cloned().unwrap_or_default();
            if known.get(account_id) != Some(&names) {
                replace_unless_changed(store, *account_id, &before, &names).await?;
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// The panel created `name` for the account.
pub async fn added(store: &Store, account_id: i64, name: &str) -> Result<(), AppError> {
    sqlx::query(store::dialect(
        store,
        "INSERT OR IGNORE INTO account_databases (account_id, name) VALUES (?, ?)",
        "INSERT IGNORE INTO account_databases (account_id, name) VALUES (?, ?)",
    ))
    .bind(account_id)
    .bind(name)
    .execute(store)
    .await?;
    Ok(())
}

/// The panel dropped `name`.
pub async fn removed(store: &Store, account_id: i64, name: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM account_databases WHERE account_id = ? AND name = ?")
        .bind(account_id)
        .bind(name)
        .execute(store)
        .await?;
    Ok(())
}

/// `replace`, unless the account's index no longer holds `before` (what it held when the scan
/// began): the panel created or dropped one of its databases during the scan, which is newer than
/// what the scan read, and the next pass picks up anything else.
async fn replace_unless_changed(
    store: &Store,
    account_id: i64,
    before: &BTreeSet<String>,
    names: &BTreeSet<String>,
) -> Result<(), AppError> {
    let now: Vec<String> =
        sqlx::query_scalar("SELECT name FROM account_databases WHERE account_id = ?")
            .bind(account_id)
            .fetch_all(store)
            .await?;
    if now.into_iter().collect::<BTreeSet<_>>() != *before {
        return Ok(());
    }
    replace(store, account_id, names).await
}

async fn replace(store: &Store, account_id: i64, names: &BTreeSet<String>) -> Result<(), AppError> {
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM account_databases WHERE account_id = ?")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    for name in names {
        sqlx::query("INSERT INTO account_databases (account_id, name) VALUES (?, ?)")
            .bind(account_id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE accounts SET databases_synced_at = ? WHERE id = ?")
        .bind(time::now())
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
