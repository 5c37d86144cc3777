//! The MySQL identity an account's SQL runs as: `<prefix>-panel`@`localhost`, holding every
//! database privilege on `<prefix>\_%` and nothing else (no global privilege, no GRANT OPTION).
//! MariaDB itself therefore refuses other tenants' data, the system schemas, CREATE USER, GRANT,
//! SET GLOBAL, FILE. The `-` cannot occur in a database user's name (`<prefix>_…`), so the
//! identity is never listed, managed or given whitelist hosts as one.
use super::Queries;
use crate::domain::caller::Caller;
use crate::domain::sealed_columns;
use crate::domain::secret;
use crate::managed::{admin_exec, sql};
use crate::services::account_lock;
use crate::store::Store;
use mysql_async::{Conn, OptsBuilder};
use sqlx::MySqlPool;
use std::time::Duration;
use types::error::AppError;
use types::names::DatabaseName;
use types::validate::Prefix;

/// How an outside client (mariadb-dump, mariadb) logs in as the identity.
pub struct Login {
    pub user: String,
    pub password: String,
    pub socket: std::path::PathBuf,
}

/// The identity's login, created first if the account has none yet. Callers open a session with
/// `connect` before handing this to a client: that repairs an identity dropped by hand.
pub async fn login(
    queries: &Queries,
    mysql: &MySqlPool,
    store: &Store,
    caller: &Caller,
) -> Result<Login, AppError> {
    let password = password(queries, mysql, store, &caller.prefix, caller.account_id).await?;
    Ok(Login {
        user: name(&caller.prefix),
        password,
        socket: queries.socket(mysql).await?,
    })
}

/// ER_ACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR: the identity is missing or lost its grant.
const ACCESS_DENIED: [u16; 2] = [1045, 1044];
/// ER_TOO_MANY_USER_CONNECTIONS.
const TOO_MANY_USER_CONNECTIONS: u16 = 1226;
/// ER_BAD_DB_ERROR.
const UNKNOWN_DATABASE: u16 = 1049;

pub fn name(prefix: &Prefix) -> String {
    format!("{}-panel", prefix.as_str())
}

/// A new session as the account's identity, on `database`, over the server's Unix socket (the
/// identity exists at 'localhost' only), with MariaDB stopping any statement after `timeout`.
///
/// Customer SQL runs on mysql_async rather than sqlx: its result metadata keeps each column's
/// character set (binary or text) and the columns of empty results.
pub async fn connect(
    queries: &Queries,
    mysql: &MySqlPool,
    store: &Store,
    caller: &Caller,
    database: &DatabaseName,
    timeout: Duration,
) -> Result<Conn, AppError> {
    let password = password(queries, mysql, store, &caller.prefix, caller.account_id).await?;
    let socket = queries.socket(mysql).await?;
    let options = OptsBuilder::default()
        .socket(Some(socket.to_string_lossy()))
        .user(Some(name(&caller.prefix)))
        .pass(Some(password.clone()))
        .db_name(Some(database.as_str()))
        .stmt_cache_size(0)
        // Seconds with millisecond precision; the customer's session otherwise behaves as their
        // own client's would (server sql_mode and time zone).
        .init(vec![format!("SET SESSION max_statement_time = {:.3}", timeout.as_secs_f64())]);
    match Conn::new(options.clone()).await {
        Ok(conn) => Ok(conn),
        Err(err) => match error_number(&err) {
            // Dropped by hand, or the server was rebuilt: create it again, once.
            Some(n) if ACCESS_DENIED.contains(&n) => {
                {
                    let _guard = account_lock::lock(store, &caller.prefix).await?;
                    provision(queries, mysql, &caller.prefix, &password).await?;
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
    mysql: &MySqlPool,
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
    provision(queries, mysql, prefix, &password).await?;
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

/// Creates the identity or brings it back to what it must be: this password, this connection
/// limit, all privileges on the account's databases (the pattern escapes `_`), nothing more.
async fn provision(
    queries: &Queries,
    mysql: &MySqlPool,
    prefix: &Prefix,
    password: &str,
) -> Result<(), AppError> {
    let account = sql::account_raw(&name(prefix), "localhost");
    let login = format!(
        "IDENTIFIED BY {} WITH MAX_USER_CONNECTIONS {}",
        sql::quote_string(password),
        queries.running.per_account() + 2
    );
    admin_exec(
        mysql,
        &format!("CREATE USER IF NOT EXISTS {account} {login}"),
    )
    .await?;
    admin_exec(mysql, &format!("ALTER USER {account} {login}")).await?;
    admin_exec(
        mysql,
        &format!(
            "GRANT ALL PRIVILEGES ON {} TO {account}",
            sql::prefix_grant_target(prefix)
        ),
    )
    .await
}
