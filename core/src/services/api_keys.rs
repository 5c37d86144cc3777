//! Issuing and checking API keys. A check is: format + checksum (no I/O), SHA-256, and the cache
//! or one indexed lookup. Never argon2: it would cost tens of milliseconds and 19 MiB per request.
use crate::domain::api_key::{self, ApiKey};
use crate::domain::caller::{Actor, Caller};
use crate::domain::key_policy::{self, Policy};
use crate::domain::time;
use crate::services::{alerts, audit};
use crate::store::{self, Store};
use crate::store_cache::{KnownKey, StoreCache};
use std::net::IpAddr;
use types::activity::Action;
use types::error::{AppError, ErrorCode};
use types::key_policy::{KeyAccess, KeyOptions};
use types::model::{ApiKeyInfo, NewApiKey};
use types::validate::Prefix;

/// `last_used_at`/`last_used_ip` are written at most this often per key.
const LAST_USED_GRANULARITY_SECS: i64 = 60;

/// Replaces the account's key in one statement: the old key is dead as soon as this returns, and
/// concurrent regenerations leave exactly one valid key (the primary key is the account).
/// `by` and `ip` say who asked, for the audit log; `options` is the new key's policy (checked
/// here: a bad option is 422 and the current key stays).
pub async fn regenerate(
    store: &Store,
    account_id: i64,
    by: &Actor,
    ip: Option<IpAddr>,
    options: &KeyOptions,
) -> Result<NewApiKey, AppError> {
    let created_at = time::now();
    let policy = Policy::from_options(options, created_at)?;
    let key = ApiKey::generate();
    sqlx::query(store::dialect(
        store,
        "INSERT INTO api_keys (account_id, key_hash, last4, created_at, expires_at, allowed_networks,
             access, revoke_after_unused_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(account_id) DO UPDATE SET key_hash = excluded.key_hash, last4 = excluded.last4,
             created_at = excluded.created_at, last_used_at = NULL, last_used_ip = NULL,
             insecure_use_at = NULL, insecure_use_ip = NULL, expires_at = excluded.expires_at,
             allowed_networks = excluded.allowed_networks, access = excluded.access,
             revoke_after_unused_days = excluded.revoke_after_unused_days,
             network_refused_at = NULL, network_refused_ip = NULL, expiry_reminded = NULL",
        "INSERT INTO api_keys (account_id, key_hash, last4, created_at, expires_at, allowed_networks,
             access, revoke_after_unused_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE key_hash = VALUES(key_hash), last4 = VALUES(last4),
             created_at = VALUES(created_at), last_used_at = NULL, last_used_ip = NULL,
             insecure_use_at = NULL, insecure_use_ip = NULL, expires_at = VALUES(expires_at),
             allowed_networks = VALUES(allowed_networks), access = VALUES(access),
             revoke_after_unused_days = VALUES(revoke_after_unused_days),
             network_refused_at = NULL, network_refused_ip = NULL, expiry_reminded = NULL",
    ))
    .bind(account_id)
    .bind(&key.sha256()[..])
    .bind(key.last4())
    .bind(created_at)
    .bind(policy.expires_at)
    .bind(policy.networks_column())
    .bind(policy.access.as_str())
    .bind(policy.revoke_after_unused_days.map(i64::from))
    .execute(store)
    .await?;
    sqlx::query(
        "UPDATE accounts SET key_revoked_at = NULL, key_revoked_reason = NULL WHERE id = ?",
    )
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
    let entry = entry.with("key", api_key::masked(key.last4()));
    let entry = match (policy.access, policy.expires_at) {
        (KeyAccess::Full, None) if policy.networks.is_empty() => entry,
        _ => entry.with("policy", describe(&policy)),
    };
    audit::record(store, entry).await;
    let regenerated = alerts::Event::api_key_regenerated(&api_key::masked(key.last4()));
    alerts::notify(store, account_id, regenerated).await;
    let info = ApiKeyInfo {
        masked: api_key::masked(key.last4()),
        created_at: time::rfc3339(created_at),
        last_used_at: None,
        last_used_ip: None,
        sent_insecurely_at: None,
        sent_insecurely_from: None,
        expires_at: policy.options().expires_at,
        allowed_networks: policy.options().allowed_networks,
        access: policy.access,
        revoke_after_unused_days: policy.revoke_after_unused_days,
        network_refused_at: None,
        network_refused_from: None,
        expires_in_days: key_policy::expires_in_days(policy.expires_at, created_at),
    };
    Ok(NewApiKey {
        key: key.expose().to_owned(),
        info,
    })
}

/// The policy in a few words, for the audit log.
fn describe(policy: &Policy) -> String {
    let mut parts = vec![policy.access.as_str().to_owned()];
    if let Some(at) = policy.expires_at {
        parts.push(format!("expires {}", time::rfc3339(at)));
    }
    if let Some(column) = policy.networks_column() {
        parts.push(format!("from {column}"));
    }
    if let Some(days) = policy.revoke_after_unused_days {
        parts.push(format!("revoked after {days} days unused"));
    }
    parts.join("; ")
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
    // Checked at every request against the clock and the client, cached or not: an expired key is
    // refused from its very second.
    key_policy::check_expiry(known.expires_at, now)?;
    if !key_policy::network_allows(&known.networks, ip) {
        refused_network(store, &known, ip, now).await;
        return Err(AppError::new(
            ErrorCode::ApiKeyNetwork,
            format!(
                "This API key may be used only from {}; this request came from {}.",
                known
                    .networks
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                ip.map_or_else(|| "an unknown address".to_owned(), |ip| ip.to_string())
            ),
        ));
    }
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
            read_only: known.access == KeyAccess::ReadOnly,
        },
        ip,
        session: None,
        suspended: known.suspended,
    })
}

/// A request from outside the key's networks: the audit log and the key's row say from where (the
/// row for Profile; written at most once a minute, like `last_used_at`).
async fn refused_network(store: &Store, known: &KnownKey, ip: Option<IpAddr>, now: i64) {
    let ip_text = ip.map(|ip| ip.to_string());
    let noted = sqlx::query(
        "UPDATE api_keys SET network_refused_at = ?, network_refused_ip = ?
         WHERE account_id = ? AND (network_refused_at IS NULL OR network_refused_at <= ?
             OR network_refused_ip IS NULL OR network_refused_ip <> ?)",
    )
    .bind(now)
    .bind(&ip_text)
    .bind(known.account_id)
    .bind(now - LAST_USED_GRANULARITY_SECS)
    .bind(ip_text.clone().unwrap_or_default())
    .execute(store)
    .await;
    match noted {
        Ok(done) if done.rows_affected() > 0 => {
            let actor = Actor::ApiKey {
                masked: api_key::masked(&known.last4),
                read_only: known.access == KeyAccess::ReadOnly,
            };
            let entry = audit::Entry {
                account_id: Some(known.account_id),
                actor: &actor,
                ip,
                action: Action::ApiKeyNetworkRefused,
                details: vec![],
            };
            audit::record(store, entry.with("ip", ip_text.unwrap_or_default())).await;
        }
        Ok(_) => {}
        Err(err) => {
            tracing::warn!(error = %err, "could not note a request from outside a key's networks")
        }
    }
}

/// A key's row, with what the request needs of its account.
#[derive(sqlx::FromRow)]
struct KeyRow {
    account_id: i64,
    prefix: String,
    last_used_at: Option<i64>,
    last4: String,
    suspended_at: Option<i64>,
    expires_at: Option<i64>,
    allowed_networks: Option<String>,
    access: String,
}

async fn lookup(store: &Store, hash: &[u8; 32]) -> Result<KnownKey, AppError> {
    let row: Option<KeyRow> = sqlx::query_as(
        "SELECT k.account_id, a.prefix, k.last_used_at, k.last4, a.suspended_at, k.expires_at,
                k.allowed_networks, k.access
         FROM api_keys k JOIN accounts a ON a.id = k.account_id
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
        expires_at,
        allowed_networks,
        access,
    } = row.ok_or_else(|| {
        AppError::unauthorized("This API key is not valid (it may have been regenerated).")
    })?;
    Ok(KnownKey {
        account_id,
        prefix: Prefix::parse_existing(&prefix)?,
        last4,
        last_used_at,
        suspended: suspended_at.is_some(),
        expires_at,
        networks: key_policy::networks_from_column(allowed_networks.as_deref()),
        access: KeyAccess::from_stored(&access),
    })
}

/// Tells the owners of keys that expire within 14 days, then within 3 (`api_key.expiring`, to
/// their webhooks and by email), each reminder once per key. Runs with the reconciliation;
/// answers how many were sent.
pub async fn remind_expiring(store: &Store) -> Result<usize, AppError> {
    let now = time::now();
    let soon: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT account_id, last4, expires_at, expiry_reminded FROM api_keys
         WHERE expires_at IS NOT NULL AND expires_at > ? AND expires_at <= ?",
    )
    .bind(now)
    .bind(now + key_policy::EXPIRY_REMINDERS[0] * 86_400)
    .fetch_all(store)
    .await?;
    let mut sent = 0;
    for (account_id, last4, expires_at, reminded) in soon {
        // The nearest threshold already crossed; a key made with 2 days left gets the 3-day one.
        let Some(threshold) = key_policy::EXPIRY_REMINDERS
            .iter()
            .copied()
            .filter(|days| expires_at - now <= days * 86_400)
            .min()
        else {
            continue;
        };
        if reminded.is_some_and(|days| days <= threshold) {
            continue;
        }
        // Claimed first, so two instances (or passes) send it once.
        let claimed = sqlx::query(
            "UPDATE api_keys SET expiry_reminded = ? WHERE account_id = ? AND last4 = ?
               AND (expiry_reminded IS NULL OR expiry_reminded > ?)",
        )
        .bind(threshold)
        .bind(account_id)
        .bind(&last4)
        .bind(threshold)
        .execute(store)
        .await?;
        if claimed.rows_affected() == 0 {
            continue;
        }
        let days_left = key_policy::expires_in_days(Some(expires_at), now).unwrap_or(1);
        let event = alerts::Event::api_key_expiring(
            &api_key::masked(&last4),
            &time::rfc3339(expires_at),
            days_left,
        );
        alerts::notify(store, account_id, event).await;
        sent += 1;
    }
    Ok(sent)
}

/// Keys with "revoke after N days unused" whose last request (or, never used, their creation) is
/// older than that are deleted; the account records when, as for a reported key, and the audit log
/// says why. Runs with the reconciliation; answers how many.
pub async fn retire_unused(store: &Store) -> Result<usize, AppError> {
    let now = time::now();
    let stale: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT account_id, last4, revoke_after_unused_days FROM api_keys
         WHERE revoke_after_unused_days IS NOT NULL
           AND COALESCE(last_used_at, created_at) < ? - revoke_after_unused_days * 86400",
    )
    .bind(now)
    .fetch_all(store)
    .await?;
    let mut retired = 0;
    for (account_id, last4, days) in stale {
        // Only the key that was stale: a regeneration in between keeps its new key.
        let deleted = sqlx::query(
            "DELETE FROM api_keys WHERE account_id = ? AND last4 = ?
               AND COALESCE(last_used_at, created_at) < ? - revoke_after_unused_days * 86400",
        )
        .bind(account_id)
        .bind(&last4)
        .bind(now)
        .execute(store)
        .await?;
        if deleted.rows_affected() == 0 {
            continue;
        }
        sqlx::query("UPDATE accounts SET key_revoked_at = ?, key_revoked_reason = ? WHERE id = ?")
            .bind(now)
            .bind(format!("it was unused for {days} days"))
            .bind(account_id)
            .execute(store)
            .await?;
        let entry = audit::Entry {
            account_id: Some(account_id),
            actor: &Actor::System,
            ip: None,
            action: Action::ApiKeyRevoked,
            details: vec![],
        };
        let reason = format!("unused for {days} days");
        audit::record(
            store,
            entry
                .with("key", api_key::masked(&last4))
                .with("reason", reason),
        )
        .await;
        retired += 1;
    }
    Ok(retired)
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
    sqlx::query("UPDATE accounts SET key_revoked_at = ?, key_revoked_reason = ? WHERE id = ?")
        .bind(now)
        .bind("it was reported as exposed")
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
