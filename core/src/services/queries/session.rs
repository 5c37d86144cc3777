//! One request's session as the account's identity: opened within the account's slots, registered
//! under its query id, limited by `max_statement_time`, and never left running — if the request
//! goes away mid-statement (the client disconnected, the backstop fired), the statement is killed.
use super::running::Slot;
use super::values::{self, Kind};
use super::{Limits, Queries, identity};
use crate::domain::caller::Caller;
use crate::managed::fleet::Server;
use crate::store::Store;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row};
use sqlx::MySqlPool;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use types::error::AppError;
use types::names::DatabaseName;
use types::query::{MultiStatementResult, QueryColumn, QueryResponse, StatementResult};

/// How often Cancel repeats `KILL QUERY` until the statement has ended: MariaDB forgets a KILL
/// QUERY that reaches the session before its statement starts.
const KILL_AGAIN_AFTER: Duration = Duration::from_millis(200);

pub struct Session {
    /// Always `Some` until `finish` closes it.
    conn: Option<Conn>,
    pub thread: u64,
    mysql: MySqlPool,
    /// Kill the statement when dropped: cleared once the session's work finished normally.
    armed: bool,
    /// Set by Cancel (`Running::cancel`).
    cancelled: watch::Receiver<bool>,
    _slot: Slot,
}

impl Session {
    pub async fn open(
        queries: &Queries,
        server: &Server,
        store: &Store,
        caller: &Caller,
        database: &DatabaseName,
        limits: &Limits,
    ) -> Result<Self, AppError> {
        let mut slot = queries.running.take_slot(caller.account_id)?;
        let cancelled = slot.register(caller.account_id, &limits.query_id)?;
        let conn =
            identity::connect(queries, server, store, caller, database, limits.timeout).await?;
        let thread = u64::from(conn.id());
        slot.attach(thread);
        Ok(Self {
            conn: Some(conn),
            thread,
            mysql: server.pool.clone(),
            armed: true,
            cancelled,
            _slot: slot,
        })
    }

    /// Whether Cancel was asked for this query.
    pub fn is_cancelled(&self) -> bool {
        *self.cancelled.borrow()
    }

    /// `collect`, stopped by Cancel: once asked, `KILL QUERY` is sent and repeated until the
    /// statement has ended, so a Cancel that came before the statement started still stops it.
    pub async fn collect_until_cancelled(
        &mut self,
        sql: &str,
        max_rows: u64,
    ) -> Result<QueryResponse, mysql_async::Error> {
        let (mysql, thread) = (self.mysql.clone(), self.thread);
        let mut cancelled = self.cancelled.clone();
        let collect = self.collect(sql, max_rows);
        tokio::pin!(collect);
        tokio::select! {
            result = &mut collect => return result,
            Ok(_) = cancelled.wait_for(|asked| *asked) => {}
        }
        loop {
            if let Err(err) = super::kill_query(&mysql, thread).await {
                tracing::warn!(thread, error = %err, "could not stop a cancelled statement yet");
            }
            tokio::select! {
                result = &mut collect => return result,
                () = tokio::time::sleep(KILL_AGAIN_AFTER) => {}
            }
        }
    }

    /// Runs `sql` (one statement or several) and gathers each statement's result; rows past
    /// `max_rows` or the byte cap are read and dropped, so the statements after still run.
    pub async fn collect(
        &mut self,
        sql: &str,
        max_rows: u64,
    ) -> Result<QueryResponse, mysql_async::Error> {
        let started = Instant::now();
        let mut results = Vec::new();
        let mut answer = self.conn().query_iter(sql).await?;
        loop {
            let mut current =
                Gathering::new(max_rows, answer.columns().as_deref().unwrap_or_default());
            // An OK packet's counts belong to this result; reading rows moves on to the next.
            let (affected, last_id) = (answer.affected_rows(), answer.last_insert_id());
            while let Some(row) = answer.next().await? {
                current.add(row);
            }
            results.push(current.finish(affected, last_id.unwrap_or(0)));
            if answer.is_empty() {
                // The driver keeps a later statement's error pending (`is_empty` cannot see it):
                // this surfaces it.
                answer.next().await?;
                break;
            }
        }
        drop(answer);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(match results.len() {
            1 => QueryResponse::One(results.pop().expect("one result")),
            _ => QueryResponse::Many(MultiStatementResult {
                results,
                elapsed_ms,
            }),
        })
    }

    /// The backstop: stop the statement on the server now.
    pub async fn kill_query(&mut self, mysql: &MySqlPool) {
        if let Err(err) = super::kill_query(mysql, self.thread).await {
            tracing::error!(thread = self.thread, error = %err, "could not stop a customer statement");
        }
        self.armed = false;
    }

    /// Whether the customer's SQL on this session created or dropped a database (MariaDB counts
    /// each statement kind per session), so that the account's database index is read again.
    pub async fn changed_databases(&mut self) -> bool {
        use mysql_async::prelude::Queryable;
        let counts: Result<Vec<(String, u64)>, _> = self
            .conn()
            .query("SHOW SESSION STATUS WHERE Variable_name IN ('Com_create_db', 'Com_drop_db')")
            .await;
        // A session that broke cannot say: read the account again to be sure.
        counts.map_or(true, |counts| counts.iter().any(|(_, count)| *count > 0))
    }

    pub fn conn(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("open session")
    }

    /// Done: nothing is running on the session any more; close it politely.
    pub async fn finish(mut self) {
        self.armed = false;
        if let Some(conn) = self.conn.take() {
            let _ = conn.disconnect().await;
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.armed {
            let (mysql, thread) = (self.mysql.clone(), self.thread);
            tokio::spawn(async move {
                if let Err(err) = super::kill_query(&mysql, thread).await {
                    tracing::error!(thread, error = %err, "could not stop an abandoned customer statement");
                }
            });
        }
    }
}

/// One statement's result as it arrives.
struct Gathering {
    started: Instant,
    max_rows: u64,
    columns: Vec<(QueryColumn, Kind)>,
    rows: Vec<Vec<serde_json::Value>>,
    bytes: usize,
    truncated: bool,
}

impl Gathering {
    fn new(max_rows: u64, columns: &[mysql_async::Column]) -> Self {
        let columns = columns.iter().map(values::describe).collect();
        Self {
            started: Instant::now(),
            max_rows,
            columns,
            rows: Vec::new(),
            bytes: 0,
            truncated: false,
        }
    }

    fn add(&mut self, row: Row) {
        if self.truncated
            || self.rows.len() as u64 >= self.max_rows
            || self.bytes >= types::query::MAX_RESULT_BYTES
        {
            self.truncated = true;
            return;
        }
        let mut out = Vec::with_capacity(self.columns.len());
        for (i, (_, kind)) in self.columns.iter().enumerate() {
            let value = values::to_json(row.as_ref(i), *kind);
            self.bytes += values::json_len(&value) + 1;
            out.push(value);
        }
        self.rows.push(out);
    }

    fn finish(self, rows_affected: u64, last_insert_id: u64) -> StatementResult {
        StatementResult {
            row_count: self.rows.len() as u64,
            columns: self.columns.into_iter().map(|(column, _)| column).collect(),
            rows: self.rows,
            truncated: self.truncated,
            rows_affected,
            last_insert_id: (last_insert_id != 0).then_some(last_insert_id),
            elapsed_ms: self.started.elapsed().as_millis() as u64,
        }
    }
}
