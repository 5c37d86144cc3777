//! The MySQL identity an account's SQL runs as: `<prefix>-panel`, at 'localhost' when the panel
//! reaches the server through its socket, else at the panel's own address(es) as the server sees
//! them (never `%`; `REQUIRE SSL` off loopback), holding every
//! database privilege on `<prefix>\_%` and nothing else (no global privilege, no GRANT OPTION).
//! MariaDB itself therefore refuses other tenants' data, the system schemas, CREATE USER, GRANT,
//! SET GLOBAL, FILE. The `-` cannot occur in a database user's name (`<prefix>_…`), so the
//! identity is never listed, managed or given whitelist hosts as one.
//!
//! A read-only API key's SQL runs as a second identity, `<prefix>-ro`, at the same hosts, holding
//! only SELECT and SHOW VIEW there (no EXECUTE, so no routine runs; every session is also a
//! read-only transaction): MariaDB itself refuses its writes, however they are spelled.
use super::Queries;
use crate::domain::caller::Caller;
use crate::domain::sealed_columns;
use crate::domain::secret;
use crate::managed::fleet::{Route, Server, ServerTls, is_loopback};
use crate::managed::{admin_exec, admin_exec_expecting, sql};
use crate::services::{account_lock, storage_writes};
use crate::store::Store;
use mysql_async::Conn;
use std::time::Duration;
use types::error::AppError;
use types::names::DatabaseName;
use types::validate::Prefix;

/// How an outside client (mariadb-dump) logs in as the identity.
pub struct Login {
    pub user: String,
    pub password: String,
    pub route: Route,
    pub tls: ServerTls,
}

/// The identity's login, created first if the account has none yet. Callers open a session with
/// `connect` before handing this to a client: that repairs an identity dropped by hand.
pub async fn login(
    queries: &Queries,
    server: &Server,
    store: &Store,
    caller: &Caller,
) -> Result<Login, AppError> {
    let password = password(queries, server, store, &caller.prefix, caller.account_id).await?;
    Ok(Login {
        user: name(&caller.prefix),
        password,
        route: server.route().await?.clone(),
        tls: server.tls.clone(),
    })
}

/// ER_ACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR (what
/// MariaDB may say over its socket for a user it does not know): the identity is missing or lost
/// its grant.
const ACCESS_DENIED: [u16; 3] = [1045, 1044, 1698];
/// ER_TOO_MANY_USER_CONNECTIONS.
const TOO_MANY_USER_CONNECTIONS: u16 = 1226;
/// ER_BAD_DB_ERROR.
const UNKNOWN_DATABASE: u16 = 1049;

/// Which of the account's two identities a session logs in as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Full,
    ReadOnly,
}

impl Access {
    /// A read-only API key's SQL runs read-only; everything else (the panel's pages, full keys,
    /// the panel's own jobs) as the full identity.
    pub fn of(caller: &Caller) -> Self {
        if caller.read_only() {
            Access::ReadOnly
        } else {
            Access::Full
        }
    }

    fn user(self, prefix: &Prefix) -> String {
        match self {
            Access::Full => name(prefix),
            Access::ReadOnly => read_only_name(prefix),
        }
    }

    /// The identity's password. The read-only one is derived from the full one (stored sealed),
    /// so it needs no row of its own and changes when that does.
    fn password(self, full: String) -> String {
        match self {
            Access::Full => full,
            Access::ReadOnly => {
                use hmac::{Hmac, Mac};
                let mut mac = Hmac::<sha2::Sha256>::new_from_slice(full.as_bytes())
                    .expect("HMAC takes a key of any length");
                mac.update(b"nobregas read-only query identity");
                crate::domain::hex::encode(&mac.finalize().into_bytes())
            }
        }
    }
}

pub fn name(prefix: &Prefix) -> String {
    format!("{}-panel", prefix.as_str())
}

pub fn read_only_name(prefix: &Prefix) -> String {
    format!("{}-ro", prefix.as_str())
}

/// Both identities' names: what suspending, closing, moving and deleting the account act on.
pub fn names(prefix: &Prefix) -> [String; 2] {
    [name(prefix), read_only_name(prefix)]
}

/// A new session as the account's identity, on `database`, along the server's route (its socket,
/// or TCP with the admin pool's TLS), with MariaDB stopping any statement after `timeout`.
///
/// Customer SQL runs on mysql_async rather than sqlx: its result metadata keeps each column's
/// character set (binary or text) and the columns of empty results.
pub async fn connect(
    queries: &Queries,
    server: &Server,
    store: &Store,
    caller: &Caller,
    database: &DatabaseName,
    timeout: Duration,
) -> Result<Conn, AppError> {
    let access = Access::of(caller);
    let full = password(queries, server, store, &caller.prefix, caller.account_id).await?;
    let password = access.password(full);
    // Seconds with millisecond precision; the customer's session otherwise behaves as their own
    // client's would (server sql_mode and time zone).
    let mut init = vec![format!(
        "SET SESSION max_statement_time = {:.3}",
        timeout.as_secs_f64()
    )];
    if access == Access::ReadOnly {
        // Beside the grants: a view defined by a user who may write cannot write either.
        init.push("SET SESSION TRANSACTION READ ONLY".to_owned());
    }
    let options = server
        .session_options(&access.user(&caller.prefix), &password)
        .await?
        .db_name(Some(database.as_str()))
        .stmt_cache_size(0)
        .init(init);
    match Conn::new(options.clone()).await {
        Ok(conn) => Ok(conn),
        Err(err) => match error_number(&err) {
            // Dropped by hand, or the server was rebuilt: create it again, once.
            Some(n) if ACCESS_DENIED.contains(&n) => {
                {
                    let _guard = account_lock::lock(store, &caller.prefix).await?;
                    provision(
                        queries,
                        server,
                        store,
                        (&caller.prefix, caller.account_id),
                        access,
                        &password,
                    )
                    .await?;
                }
                Conn::new(options)
                    .await
                    .map_err(|err| refused(err, database))
            }
            _ => Err(refused(err, database)),
        },
    }
}

/// MariaDB's error number, when the server (not the network) said no.
pub fn error_number(err: &mysql_async::Error) -> Option<u16> {
    match err {
        mysql_async::Error::Server(server) => Some(server.code),
        _ => None,
    }
}

fn refused(err: mysql_async::Error, database: &DatabaseName) -> AppError {
    match error_number(&err) {
        Some(TOO_MANY_USER_CONNECTIONS) => AppError::too_many(
            "Your account has too many statements running at once; try again in a moment.",
            1,
        ),
        Some(UNKNOWN_DATABASE) => AppError::not_found(format!(
            "No database named {} in your account.",
            database.as_str()
        )),
        _ => {
            tracing::warn!(error = %err, "could not open a customer session");
            AppError::mysql_unavailable()
        }
    }
}

/// The identity's password from the panel store; the first query of an account creates the
/// identity (under the account's lock, so two first queries make one).
async fn password(
    queries: &Queries,
    server: &Server,
    store: &Store,
    prefix: &Prefix,
    account_id: i64,
) -> Result<String, AppError> {
    if let Some(password) = stored(queries, store, account_id).await? {
        return Ok(password);
    }
    let _guard = account_lock::lock(store, prefix).await?;
    if let Some(password) = stored(queries, store, account_id).await? {
        return Ok(password);
    }
    let password = secret::random_base62(32);
    provision(
        queries,
        server,
        store,
        (prefix, account_id),
        Access::Full,
        &password,
    )
    .await?;
    sqlx::query("INSERT INTO query_identities (account_id, password) VALUES (?, ?)")
        .bind(account_id)
        .bind(queries.sealer.seal(
            &sealed_columns::identity_password(account_id),
            password.as_bytes(),
        ))
        .execute(store)
        .await?;
    Ok(password)
}

/// The identity's password, opened from its sealed form in the store.
async fn stored(
    queries: &Queries,
    store: &Store,
    account_id: i64,
) -> Result<Option<String>, AppError> {
    let sealed: Option<crate::store::Text> =
        sqlx::query_scalar("SELECT password FROM query_identities WHERE account_id = ?")
            .bind(account_id)
            .fetch_optional(store)
            .await?;
    sealed
        .map(|crate::store::Text(sealed)| {
            queries
                .sealer
                .open_text(&sealed_columns::identity_password(account_id), &sealed)
                .map_err(|err| {
                    sealed_columns::unopenable("an account's query identity password", err)
                })
        })
        .transpose()
}

/// Creates an identity or brings it back to what it must be at each host of the server's route:
/// this password, this connection limit, TLS required off loopback, and on the account's
/// databases (the pattern escapes `_`) all privileges but, while the account is over its storage
/// (`services::over_storage`), INSERT, UPDATE and CREATE — or, read-only, SELECT and SHOW VIEW;
/// nothing more.
async fn provision(
    queries: &Queries,
    server: &Server,
    store: &Store,
    (prefix, account_id): (&Prefix, i64),
    access: Access,
    password: &str,
) -> Result<(), AppError> {
    let mysql = &server.pool;
    let withheld = access == Access::Full
        && storage_writes::withheld_since(store, account_id)
            .await?
            .is_some();
    let privileges = match access {
        Access::Full => "ALL PRIVILEGES",
        Access::ReadOnly => "SELECT, SHOW VIEW",
    };
    for host in server.route().await?.identity_hosts() {
        let account = sql::account_raw(&access.user(prefix), &host);
        let login = login_clause(password, &host, queries.running.per_account() + 2);
        admin_exec(
            mysql,
            &format!("CREATE USER IF NOT EXISTS {account} {login}"),
        )
        .await?;
        admin_exec(mysql, &format!("ALTER USER {account} {login}")).await?;
        admin_exec(
            mysql,
            &format!(
                "GRANT {privileges} ON {} TO {account}",
                sql::prefix_grant_target(prefix)
            ),
        )
        .await?;
        if withheld {
            admin_exec(
                mysql,
                &format!(
                    "REVOKE {} ON {} FROM {account}",
                    sql::privilege_list(&storage_writes::WITHHELD),
                    sql::prefix_grant_target(prefix)
                ),
            )
            .await?;
        }
    }
    Ok(())
}

/// `IDENTIFIED BY … [REQUIRE SSL] WITH MAX_USER_CONNECTIONS n`: a password that crosses a network
/// travels only inside TLS.
fn login_clause(password: &str, host: &str, connections: usize) -> String {
    let require = if host == "localhost" || is_loopback(host) {
        "REQUIRE NONE"
    } else {
        "REQUIRE SSL"
    };
    format!(
        "IDENTIFIED BY {} {require} WITH MAX_USER_CONNECTIONS {connections}",
        sql::quote_string(password)
    )
}

/// Where the account's identity exists on the server.
pub async fn hosts(mysql: &sqlx::MySqlPool, prefix: &Prefix) -> Result<Vec<String>, AppError> {
    Ok(
        sqlx::query_scalar(
            "SELECT CAST(Host AS CHAR) FROM mysql.user WHERE User = ? ORDER BY Host",
        )
        .bind(name(prefix))
        .fetch_all(mysql)
        .await?,
    )
}

/// Both identities at every host each has on the server, as `(user, host)`.
pub async fn accounts(
    mysql: &sqlx::MySqlPool,
    prefix: &Prefix,
) -> Result<Vec<(String, String)>, AppError> {
    let [full, read_only] = names(prefix);
    Ok(sqlx::query_as(
        "SELECT CAST(User AS CHAR), CAST(Host AS CHAR) FROM mysql.user
         WHERE User IN (?, ?) ORDER BY User, Host",
    )
    .bind(full)
    .bind(read_only)
    .fetch_all(mysql)
    .await?)
}

/// Both identities' sessions on the server (to end them: the account is suspended or moving).
pub async fn sessions(
    mysql: &sqlx::MySqlPool,
    prefix: &Prefix,
) -> Result<Vec<crate::managed::processlist::Session>, AppError> {
    let mut sessions = Vec::new();
    for user in names(prefix) {
        sessions.extend(crate::managed::processlist::sessions_of_user(mysql, &user).await?);
    }
    Ok(sessions)
}

/// Drops both identities at every host they have on the server (the account is deleted, or
/// moved off the server).
pub async fn drop_all(server: &Server, prefix: &Prefix) -> Result<(), AppError> {
    for (user, host) in accounts(&server.pool, prefix).await? {
        admin_exec_expecting(
            &server.pool,
            &format!("DROP USER IF EXISTS {}", sql::account_raw(&user, &host)),
            |_| None,
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::login_clause;

    #[test]
    fn off_loopback_the_identity_requires_tls() {
        assert!(login_clause("pw", "203.0.113.7", 6).contains(" REQUIRE SSL "));
        assert!(login_clause("pw", "10.0.0.0/255.255.255.0", 6).contains(" REQUIRE SSL "));
        assert!(login_clause("pw", "127.0.0.1", 6).contains(" REQUIRE NONE "));
        assert!(login_clause("pw", "localhost", 6).contains(" REQUIRE NONE "));
        assert!(login_clause("p'w", "::1", 6).starts_with("IDENTIFIED BY 'p''w' "));
    }
}
