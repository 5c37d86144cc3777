//! Browser sessions: a random token in an HttpOnly cookie; the store keeps only its SHA-256, with
//! when and from where the session was last seen so its owner can recognise and end it.
use crate::domain::caller::{Actor, Caller};
use crate::domain::{secret::random_base62, time};
use crate::store::Store;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use types::error::AppError;
use types::security::{SessionInfo, SessionList, browser_name};
use types::validate::Prefix;

pub const COOKIE_NAME: &str = "nbg_session";
pub const LIFETIME_SECS: i64 = 7 * 24 * 3600;
/// `last_seen_at` and `ip` are written at most this often: reads stay reads.
const SEEN_RESOLUTION_SECS: i64 = 60;
const USER_AGENT_MAX_CHARS: usize = 512;

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Where a sign-in came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// A fresh session (a new id at every sign-in: no fixation). Returns the cookie's token.
pub async fn open(store: &Store, account_id: i64, origin: &Origin) -> Result<String, AppError> {
    let token = random_base62(43);
    let now = time::now();
    let user_agent = origin
        .user_agent
        .as_deref()
        .map(|ua| ua.chars().take(USER_AGENT_MAX_CHARS).collect::<String>());
    sqlx::query("DELETE FROM sessions WHERE expires_at < ?")
        .bind(now)
        .execute(store)
        .await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, last_seen_at, ip, user_agent)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(token_hash(&token))
    .bind(account_id)
    .bind(now)
    .bind(now + LIFETIME_SECS)
    .bind(now)
    .bind(origin.ip.map(|ip| ip.to_string()))
    .bind(user_agent)
    .execute(store)
    .await?;
    Ok(token)
}

/// A live session's row, with what the request needs of its account.
#[derive(sqlx::FromRow)]
struct LiveSession {
    id: i64,
    account_id: i64,
    prefix: String,
    last_seen_at: i64,
    ip: Option<String>,
    suspended_at: Option<i64>,
}

/// The account signed in with `token`, if the session is live. `seen_from` (the request's client
/// address) refreshes when and where the session was last seen, at most once a minute.
pub async fn caller(
    store: &Store,
    token: &str,
    seen_from: Option<IpAddr>,
) -> Result<Option<Caller>, AppError> {
    let now = time::now();
    let row: Option<LiveSession> = sqlx::query_as(
        "SELECT s.id, s.account_id, a.prefix, s.last_seen_at, s.ip, a.suspended_at FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = ? AND s.expires_at > ?",
    )
    .bind(token_hash(token))
    .bind(now)
    .fetch_optional(store)
    .await?;
    let Some(LiveSession {
        id,
        account_id,
        prefix,
        last_seen_at,
        ip: last_ip,
        suspended_at,
    }) = row
    else {
        return Ok(None);
    };
    let ip = seen_from.map(|ip| ip.to_string());
    if now - last_seen_at >= SEEN_RESOLUTION_SECS || (ip.is_some() && ip != last_ip) {
        sqlx::query("UPDATE sessions SET last_seen_at = ?, ip = COALESCE(?, ip) WHERE id = ?")
            .bind(now)
            .bind(ip)
            .bind(id)
            .execute(store)
            .await?;
    }
    let prefix = Prefix::parse_existing(&prefix)?;
    Ok(Some(Caller {
        account_id,
        prefix,
        actor: Actor::Session,
        ip: None,
        session: Some(id),
        suspended: suspended_at.is_some(),
    }))
}

pub async fn close(store: &Store, token: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
        .bind(token_hash(token))
        .execute(store)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    created_at: i64,
    last_seen_at: i64,
    ip: Option<String>,
    user_agent: Option<String>,
}

/// The account's live sessions, newest first; `current` marks the caller's own.
pub async fn list(store: &Store, caller: &Caller) -> Result<SessionList, AppError> {
    let rows: Vec<SessionRow> = sqlx::query_as(
        "SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions
         WHERE account_id = ? AND expires_at > ? ORDER BY created_at DESC, id DESC",
    )
    .bind(caller.account_id)
    .bind(time::now())
    .fetch_all(store)
    .await?;
    let sessions = rows
        .into_iter()
        .map(|row| SessionInfo {
            id: row.id,
            created_at: time::rfc3339(row.created_at),
            last_seen_at: time::rfc3339(row.last_seen_at),
            ip: row.ip,
            browser: browser_name(row.user_agent.as_deref().unwrap_or_default()),
            current: caller.session == Some(row.id),
        })
        .collect();
    Ok(SessionList { sessions })
}

/// Signs out one of the account's sessions; another account's (or an unknown) id is not found.
pub async fn revoke(store: &Store, caller: &Caller, id: i64) -> Result<(), AppError> {
    let done = sqlx::query("DELETE FROM sessions WHERE id = ? AND account_id = ?")
        .bind(id)
        .bind(caller.account_id)
        .execute(store)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::not_found(format!(
            "No session {id} in your account."
        )));
    }
    Ok(())
}

/// Signs out every session of the account but `keep` (the caller's own, if any); how many.
pub async fn revoke_others(
    store: &Store,
    account_id: i64,
    keep: Option<i64>,
) -> Result<u64, AppError> {
    let done = sqlx::query("DELETE FROM sessions WHERE account_id = ? AND (? IS NULL OR id <> ?)")
        .bind(account_id)
        .bind(keep)
        .bind(keep)
        .execute(store)
        .await?;
    Ok(done.rows_affected())
}
