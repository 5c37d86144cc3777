//! Customer SQL: run as the account's own MySQL identity (never the admin pool), on a session of
//! its own, within the account's slots, with a per-statement time limit that MariaDB enforces and
//! the panel backs up with `KILL QUERY`.
pub mod export;
pub mod history;
pub mod identity;
pub mod running;
pub mod session;
pub mod values;

use crate::domain::caller::Caller;
use crate::domain::secret;
use crate::managed::admin_exec_expecting;
use crate::managed::fleet::Server;
use crate::managed::processlist::NO_SUCH_THREAD;
use crate::services::{database_index, databases, storage_writes};
use crate::store::Store;
use sqlx::MySqlPool;
use std::sync::Arc;
use std::time::Duration;
use types::error::{AppError, ErrorCode};
use types::names::DatabaseName;
use types::query::{self as q, QueryRequest, QueryResponse, SchemaOutline, TableOutline};

/// MariaDB's ER_STATEMENT_TIMEOUT (max_statement_time) and ER_QUERY_INTERRUPTED (KILL QUERY).
const STATEMENT_TIMEOUT: u16 = 1969;
const QUERY_INTERRUPTED: u16 = 1317;
/// What MariaDB says when LOCAL INFILE is refused (ER_LOAD_INFILE_CAPABILITY_DISABLED).
const LOCAL_INFILE_REFUSED: u16 = 4166;
/// What the mysql client says when the session ends under a statement (CR_SERVER_LOST).
const SERVER_LOST: u16 = 2013;

/// The query service's state, shared by every request.
pub struct Queries {
    pub running: Arc<running::Running>,
    /// Opens the identities' passwords, sealed in the store.
    pub sealer: Arc<crate::domain::seal::Sealer>,
}

impl Queries {
    pub fn new(
        settings: &crate::config::Settings,
        sealer: Arc<crate::domain::seal::Sealer>,
    ) -> Arc<Self> {
        Arc::new(Self {
            running: running::Running::new(settings.queries_per_account),
            sealer,
        })
    }
}

/// The caller's query id, or a new one: known before the statement runs, so that every answer
/// (errors too) can carry it.
pub fn query_id_or_new(query_id: &mut Option<String>) -> String {
    query_id
        .get_or_insert_with(|| secret::random_base62(16))
        .clone()
}

/// A request's limits, checked once.
pub struct Limits {
    pub query_id: String,
    pub timeout: Duration,
    pub max_rows: u64,
}

impl Limits {
    pub fn check(
        query_id: Option<&str>,
        timeout_ms: Option<u64>,
        max_rows: Option<u32>,
        default_timeout_ms: u64,
    ) -> Result<Self, AppError> {
        let query_id = match query_id {
            Some(id) if q::is_valid_query_id(id) => id.to_owned(),
            Some(_) => {
                return Err(AppError::validation(
                    "query_id must be 8 to 64 characters of A-Z, a-z, 0-9, - and _.",
                ));
            }
            None => secret::random_base62(16),
        };
        let timeout_ms = timeout_ms.unwrap_or(default_timeout_ms);
        if !(1..=q::MAX_TIMEOUT_MS).contains(&timeout_ms) {
            return Err(AppError::validation(format!(
                "timeout_ms must be between 1 and {}.",
                q::MAX_TIMEOUT_MS
            )));
        }
        let max_rows = max_rows.unwrap_or(q::DEFAULT_MAX_ROWS);
        if !(1..=q::MAX_ROWS).contains(&max_rows) {
            return Err(AppError::validation(format!(
                "max_rows must be between 1 and {}.",
                q::MAX_ROWS
            )));
        }
        Ok(Self {
            query_id,
            timeout: Duration::from_millis(timeout_ms),
            max_rows: u64::from(max_rows),
        })
    }
}

fn check_sql(sql: &str) -> Result<(), AppError> {
    if sql.trim().is_empty() {
        return Err(AppError::validation(
            "sql is empty: send the statement to run.",
        ));
    }
    if sql.chars().count() > q::MAX_SQL_CHARS {
        return Err(AppError::validation(format!(
            "sql is longer than {} characters.",
            q::MAX_SQL_CHARS
        )));
    }
    Ok(())
}

/// Runs the request's statement(s) on `database` and answers with their results; the query id
/// (the caller's or a new one) comes back with them.
pub async fn run(
    queries: &Queries,
    server: &Server,
    store: &Store,
    caller: &Caller,
    database: &DatabaseName,
    request: QueryRequest,
) -> Result<(String, QueryResponse), AppError> {
    check_sql(&request.sql)?;
    let limits = Limits::check(
        request.query_id.as_deref(),
        request.timeout_ms,
        request.max_rows,
        q::DEFAULT_TIMEOUT_MS,
    )?;
    let mysql = &server.pool;
    databases::find(mysql, database).await?;
    let mut session =
        session::Session::open(queries, server, store, caller, database, &limits).await?;
    history::record(store, caller, database, &request.sql).await;
    if session.is_cancelled() {
        return Err(cancelled());
    }
    let outcome = tokio::time::timeout(
        backstop(limits.timeout),
        session.collect_until_cancelled(&request.sql, limits.max_rows),
    )
    .await;
    let response = match outcome {
        Ok(result) => result.map_err(|err| statement_error(err, limits.timeout)),
        Err(_elapsed) => {
            session.kill_query(mysql).await;
            return Err(timed_out(limits.timeout));
        }
    };
    if session.changed_databases().await
        && let Err(err) = database_index::sync(store, mysql, caller).await
    {
        tracing::warn!(error = %err, "could not re-read the account's databases after its SQL changed them");
    }
    let response = match response {
        Ok(response) => response,
        Err(err) => return Err(storage_writes::explain(store, caller.account_id, err).await),
    };
    session.finish().await;
    Ok((limits.query_id, response))
}

/// The panel's own deadline, a little after MariaDB's `max_statement_time` (which only counts
/// while a statement executes, and which the customer's own SQL could lift).
pub fn backstop(timeout: Duration) -> Duration {
    timeout + Duration::from_secs(2)
}

pub fn timed_out(timeout: Duration) -> AppError {
    AppError::new(
        ErrorCode::QueryTimeout,
        format!(
            "The statement ran longer than {} ms and was stopped on the server.",
            timeout.as_millis()
        ),
    )
}

fn cancelled() -> AppError {
    AppError::new(ErrorCode::QueryCancelled, "The statement was cancelled.")
}

/// A failure while the statement ran: MariaDB's refusal as it said it, or what ended the session.
pub fn statement_error(err: mysql_async::Error, timeout: Duration) -> AppError {
    match &err {
        mysql_async::Error::Server(server) if server.code == STATEMENT_TIMEOUT => {
            timed_out(timeout)
        }
        mysql_async::Error::Server(server) if server.code == QUERY_INTERRUPTED => cancelled(),
        mysql_async::Error::Server(server) => AppError::sql(server.code, server.message.clone()),
        // The driver reads no local files for anyone (it has no handler): say so plainly.
        _ if err.to_string().to_lowercase().contains("infile") => AppError::sql(
            LOCAL_INFILE_REFUSED,
            "LOAD DATA LOCAL INFILE is not available here: the panel reads no files for a query. Load data with INSERT, or use LOAD DATA INFILE from a client of your own.",
        ),
        // Not MariaDB's answer: the session broke (the customer's own KILL CONNECTION, a server
        // restart). Their statement caused or met it; the next request finds out whether the server is up.
        _ => AppError::sql(
            SERVER_LOST,
            format!("Lost the connection to the server during the query: {err}"),
        ),
    }
}

/// Stops the account's running query `id` on the server. Unknown ids (and other accounts') are 404.
pub async fn cancel(
    queries: &Queries,
    mysql: &MySqlPool,
    caller: &Caller,
    id: &str,
) -> Result<(), AppError> {
    let thread = q::is_valid_query_id(id)
        .then(|| queries.running.cancel(caller.account_id, id))
        .flatten()
        .ok_or_else(|| {
            AppError::not_found(format!("No query with id {id} is running in your account."))
        })?;
    // Still connecting: the flag stops it before its statement starts. A query's own request
    // repeats the KILL until its statement ends; this one is for exports, which stream.
    match thread {
        Some(thread) => kill_query(mysql, thread).await,
        None => Ok(()),
    }
}

/// `KILL QUERY`: ends the statement, keeps the session (its answer then says it was interrupted).
pub async fn kill_query(mysql: &MySqlPool, thread: u64) -> Result<(), AppError> {
    admin_exec_expecting(mysql, &format!("KILL QUERY {thread}"), |n| {
        (n == NO_SUCH_THREAD).then_some(Ok(()))
    })
    .await
}

/// Tables and columns of the database, for the editor's completion.
pub async fn outline(
    mysql: &MySqlPool,
    database: &DatabaseName,
) -> Result<SchemaOutline, AppError> {
    databases::find(mysql, database).await?;
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?
         ORDER BY TABLE_NAME, ORDINAL_POSITION LIMIT 10000",
    )
    .bind(database.as_str())
    .fetch_all(mysql)
    .await?;
    let mut tables: Vec<TableOutline> = Vec::new();
    for (table, column) in rows {
        match tables.last_mut() {
            Some(last) if last.name == table => last.columns.push(column),
            _ => tables.push(TableOutline {
                name: table,
                columns: vec![column],
            }),
        }
    }
    Ok(SchemaOutline { tables })
}
