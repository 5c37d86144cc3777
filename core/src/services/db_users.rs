//! Database users of the account: MySQL accounts `<prefix>_…` at 'localhost' (the Unix socket),
//! at the TCP loopback addresses 127.0.0.1 and ::1, and at each whitelisted host, all with the
//! same password and grants.
use crate::domain::caller::Caller;
use crate::domain::secret::random_base62;
use crate::managed::{self, admin_exec, processlist, sql};
use crate::services::plans::{self, Counted, UserLimits};
use crate::services::user_hosts::{self, LOCALHOST, LOOPBACK_HOSTS};
use crate::services::{account_lock, audit, storage_writes};
use crate::services::{databases, grants};
use crate::store::Store;
use sqlx::MySqlPool;
use types::activity::Action;
use types::error::AppError;
use types::model::{CreateUser, CreatedUser, DbUser, Grant, SetPrivileges};
use types::names::{DbPassword, DbUserName};
use types::privilege::{self, parse_privileges};

/// A user named in a URL: anything not the caller's is "not found".
pub fn owned(caller: &Caller, raw: &str) -> Result<DbUserName, AppError> {
    DbUserName::parse(raw, &caller.prefix).map_err(|_| not_found(raw))
}

fn not_found(raw: &str) -> AppError {
    AppError::not_found(format!("No database user named {raw} in your account."))
}

/// Where the user exists, 'localhost' first.
async fn hosts_of(mysql: &MySqlPool, user: &DbUserName) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar("SELECT CONVERT(Host USING utf8mb4) FROM mysql.user WHERE User = ? ORDER BY Host <> 'localhost', Host")
        .bind(user.as_str())
        .fetch_all(mysql)
        .await?)
}

/// Where the user exists now; 404 unless it exists at 'localhost' (as every user of the panel does).
pub async fn existing_hosts(mysql: &MySqlPool, user: &DbUserName) -> Result<Vec<String>, AppError> {
    let hosts = hosts_of(mysql, user).await?;
    if hosts.first().map(String::as_str) == Some(LOCALHOST) {
        Ok(hosts)
    } else {
        Err(not_found(user.as_str()))
    }
}

/// Every host account of the users `<prefix>_…` that a whitelist entry made (not 'localhost', not
/// the loopback addresses), as `(user, host)`.
pub async fn remote_accounts(
    mysql: &MySqlPool,
    caller: &Caller,
) -> Result<Vec<(DbUserName, String)>, AppError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT CONVERT(User USING utf8mb4), CONVERT(Host USING utf8mb4) FROM mysql.user
         WHERE User LIKE ? ESCAPE '!' AND Host NOT IN ('localhost', ?, ?) ORDER BY 1, 2",
    )
    .bind(sql::like_starts_with(&format!(
        "{}_",
        caller.prefix.as_str()
    )))
    .bind(LOOPBACK_HOSTS[0])
    .bind(LOOPBACK_HOSTS[1])
    .fetch_all(mysql)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(user, host)| Some((DbUserName::parse(&user, &caller.prefix).ok()?, host)))
        .collect())
}

/// The account's users (every one exists at 'localhost').
pub async fn names(mysql: &MySqlPool, caller: &Caller) -> Result<Vec<DbUserName>, AppError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT CONVERT(User USING utf8mb4) FROM mysql.user WHERE User LIKE ? ESCAPE '!' AND Host = 'localhost' ORDER BY 1",
    )
    .bind(sql::like_starts_with(&format!("{}_", caller.prefix.as_str())))
    .fetch_all(mysql)
    .await?;
    Ok(names
        .iter()
        .filter_map(|name| DbUserName::parse(name, &caller.prefix).ok())
        .collect())
}

pub async fn list(mysql: &MySqlPool, caller: &Caller) -> Result<Vec<DbUser>, AppError> {
    let mut grants = grants::of_users(mysql, caller).await?;
    Ok(names(mysql, caller)
        .await?
        .into_iter()
        .map(|name| DbUser {
            databases: grants.remove(name.as_str()).unwrap_or_default(),
            name: name.as_str().to_owned(),
        })
        .collect())
}

/// How an account authenticates, its limits and whether it is locked (a suspended account):
/// what every host of a user shares.
#[derive(sqlx::FromRow, PartialEq)]
struct Login {
    plugin: String,
    hash: String,
    max_user_connections: i64,
    max_questions: i64,
    /// 1 while `ACCOUNT LOCK`ed (`mysql.user` does not show it; `global_priv` does).
    locked: i64,
}

async fn login_at(
    mysql: &MySqlPool,
    user: &DbUserName,
    host: &str,
) -> Result<Option<Login>, AppError> {
    Ok(sqlx::query_as(
        "SELECT CONVERT(u.plugin USING utf8mb4) AS plugin, CONVERT(u.authentication_string USING utf8mb4) AS hash,
                CAST(u.max_user_connections AS SIGNED) AS max_user_connections,
                CAST(u.max_questions AS SIGNED) AS max_questions,
                CAST(IFNULL(JSON_VALUE(g.Priv, '$.account_locked'), '0') IN ('1', 'true') AS SIGNED) AS locked
         FROM mysql.user u JOIN mysql.global_priv g ON g.User = u.User AND g.Host = u.Host
         WHERE u.User = ? AND u.Host = ?",
    )
    .bind(user.as_str())
    .bind(host)
    .fetch_optional(mysql)
    .await?)
}

/// Makes `user@host` exist with the password of `user@localhost` (its stored hash, copied as is),
/// the account's limits, and the same grants. Idempotent, and only writes what differs:
/// reconciliation runs it for every user at every host to repair accounts that drifted.
pub async fn sync_host(
    mysql: &MySqlPool,
    user: &DbUserName,
    host: &str,
    limits: UserLimits,
) -> Result<(), AppError> {
    let source = login_at(mysql, user, LOCALHOST)
        .await?
        .ok_or_else(|| not_found(user.as_str()))?;
    if !sql::is_charset_word(&source.plugin) {
        return Err(AppError::internal(format!(
            "unexpected authentication plugin {:?} for {}",
            source.plugin,
            user.as_str()
        )));
    }
    let wanted = Login {
        max_user_connections: limits.connections,
        max_questions: limits.queries_per_hour,
        ..source
    };
    let identified = format!(
        "IDENTIFIED VIA {} USING {} {} ACCOUNT {}",
        wanted.plugin,
        sql::quote_string(&wanted.hash),
        limits.clause(),
        if wanted.locked == 1 { "LOCK" } else { "UNLOCK" }
    );
    let account = sql::account(user, host);
    match login_at(mysql, user, host).await? {
        None => {
            admin_exec(
                mysql,
                &format!("CREATE USER IF NOT EXISTS {account} {identified}"),
            )
            .await?
        }
        Some(current) if current != wanted => {
            admin_exec(mysql, &format!("ALTER USER {account} {identified}")).await?
        }
        Some(_) => {}
    }
    grants::copy(mysql, user, LOCALHOST, host).await
}

/// Gives `user@localhost` the account's limits if it lacks them (users made before, a plan or a
/// connection cap changed since).
pub async fn sync_limit(
    mysql: &MySqlPool,
    user: &DbUserName,
    limits: UserLimits,
) -> Result<(), AppError> {
    let current = login_at(mysql, user, LOCALHOST)
        .await?
        .ok_or_else(|| not_found(user.as_str()))?;
    if (current.max_user_connections, current.max_questions)
        != (limits.connections, limits.queries_per_hour)
    {
        admin_exec(
            mysql,
            &format!(
                "ALTER USER {} {}",
                sql::account(user, LOCALHOST),
                limits.clause()
            ),
        )
        .await?;
    }
    Ok(())
}

/// The account's limits for its users: the panel's connection cap and the account's plan.
pub async fn limits_of(
    mysql: &MySqlPool,
    store: &Store,
    account_id: i64,
) -> Result<UserLimits, AppError> {
    UserLimits::of_account(
        store,
        account_id,
        managed::max_user_connections(mysql).await?,
    )
    .await
}

/// Gives every user of the account, at every host, the limits of its plan as it now is (a plan
/// changed or assigned). Under the account's lock, like every change to its MySQL accounts.
pub async fn apply_limits(
    mysql: &MySqlPool,
    store: &Store,
    caller: &Caller,
) -> Result<(), AppError> {
    let _account = account_lock::lock(store, &caller.prefix).await?;
    let limits = limits_of(mysql, store, caller.account_id).await?;
    for user in names(mysql, caller).await? {
        sync_limit(mysql, &user, limits).await?;
        for host in existing_hosts(mysql, &user).await? {
            if host != LOCALHOST {
                sync_host(mysql, &user, &host, limits).await?;
            }
        }
    }
    Ok(())
}

pub async fn drop_host(mysql: &MySqlPool, user: &DbUserName, host: &str) -> Result<(), AppError> {
    admin_exec(
        mysql,
        &format!("DROP USER IF EXISTS {}", sql::account(user, host)),
    )
    .await
}

/// Creates the user at every wanted host, or at none: a failure drops what was created.
pub async fn create(
    mysql: &MySqlPool,
    store: &Store,
    caller: &Caller,
    request: &CreateUser,
) -> Result<CreatedUser, AppError> {
    let name = DbUserName::parse(request.name.trim(), &caller.prefix)?;
    let (password, generated) = match &request.password {
        Some(given) => (DbPassword::parse(given)?, false),
        None => (DbPassword::parse(&random_base62(24))?, true),
    };
    // Held until the user exists at every host: a whitelist entry removed meanwhile waits, then
    // removes this user's account at its host too.
    let _account = account_lock::lock(store, &caller.prefix).await?;
    let used = names(mysql, caller).await?.len();
    plans::check_room(store, caller.account_id, Counted::Users, used).await?;
    if !hosts_of(mysql, &name).await?.is_empty() {
        return Err(AppError::conflict(format!(
            "A database user named {} already exists.",
            name.as_str()
        )));
    }
    let hosts = user_hosts::wanted(store, caller).await?;
    let limits = limits_of(mysql, store, caller.account_id).await?;
    if let Err(err) = create_at(mysql, &name, &password, &hosts, limits).await {
        for host in &hosts {
            let _ = drop_host(mysql, &name, host).await;
        }
        return Err(err);
    }
    audit::record(
        store,
        audit::Entry::by(caller, Action::UserCreated).with("user", name.as_str()),
    )
    .await;
    Ok(CreatedUser {
        name: name.as_str().to_owned(),
        password: generated.then(|| password.expose().to_owned()),
    })
}

/// 'localhost' from the password, then every other host from its hash.
async fn create_at(
    mysql: &MySqlPool,
    name: &DbUserName,
    password: &DbPassword,
    hosts: &[String],
    limits: UserLimits,
) -> Result<(), AppError> {
    let statement = format!(
        "CREATE USER {} IDENTIFIED BY {} {}",
        sql::account(name, LOCALHOST),
        sql::quote_string(password.expose()),
        limits.clause()
    );
    admin_exec(mysql, &statement).await?;
    for host in hosts.iter().filter(|host| *host != LOCALHOST) {
        sync_host(mysql, name, host, limits).await?;
    }
    Ok(())
}

/// Changes the password at 'localhost', then copies its hash to every other host. Hosts never keep
/// different passwords for long: if copying fails halfway, reconciliation (at start-up and every
/// few minutes) copies the hash from 'localhost' again.
pub async fn set_password(
    mysql: &MySqlPool,
    store: &Store,
    caller: &Caller,
    name: &DbUserName,
    password: &str,
) -> Result<(), AppError> {
    let password = DbPassword::parse(password)?;
    let _account = account_lock::lock_for_user(store, name).await?;
    let hosts = existing_hosts(mysql, name).await?;
    let limits = limits_of(mysql, store, caller.account_id).await?;
    let statement = format!(
        "ALTER USER {} IDENTIFIED BY {}",
        sql::account(name, LOCALHOST),
        sql::quote_string(password.expose())
    );
    admin_exec(mysql, &statement).await?;
    audit::record(
        store,
        audit::Entry::by(caller, Action::UserPasswordChanged).with("user", name.as_str()),
    )
    .await;
    for host in hosts.iter().filter(|host| *host != LOCALHOST) {
        sync_host(mysql, name, host, limits).await?;
    }
    Ok(())
}

/// Drops the user at every host and ends its open sessions.
pub async fn delete(
    mysql: &MySqlPool,
    store: &Store,
    caller: &Caller,
    name: &DbUserName,
) -> Result<(), AppError> {
    let _account = account_lock::lock_for_user(store, name).await?;
    let mut hosts = existing_hosts(mysql, name).await?;
    // 'localhost' last: until it is gone the user is still listed, and a retry finishes the rest.
    hosts.rotate_left(1);
    for host in hosts {
        admin_exec(
            mysql,
            &format!("DROP USER IF EXISTS {}", sql::account(name, &host)),
        )
        .await?;
    }
    storage_writes::forget(store, caller.account_id, Some(name.as_str()), None).await?;
    audit::record(
        store,
        audit::Entry::by(caller, Action::UserDeleted).with("user", name.as_str()),
    )
    .await;
    end_sessions(mysql, name).await
}

/// Ends every open session of the user: access taken away takes effect now, not at its next login.
pub async fn end_sessions(mysql: &MySqlPool, name: &DbUserName) -> Result<(), AppError> {
    processlist::kill(
        mysql,
        processlist::sessions_of_user(mysql, name.as_str()).await?,
    )
    .await
}

pub async fn set_privileges(
    mysql: &MySqlPool,
    store: &Store,
    caller: &Caller,
    (user, database): (&str, &str),
    request: &SetPrivileges,
) -> Result<Grant, AppError> {
    let (user, database) = (owned(caller, user)?, databases::owned(caller, database)?);
    let wanted = parse_privileges(&request.privileges)?;
    let _account = account_lock::lock(store, &caller.prefix).await?;
    let hosts = existing_hosts(mysql, &user).await?;
    databases::find(mysql, &database).await?;
    // Over its storage, the account gets INSERT, UPDATE and CREATE back only when under again.
    let withheld = storage_writes::withheld_since(store, caller.account_id)
        .await?
        .is_some();
    let (granted, waiting) = storage_writes::split(&wanted, withheld);
    let narrowed = grants::set(mysql, &user, &hosts, &database, &granted).await?;
    if withheld {
        let pattern = sql::grant_pattern(&database);
        storage_writes::replace(store, caller.account_id, user.as_str(), &pattern, &waiting)
            .await?;
    }
    let entry = audit::Entry::by(caller, Action::PrivilegesSet)
        .with("user", user.as_str())
        .with("database", database.as_str());
    audit::record(
        store,
        entry.with("privileges", privilege::names(&wanted).join(", ")),
    )
    .await;
    if narrowed {
        end_sessions(mysql, &user).await?;
    }
    Ok(Grant {
        user: user.as_str().to_owned(),
        database: database.as_str().to_owned(),
        privileges: privilege::names(&wanted),
    })
}

pub async fn revoke_privileges(
    mysql: &MySqlPool,
    store: &Store,
    caller: &Caller,
    (user, database): (&str, &str),
) -> Result<(), AppError> {
    let (user, database) = (owned(caller, user)?, databases::owned(caller, database)?);
    let _account = account_lock::lock(store, &caller.prefix).await?;
    let hosts = existing_hosts(mysql, &user).await?;
    databases::find(mysql, &database).await?;
    let revoked = grants::revoke(mysql, &user, &hosts, &database).await?;
    let pattern = sql::grant_pattern(&database);
    storage_writes::forget(
        store,
        caller.account_id,
        Some(user.as_str()),
        Some(&pattern),
    )
    .await?;
    let entry = audit::Entry::by(caller, Action::PrivilegesRevoked).with("user", user.as_str());
    audit::record(store, entry.with("database", database.as_str())).await;
    if revoked {
        end_sessions(mysql, &user).await?;
    }
    Ok(())
}
