use crate::domain::key_policy::{self, Policy};
use crate::domain::password::Argon2Gate;
use crate::domain::{api_key, time};
use crate::managed::fleet::{self, Fleet};
use crate::managed::sql;
use crate::store::{self, Store};
use types::error::AppError;
use types::key_policy::KeyAccess;
use types::model::{Account, ApiKeyInfo, Suspension};
use types::validate::{Email, Password, Prefix};

/// Creates an account (the CLI, tests) on a managed server: `server` by name, or the least loaded
/// one that is not draining. That server is asked whether `<prefix>_` is already in use there:
/// the new account would see and manage those databases and users.
pub async fn create(
    store: &Store,
    fleet: &Fleet,
    argon2: &Argon2Gate,
    (email, prefix): (&Email, &Prefix),
    password: Password,
    server: Option<&str>,
) -> Result<i64, AppError> {
    // Friendly messages for the common cases; the unique indexes still decide under races.
    if find_id_by_email(store, email).await?.is_some() {
        return Err(AppError::conflict(format!(
            "An account with email {email} already exists."
        )));
    }
    let prefix_taken: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE prefix = ?")
        .bind(prefix.as_str())
        .fetch_optional(store)
        .await?;
    if prefix_taken.is_some() {
        return Err(AppError::conflict(format!(
            "The prefix {} is already taken.",
            prefix.as_str()
        )));
    }
    let server_id = fleet::place(store, server).await?;
    check_prefix_unused_on_server(store, &*fleet.server(store, server_id).await?, prefix).await?;
    let password_hash = argon2.hash(password).await?;
    let insert = store::returning_id(
        store,
        "INSERT INTO accounts (email, prefix, password_hash, created_at, server_id) VALUES (?, ?, ?, ?, ?)",
    );
    let insert = sqlx::query(&insert)
        .bind(email.as_str())
        .bind(prefix.as_str())
        .bind(password_hash)
        .bind(time::now())
        .bind(server_id);
    let inserted =
        store::inserted_id(store, insert)
            .await
            .map_err(|err| match AppError::from(err) {
                conflict if conflict.code == types::error::ErrorCode::Conflict => {
                    AppError::conflict("That email or prefix was taken a moment ago.")
                }
                other => other,
            })?;
    inserted.ok_or_else(|| AppError::internal("the store did not say which id the new account got"))
}

/// 409 when a database or a user on the managed server already starts with `<prefix>_`: it is
/// not the panel's (no account has this prefix), and the new account must not inherit it.
/// Databases: as the last scan of the server saw them (`server_prefixes`), or, for a server never
/// scanned, one `LIKE` on information_schema. Users: `mysql.user` itself.
async fn check_prefix_unused_on_server(
    store: &Store,
    server: &fleet::Server,
    prefix: &Prefix,
) -> Result<(), AppError> {
    let mysql = &server.pool;
    let start = format!("{}_", prefix.as_str());
    // `_` is a LIKE wildcard: escaped, or prefix `ab` would collide with `abc_x`.
    let pattern = sql::like_starts_with(&start);
    let scanned = super::server_prefixes::in_use(store, &server.name, prefix.as_str()).await?;
    let database: Option<String> = match scanned {
        Some(false) => None,
        // Never scanned, or in use: ask the server (a refusal names the database).
        Some(true) | None => sqlx::query_scalar(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ESCAPE '!' ORDER BY 1 LIMIT 1",
        )
        .bind(&pattern)
        .fetch_optional(mysql)
        .await?,
    };
    let user: Option<String> = sqlx::query_scalar(
        "SELECT CONVERT(User USING utf8mb4) FROM mysql.user WHERE User LIKE ? ESCAPE '!' ORDER BY 1 LIMIT 1",
    )
    .bind(&pattern)
    .fetch_optional(mysql)
    .await?;
    match (database, user) {
        (Some(name), _) => Err(AppError::conflict(format!(
            "The server already has a database {name} that starts with {start}; choose another prefix."
        ))),
        (None, Some(name)) => Err(AppError::conflict(format!(
            "The server already has a user {name} that starts with {start}; choose another prefix."
        ))),
        (None, None) => Ok(()),
    }
}

pub async fn find_id_by_email(store: &Store, email: &Email) -> Result<Option<i64>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM accounts WHERE email = ?")
            .bind(email.as_str())
            .fetch_optional(store)
            .await?,
    )
}

/// The operator's reason while the account is suspended (`suspension`), else `None`.
pub async fn suspension_reason(store: &Store, account_id: i64) -> Result<Option<String>, AppError> {
    let row: Option<(Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT suspended_at, suspended_reason FROM accounts WHERE id = ?")
            .bind(account_id)
            .fetch_optional(store)
            .await?;
    Ok(row.and_then(|(at, reason)| at.map(|_| reason.unwrap_or_default())))
}

pub async fn exists_any(store: &Store) -> Result<bool, AppError> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM accounts")
            .fetch_one(store)
            .await?
            > 0,
    )
}

/// The account id when email and password match; `None` for a wrong password *and* for an
/// unknown or malformed email, after the same work: one lookup, one argon2 verification.
pub async fn verify_credentials(
    store: &Store,
    argon2: &Argon2Gate,
    email: &str,
    password: &str,
) -> Result<Option<i64>, AppError> {
    // A malformed email is looked up as "", which no account has: the same path as unknown.
    let email = Email::parse(email)
        .map(|email| email.as_str().to_owned())
        .unwrap_or_default();
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, password_hash FROM accounts WHERE email = ? AND closed_at IS NULL",
    )
    .bind(email)
    .fetch_optional(store)
    .await?;
    let (id, hash) = row.unzip();
    Ok(argon2
        .verify(hash, password.to_owned())
        .await?
        .then_some(id)
        .flatten())
}

/// The account as `GET /api/account` and the Profile page show it.
#[derive(sqlx::FromRow)]
struct AccountRow {
    email: String,
    prefix: String,
    last4: Option<String>,
    created_at: Option<i64>,
    last_used_at: Option<i64>,
    last_used_ip: Option<String>,
    #[sqlx(rename = "key_revoked_at")]
    revoked_at: Option<i64>,
    #[sqlx(rename = "key_revoked_reason")]
    revoked_reason: Option<String>,
    insecure_use_at: Option<i64>,
    insecure_use_ip: Option<String>,
    suspended_at: Option<i64>,
    suspended_reason: Option<String>,
    expires_at: Option<i64>,
    allowed_networks: Option<String>,
    access: Option<String>,
    revoke_after_unused_days: Option<i64>,
    network_refused_at: Option<i64>,
    network_refused_ip: Option<String>,
}

pub async fn view(store: &Store, account_id: i64) -> Result<Account, AppError> {
    let row: AccountRow = sqlx::query_as(
        "SELECT a.email, a.prefix, k.last4, k.created_at, k.last_used_at, k.last_used_ip, a.key_revoked_at,
                a.key_revoked_reason, k.insecure_use_at, k.insecure_use_ip, a.suspended_at, a.suspended_reason,
                k.expires_at, k.allowed_networks, k.access, k.revoke_after_unused_days,
                k.network_refused_at, k.network_refused_ip
         FROM accounts a LEFT JOIN api_keys k ON k.account_id = a.id WHERE a.id = ?",
    )
    .bind(account_id)
    .fetch_one(store)
    .await?;
    let AccountRow {
        email,
        prefix,
        last4,
        created_at,
        last_used_at,
        last_used_ip,
        revoked_at,
        revoked_reason,
        insecure_use_at,
        insecure_use_ip,
        suspended_at,
        suspended_reason,
        expires_at,
        allowed_networks,
        access,
        revoke_after_unused_days,
        network_refused_at,
        network_refused_ip,
    } = row;
    let policy = Policy {
        expires_at,
        networks: key_policy::networks_from_column(allowed_networks.as_deref()),
        access: access
            .as_deref()
            .map(KeyAccess::from_stored)
            .unwrap_or_default(),
        revoke_after_unused_days: revoke_after_unused_days.and_then(|d| u32::try_from(d).ok()),
    };
    let api_key = last4.zip(created_at).map(|(last4, created_at)| ApiKeyInfo {
        masked: api_key::masked(&last4),
        created_at: time::rfc3339(created_at),
        last_used_at: last_used_at.map(time::rfc3339),
        last_used_ip,
        sent_insecurely_at: insecure_use_at.map(time::rfc3339),
        sent_insecurely_from: insecure_use_ip,
        expires_at: policy.options().expires_at,
        allowed_networks: policy.options().allowed_networks,
        access: policy.access,
        revoke_after_unused_days: policy.revoke_after_unused_days,
        network_refused_at: network_refused_at.map(time::rfc3339),
        network_refused_from: network_refused_ip,
        expires_in_days: key_policy::expires_in_days(expires_at, time::now()),
    });
    Ok(Account {
        email,
        prefix,
        api_key,
        api_key_revoked_at: revoked_at.map(time::rfc3339),
        // Revocations from before reasons were kept were all reports.
        api_key_revoked_reason: revoked_at
            .map(|_| revoked_reason.unwrap_or_else(|| "it was reported as exposed".to_owned())),
        suspension: suspended_at.map(|since| Suspension {
            since: time::rfc3339(since),
            reason: suspended_reason.unwrap_or_default(),
        }),
        plan: None,
        usage: None,
    })
}

/// Sets a new panel password when `current` is right, and signs out every other session of the
/// account (`keep`: the caller's own, which stays signed in). Answers how many were signed out.
/// A wrong current password is 403, counted by the caller's sign-in limiter like a sign-in.
pub async fn change_password(
    store: &Store,
    argon2: &Argon2Gate,
    account_id: i64,
    current: &str,
    new: Password,
    keep: Option<i64>,
) -> Result<u64, AppError> {
    if !password_is(store, argon2, account_id, current).await? {
        return Err(AppError::forbidden("The current password is not right."));
    }
    set_password(store, argon2, account_id, new).await?;
    crate::services::sessions::revoke_others(store, account_id, keep).await
}

/// Whether `password` is the account's panel password (a signed-in customer confirming it).
pub async fn password_is(
    store: &Store,
    argon2: &Argon2Gate,
    account_id: i64,
    password: &str,
) -> Result<bool, AppError> {
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = ?")
        .bind(account_id)
        .fetch_one(store)
        .await?;
    argon2.verify(Some(hash), password.to_owned()).await
}

/// The operator's reset (`account set-password`): no current password; every session ends.
pub async fn set_password(
    store: &Store,
    argon2: &Argon2Gate,
    account_id: i64,
    new: Password,
) -> Result<(), AppError> {
    let hash = argon2.hash(new).await?;
    sqlx::query("UPDATE accounts SET password_hash = ? WHERE id = ?")
        .bind(hash)
        .bind(account_id)
        .execute(store)
        .await?;
    Ok(())
}

/// Whether the account is closed (or being closed).
pub async fn is_closed(store: &Store, account_id: i64) -> Result<bool, AppError> {
    let closed: Option<Option<i64>> =
        sqlx::query_scalar("SELECT closed_at FROM accounts WHERE id = ?")
            .bind(account_id)
            .fetch_optional(store)
            .await?;
    Ok(closed.flatten().is_some())
}
