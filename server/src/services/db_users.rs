//! Database users of the account: MySQL accounts `<prefix>_…` at 'localhost' (and, with the IP
//! whitelist, at each whitelisted host), all with the same password and grants.
use crate::auth::Caller;
use crate::domain::secret::random_base62;
use crate::managed::{admin_exec, sql};
use crate::services::{databases, grants};
use app::error::AppError;
use app::model::{CreateUser, CreatedUser, DbUser, Grant, SetPrivileges};
use app::names::{DbPassword, DbUserName};
use app::privilege::{names, parse_privileges};
use sqlx::MySqlPool;

/// A user named in a URL: anything not the caller's is "not found".
pub fn owned(caller: &Caller, raw: &str) -> Result<DbUserName, AppError> {
    DbUserName::parse(raw, &caller.prefix).map_err(|_| not_found(raw))
}

fn not_found(raw: &str) -> AppError {
    AppError::not_found(format!("No database user named {raw} in your account."))
}

/// Where a new user must exist. Later: 'localhost' plus the account's whitelisted hosts.
fn wanted_hosts(_caller: &Caller) -> Vec<String> {
    vec!["localhost".to_owned()]
}

/// Where the user exists now (404 when nowhere).
async fn existing_hosts(mysql: &MySqlPool, user: &DbUserName) -> Result<Vec<String>, AppError> {
    let hosts: Vec<String> = sqlx::query_scalar("SELECT CONVERT(Host USING utf8mb4) FROM mysql.user WHERE User = ? ORDER BY Host")
        .bind(user.as_str())
        .fetch_all(mysql)
        .await?;
    if hosts.is_empty() { Err(not_found(user.as_str())) } else { Ok(hosts) }
}

pub async fn list(mysql: &MySqlPool, caller: &Caller) -> Result<Vec<DbUser>, AppError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT CONVERT(User USING utf8mb4) FROM mysql.user WHERE User LIKE ? ESCAPE '!' ORDER BY 1",
    )
    .bind(sql::like_starts_with(&format!("{}_", caller.prefix.as_str())))
    .fetch_all(mysql)
    .await?;
    let mut grants = grants::of_users(mysql, caller).await?;
    Ok(names
        .into_iter()
        .map(|name| DbUser { databases: grants.remove(&name).unwrap_or_default(), name })
        .collect())
}

/// Creates the user at every wanted host, or at none: a failure drops what was created.
pub async fn create(mysql: &MySqlPool, caller: &Caller, request: &CreateUser) -> Result<CreatedUser, AppError> {
    let name = DbUserName::parse(request.name.trim(), &caller.prefix)?;
    let (password, generated) = match &request.password {
        Some(given) => (DbPassword::parse(given)?, false),
        None => (DbPassword::parse(&random_base62(24))?, true),
    };
    if existing_hosts(mysql, &name).await.is_ok() {
        return Err(AppError::conflict(format!("A database user named {} already exists.", name.as_str())));
    }
    let mut created: Vec<String> = Vec::new();
    for host in wanted_hosts(caller) {
        let statement =
            format!("CREATE USER {} IDENTIFIED BY {}", sql::account(&name, &host), sql::quote_string(password.expose()));
        if let Err(err) = admin_exec(mysql, &statement).await {
            for host in &created {
                let _ = admin_exec(mysql, &format!("DROP USER IF EXISTS {}", sql::account(&name, host))).await;
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
    Ok(Grant { user: user.as_str().to_owned(), database: database.as_str().to_owned(), privileges: names(&wanted) })
}

pub async fn revoke_privileges(mysql: &MySqlPool, caller: &Caller, (user, database): (&str, &str)) -> Result<(), AppError> {
    let (user, database) = (owned(caller, user)?, databases::owned(caller, database)?);
    let hosts = existing_hosts(mysql, &user).await?;
    databases::find(mysql, &database).await?;
    grants::revoke(mysql, &user, &hosts, &database).await
}
