use crate::domain::{api_key, password, time};
use app::error::AppError;
use app::model::{Account, ApiKeyInfo};
use app::validate::{Email, Password, Prefix};
use sqlx::SqlitePool;

pub async fn create(store: &SqlitePool, email: &Email, prefix: &Prefix, password: Password) -> Result<i64, AppError> {
    // Friendly messages for the common cases; the unique indexes still decide under races.
    if find_id_by_email(store, email).await?.is_some() {
        return Err(AppError::conflict(format!("An account with email {email} already exists.")));
    }
    let prefix_taken: Option<i64> =
        sqlx::query_scalar("SELECT id FROM accounts WHERE prefix = ?").bind(prefix.as_str()).fetch_optional(store).await?;
    if prefix_taken.is_some() {
        return Err(AppError::conflict(format!("The prefix {} is already taken.", prefix.as_str())));
    }
    let password_hash = password::hash(password).await?;
    let id = sqlx::query_scalar(
        "INSERT INTO accounts (email, prefix, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(email.as_str())
    .bind(prefix.as_str())
    .bind(password_hash)
    .bind(time::now())
    .fetch_one(store)
    .await
    .map_err(|err| match AppError::from(err) {
        conflict if conflict.code == app::error::ErrorCode::Conflict => {
            AppError::conflict("That email or prefix was taken a moment ago.")
        }
        other => other,
    })?;
    Ok(id)
}

pub async fn find_id_by_email(store: &SqlitePool, email: &Email) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM accounts WHERE email = ?").bind(email.as_str()).fetch_optional(store).await?)
}

pub async fn exists_any(store: &SqlitePool) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM accounts").fetch_one(store).await? > 0)
}

/// The account id when email and password match; `None` for a wrong password *and* for an
/// unknown email, after the same amount of work.
pub async fn verify_credentials(store: &SqlitePool, email: &str, password: &str) -> Result<Option<i64>, AppError> {
    let row: Option<(i64, String)> = match Email::parse(email) {
        Ok(email) => {
            sqlx::query_as("SELECT id, password_hash FROM accounts WHERE email = ?")
                .bind(email.as_str())
                .fetch_optional(store)
                .await?
        }
        Err(_) => None,
    };
    let (id, hash) = row.unzip();
    Ok(password::verify(hash, password.to_owned()).await.then_some(id).flatten())
}

/// The account as `GET /api/account` and the Profile page show it.
pub async fn view(store: &SqlitePool, account_id: i64) -> Result<Account, AppError> {
    type Row = (String, String, Option<String>, Option<i64>, Option<i64>, Option<String>);
    let (email, prefix, last4, created_at, last_used_at, last_used_ip): Row = sqlx::query_as(
        "SELECT a.email, a.prefix, k.last4, k.created_at, k.last_used_at, k.last_used_ip
         FROM accounts a LEFT JOIN api_keys k ON k.account_id = a.id WHERE a.id = ?",
    )
    .bind(account_id)
    .fetch_one(store)
    .await?;
    let api_key = last4.zip(created_at).map(|(last4, created_at)| ApiKeyInfo {
        masked: api_key::masked(&last4),
        created_at: time::rfc3339(created_at),
        last_used_at: last_used_at.map(time::rfc3339),
        last_used_ip,
    });
    Ok(Account { email, prefix, api_key })
}
