//! Browser sessions: a random token in an HttpOnly cookie; the store keeps only its SHA-256.
use crate::auth::{Actor, Caller};
use crate::domain::{secret::random_base62, time};
use app::error::AppError;
use app::validate::Prefix;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

pub const COOKIE_NAME: &str = "nbg_session";
pub const LIFETIME_SECS: i64 = 7 * 24 * 3600;

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A fresh session (a new id at every sign-in: no fixation). Returns the cookie's token.
pub async fn open(store: &SqlitePool, account_id: i64) -> Result<String, AppError> {
    let token = random_base62(43);
    let now = time::now();
    sqlx::query("DELETE FROM sessions WHERE expires_at < ?").bind(now).execute(store).await?;
    sqlx::query("INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
        .bind(token_hash(&token))
        .bind(account_id)
        .bind(now)
        .bind(now + LIFETIME_SECS)
        .execute(store)
        .await?;
    Ok(token)
}

pub async fn caller(store: &SqlitePool, token: &str) -> Result<Option<Caller>, AppError> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT s.account_id, a.prefix FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = ? AND s.expires_at > ?",
    )
    .bind(token_hash(token))
    .bind(time::now())
    .fetch_optional(store)
    .await?;
    row.map(|(account_id, prefix)| Ok(Caller { account_id, prefix: Prefix::parse_existing(&prefix)?, actor: Actor::Session, ip: None }))
        .transpose()
}

pub async fn close(store: &SqlitePool, token: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = ?").bind(token_hash(token)).execute(store).await?;
    Ok(())
}
