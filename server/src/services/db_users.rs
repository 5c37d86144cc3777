//! Database users of the account: MySQL accounts `<prefix>_…` at 'localhost' (and, with the IP
//! whitelist, at each whitelisted host), all with the same password and grants.
use crate::auth::Caller;
use crate::domain::secret::random_base62;
use crate::managed::{admin_exec, sql};
use crate::services::{databases, grants, whitelist};
use app::error::AppError;
use app::model::{CreateUser, CreatedUser, DbUser, Grant, SetPrivileges};
use app::names::{DbPassword, DbUserName};
use app::privilege::{self, parse_privileges};
use sqlx::{MySqlPool, SqlitePool};

/// A user named in a URL: anything not the caller's is "not found".
pub fn owned(caller: &Caller, raw: &str) -> Result<DbUserName, AppError> {
    DbUserName::parse(raw, &caller.prefix).map_err(|_| not_found(raw))
}

fn not_found(raw: &str) -> AppError {
    AppError::not_found(format!("No database user named {raw} in your account."))
}

const LOCALHOST: &str = "localhost";

/// Where a new user must exist: 'localhost' plus the account's active whitelist hosts.
async fn wanted_hosts(store: &SqlitePool, caller: &Caller) -> Result<Vec<String>, AppError> {
    let mut hosts = vec![LOCALHOST.to_owned()];
    hosts.extend(whitelist::active_hosts(store, caller.account_id).await?);
    Ok(hosts)
}

/// Where the user exists now (404 when nowhere).
async fn existing_hosts(mysql: &MySqlPool, user: &DbUserName) -> Result<Vec<String>, AppError> {
    let hosts: Vec<String> = sqlx::query_scalar("SELECT CONVERT(Host USING utf8mb4) FROM mysql.user WHERE User = ? ORDER BY Host")
        .bind(user.as_str())
        .fetch_all(mysql)
        .await?;
    if hosts.is_empty() { Err(not_found(user.as_str())) } else { Ok(hosts) }
}

/// The account's users (every one exists at 'localhost').
pub async fn names(mysql: &MySqlPool, caller: &Caller) -> Result<Vec<DbUserName>, AppError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT CONVERT(User USING utf8mb4) FROM mysql.user WHERE User LIKE ? ESCAPE '!' AND Host = 'localhost' ORDER BY 1",
    )
    .bind(sql::like_starts_with(&format!("{}_", caller.prefix.as_str())))
    .fetch_all(mysql)
    .await?;
    Ok(names.iter().filter_map(|name| DbUserName::parse(name, &caller.prefix).ok()).collect())
}

pub async fn list(mysql: &MySqlPool, caller: &Caller) -> Result<Vec<DbUser>, AppError> {
    let mut grants = grants::of_users(mysql, caller).await?;
    Ok(names(mysql, caller)
        .await?
        .into_iter()
        .map(|name| DbUser { databases: grants.remove(name.as_str()).unwrap_or_default(), name: name.as_str().to_owned() })
        .collect())
}

/// Makes `user@host` exist with the password (the stored hash, copied as is) and the grants of
/// `user@localhost`. Idempotent: also repairs a host account that drifted.
pub async fn sync_host(mysql: &MySqlPool, user: &DbUserName, host: &str) -> Result<(), AppError> {
    let auth: Option<(String, String)> = sqlx::query_as(
        "SELECT CONVERT(plugin USING utf8mb4), CONVERT(authentication_string USING utf8mb4)
         FROM mysql.user WHERE User = ? AND Host = 'localhost'",
    )
    .bind(user.as_str())
    .fetch_optional(mysql)
    .await?;
    let (plugin, hash) = auth.ok_or_else(|| not_found(user.as_str()))?;
    if !sql::is_charset_word(&plugin) {
        return Err(AppError::internal(format!("unexpected authentication plugin {plugin:?} for {}", user.as_str())));
    }
    let identified = format!("IDENTIFIED VIA {plugin} USING {}", sql::quote_string(&hash));
    let account = sql::account(user, host);
    admin_exec(mysql, &format!("CREATE USER IF NOT EXISTS {account} {identified}")).await?;
    admin_exec(mysql, &format!("ALTER USER {account} {identified}")).await?;
    grants::copy(mysql, user, LOCALHOST, host).await
}

pub async fn drop_host(mysql: &MySqlPool, user: &DbUserName, host: &str) -> Result<(), AppError> {
    admin_exec(mysql, &format!("DROP USER IF EXISTS {}", sql::account(user, host))).await?;
    Ok(())
}

/// Creates the user at every wanted host, or at none: a failure drops what was created.
pub async fn create(
    mysql: &MySqlPool,
    store: &SqlitePool,
    caller: &Caller,
    request: &CreateUser,
) -> Result<CreatedUser, AppError> {
    let name = DbUserName::parse(request.name.trim(), &caller.prefix)?;
    let (password, generated) = match &request.password {
        Some(given) => (DbPassword::parse(given)?, false),
        None => (DbPassword::parse(&random_base62(24))?, true),
    };
    if existing_hosts(mysql, &name).await.is_ok() {
        return Err(AppError::conflict(format!("A database user named {} already exists.", name.as_str())));
    }
    let mut created: Vec<String> = Vec::new();
    for host in wanted_hosts(store, caller).await? {
        let statement =
            format!("CREATE USER {} IDENTIFIED BY {}", sql::account(&name, &host), sql::quote_string(password.expose()));
        if let Err(err) = admin_exec(mysql, &statement).await {
            for host in &created {
                let _ = drop_host(mysql, &name, host).await;
            }
            return Err(err.into());
        }
        created.push(host);
    }
    Ok(CreatedUser { name: name.as_str().to_owned(), password: generated.then(|| password.expose().to_owned()) })
}

pub async fn set_password(mysql: &MySqlPool, name: &DbUserName, password: &str) -> Result<(), AppError> {
    let password = DbPassword::parse(password)?;
    for host in existing_hosts(mysql, name).await? {
        let statement =
            format!("ALTER USER {} IDENTIFIED BY {}", sql::account(name, &host), sql::quote_string(password.expose()));
        admin_exec(mysql, &statement).await?;
    }
    Ok(())
}

pub async fn drop(mysql: &MySqlPool, name: &DbUserName) -> Result<(), AppError> {
    for host in existing_hosts(mysql, name).await? {
        admin_exec(mysql, &format!("DROP USER {}", sql::account(name, &host))).await?;
    }
    Ok(())
}

pub async fn set_privileges(
    mysql: &MySqlPool,
    caller: &Caller,
    (user, database): (&str, &str),
    request: &SetPrivileges,
) -> Result<Grant, AppError> {
    let (user, database) = (owned(caller, user)?, databases::owned(caller, database)?);
    let wanted = parse_privileges(&request.privileges)?;
    let hosts = existing_hosts(mysql, &user).await?;
    databases::find(mysql, &database).await?;
    grants::set(mysql, &user, &hosts, &database, &wanted).await?;
    Ok(Grant { user: user.as_str().to_owned(), database: database.as_str().to_owned(), privileges: privilege::names(&wanted) })
}

pub async fn revoke_privileges(mysql: &MySqlPool, caller: &Caller, (user, database): (&str, &str)) -> Result<(), AppError> {
    let (user, database) = (owned(caller, user)?, databases::owned(caller, database)?);
    let hosts = existing_hosts(mysql, &user).await?;
    databases::find(mysql, &database).await?;
    grants::revoke(mysql, &user, &hosts, &database).await
}
