//! Issuing and checking API keys. A check is: format + checksum (no I/O), SHA-256, and the cache
//! or one indexed lookup. Never argon2: it would cost tens of milliseconds and 19 MiB per request.
use crate::domain::api_key::{self, ApiKey};
use crate::domain::caller::{Actor, Caller};
use crate::domain::time;
use crate::services::{alerts, audit};
use crate::store::{self, Store};
use crate::store_cache::{KnownKey, StoreCache};
use std::net::IpAddr;
use types::activity::Action;
use types::error::AppError;
use types::model::{ApiKeyInfo, NewApiKey};
use types::validate::Prefix;

/// `last_used_at`/`last_used_ip` are written at most this often per key.
const LAST_USED_GRANULARITY_SECS: i64 = 60;

/// Replaces the account's key in one statement: the old key is dead as soon as this returns, and
/// concurrent regenerations leave exactly one valid key (the primary key is the account).
/// `by` and `ip` say who asked, for the audit log.
pub async fn regenerate(
    store: &Store,
    account_id: i64,
    by: &Actor,
    ip: Option<IpAddr>,
) -> Result<NewApiKey, AppError> {
    let key = ApiKey::generate();
    let created_at = time::now();
    sqlx::query(store::dialect(
        store,
        "INSERT INTO api_keys (account_id, key_hash, last4, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(account_id) DO UPDATE SET key_hash = excluded.key_hash, last4 = excluded.last4,
             created_at = excluded.created_at, last_used_at = NULL, last_used_ip = NULL,
             insecure_use_at = NULL, insecure_use_ip = NULL",
        "INSERT INTO api_keys (account_id, key_hash, last4, created_at) VALUES (?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE key_hash = VALUES(key_hash), last4 = VALUES(last4),
             created_at = VALUES(created_at), last_used_at = NULL, last_used_ip = NULL,
             insecure_use_at = NULL, insecure_use_ip = NULL",
    ))
    .bind(account_id)
    .bind(&key.sha256()[..])
    .bind(key.last4())
    .bind(created_at)
    .execute(store)
    .await?;
    sqlx::query("UPDATE accounts SET key_revoked_at = NULL WHERE id = ?")
        .bind(account_id)
        .execute(store)
        .await?;
    let entry = audit::Entry {
        account_id: Some(account_id),
        actor: by,
        ip,
        action: Action::ApiKeyRegenerated,
        details: vec![],
    };
    audit::record(store, entry.with("key", api_key::masked(key.last4()))).await;
    let regenerated = alerts::Event::api_key_regenerated(&api_key::masked(key.last4()));
    alerts::notify(store, account_id, regenerated).await;
    let info = ApiKeyInfo {
        masked: api_key::masked(key.last4()),
        created_at: time::rfc3339(created_at),
        last_used_at: None,
        last_used_ip: None,
        sent_insecurely_at: None,
        sent_insecurely_from: None,
    };
    Ok(NewApiKey {
        key: key.expose().to_owned(),
        info,
    })
}

/// The caller a presented key belongs to, or 401. Malformed keys never reach the store; keys
/// already seen come from the cache, which is never older than the store (`store_cache`).
pub async fn authenticate(
    store: &Store,
    cache: &StoreCache,
    presented: &str,
    ip: Option<IpAddr>,
) -> Result<Caller, AppError> {
    let key = ApiKey::parse(presented)?;
    let hash = key.sha256();
    let known = match cache.get(&hash) {
        Ok(known) => known,
        Err(miss) => {
            let known = lookup(store, &hash).await?;
            cache.remember(hash, known.clone(), miss);
            known
        }
    };
    let now = time::now();
    if known
        .last_used_at
        .is_none_or(|at| now - at >= LAST_USED_GRANULARITY_SECS)
    {
        // A write: it changes the store's version, so the cache reads the new time back.
        sqlx::query(
            "UPDATE api_keys SET last_used_at = ?, last_used_ip = ?
             WHERE key_hash = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
        )
        .bind(now)
        .bind(ip.map(|ip| ip.to_string()))
        .bind(&hash[..])
        .bind(now - LAST_USED_GRANULARITY_SECS)
        .execute(store)
        .await?;
    }
    if let Some(ip) = ip
        && !cache.ip_known(known.account_id, ip)
        && alerts::watch::key_used_from(store, known.account_id, ip).await
    {
        cache.remember_ip(known.account_id, ip);
    }
    Ok(Caller {
        account_id: known.account_id,
        prefix: known.prefix,
        actor: Actor::ApiKey {
            masked: api_key::masked(&known.last4),
        },
        ip,
        session: None,
        suspended: known.suspended,
    })
}

/// A key's row, with what the request needs of its account.
#[derive(sqlx::FromRow)]
struct KeyRow {
    account_id: i64,
    prefix: String,
    last_used_at: Option<i64>,
    last4: String,
    suspended_at: Option<i64>,
}

async fn lookup(store: &Store, hash: &[u8; 32]) -> Result<KnownKey, AppError> {
    let row: Option<KeyRow> = sqlx::query_as(
        "SELECT k.account_id, a.prefix, k.last_used_at, k.last4, a.suspended_at FROM api_keys k JOIN accounts a ON a.id = k.account_id
         WHERE k.key_hash = ?",
    )
    .bind(&hash[..])
    .fetch_optional(store)
    .await?;
    let KeyRow {
        account_id,
        prefix,
        last_used_at,
        last4,
        suspended_at,
    } = row.ok_or_else(|| {
        AppError::unauthorized("This API key is not valid (it may have been regenerated).")
    })?;
    Ok(KnownKey {
        account_id,
        prefix: Prefix::parse_existing(&prefix)?,
        last4,
        last_used_at,
        suspended: suspended_at.is_some(),
    })
}

/// Someone reports `presented` as exposed: if it is a live key, it is deleted at once (the account
/// has no key until its owner issues one) and the account records when, for its Profile page and
/// audit log. No authentication and the same outcome for any input, so it tells nobody whether a
/// key was valid; a string that fails the key format's checksum never reaches the store.
pub async fn revoke_reported(
    store: &Store,
    presented: &str,
    ip: Option<IpAddr>,
) -> Result<(), AppError> {
    let Ok(key) = ApiKey::parse(presented.trim()) else {
        return Ok(());
    };
    let now = time::now();
    let mut tx = store.begin().await?;
    let found: Option<(i64, String)> =
        sqlx::query_as("SELECT account_id, last4 FROM api_keys WHERE key_hash = ?")
            .bind(&key.sha256()[..])
            .fetch_optional(&mut *tx)
            .await?;
    let Some((account_id, last4)) = found else {
        return Ok(());
    };
    let deleted = sqlx::query("DELETE FROM api_keys WHERE key_hash = ?")
        .bind(&key.sha256()[..])
        .execute(&mut *tx)
        .await?;
    if deleted.rows_affected() == 0 {
        // Regenerated or reported by someone else in between: nothing of this key is left.
        return Ok(());
    }
    sqlx::query("UPDATE accounts SET key_revoked_at = ? WHERE id = ?")
        .bind(now)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let entry = audit::Entry {
        account_id: Some(account_id),
        actor: &Actor::Anonymous,
        ip,
        action: Action::ApiKeyRevoked,
        details: vec![],
    };
    audit::record(
        store,
        entry
            .with("key", api_key::masked(&last4))
            .with("reason", "reported as exposed"),
    )
    .await;
    Ok(())
}

/// A live key arrived over plain HTTP from a remote client: the request was refused, but the key
/// crossed the network in the clear. The account's Profile recommends regenerating it and the
/// audit log says from where. Anything that is not a live key is ignored.
pub async fn record_insecure_use(
    store: &Store,
    presented: &str,
    ip: Option<IpAddr>,
) -> Result<(), AppError> {
    let Ok(key) = ApiKey::parse(presented) else {
        return Ok(());
    };
    let found: Option<(i64, String)> =
        sqlx::query_as("SELECT account_id, last4 FROM api_keys WHERE key_hash = ?")
            .bind(&key.sha256()[..])
            .fetch_optional(store)
            .await?;
    let Some((account_id, last4)) = found else {
        return Ok(());
    };
    sqlx::query(
        "UPDATE api_keys SET insecure_use_at = ?, insecure_use_ip = ? WHERE account_id = ?",
    )
    .bind(time::now())
    .bind(ip.map(|ip| ip.to_string()))
    .bind(account_id)
    .execute(store)
    .await?;
    let entry = audit::Entry {
        account_id: Some(account_id),
        actor: &Actor::Anonymous,
        ip,
        action: Action::ApiKeySentInsecurely,
        details: vec![],
    };
    audit::record(store, entry.with("key", api_key::masked(&last4))).await;
    Ok(())
}
