//! The whole result of one statement, streamed as CSV or NDJSON in constant memory: rows go out
//! in small chunks through a short channel, so a slow client slows the reading, never fills memory.
//! A failure midway writes an error marker and then breaks the transfer (no clean end of the
//! chunked body), so a cut-short file can never pass for a complete one.
use super::session::Session;
use super::values::{self, Kind};
use super::{Limits, Queries, backstop, history, statement_error};
use crate::domain::caller::Caller;
use crate::managed::fleet::Server;
use crate::services::databases;
use crate::store::Store;
use bytes::Bytes;
use futures_util::Stream;
use mysql_async::Row;
use mysql_async::prelude::Queryable;
use serde_json::Value;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use types::error::AppError;
use types::names::DatabaseName;
use types::query::{ExportFormat, ExportRequest};

/// Bytes gathered before a chunk is sent.
const CHUNK: usize = 64 * 1024;
/// Chunks in flight between the reader and the client: memory stays near `CHUNK × DEPTH`.
const DEPTH: usize = 4;

pub type Chunks = std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// Opens the session (every refusal up to here is an ordinary 4xx answer), then streams.
pub async fn export(
    queries: &Queries,
    server: &Server,
    store: &Store,
    caller: &Caller,
    database: &DatabaseName,
    request: ExportRequest,
) -> Result<(String, Chunks), AppError> {
    super::check_sql(&request.sql)?;
    let limits = Limits::check(
        request.query_id.as_deref(),
        request.timeout_ms,
        None,
        types::query::MAX_TIMEOUT_MS,
    )?;
    databases::find(&server.pool, database).await?;
    let session = Session::open(queries, server, store, caller, database, &limits).await?;
    history::record(store, caller, database, &request.sql).await;
    if session.is_cancelled() {
        return Err(super::cancelled());
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(DEPTH);
    let timeout = limits.timeout;
    let mysql = server.pool.clone();
    // Answered once the statement has started (or failed to): a refusal up front is an ordinary
    // error answer, only a failure after the first bytes needs the marker.
    let (ready_tx, ready_rx) = oneshot::channel::<Result<(), AppError>>();
    tokio::spawn(async move {
        let mut session = session;
        let mut writer = Writer {
            tx,
            buf: Vec::with_capacity(CHUNK),
            format: request.format,
            ready: Some(ready_tx),
        };
        let outcome = tokio::time::timeout(
            backstop(timeout),
            stream_rows(&mut session, &request.sql, &mut writer),
        )
        .await;
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(Failure::ClientGone)) => return, // dropping the session kills the statement
            Ok(Err(Failure::Sql(err))) => Some(statement_error(err, timeout)),
            Ok(Err(Failure::SecondResult)) => Some(AppError::bad_request(
                "The export takes one row-returning statement; the SQL gave a second result.",
            )),
            Err(_elapsed) => {
                session.kill_query(&mysql).await;
                Some(super::timed_out(timeout))
            }
        };
        match failure {
            None => {
                if writer.flush().await.is_ok() {
                    session.finish().await;
                }
            }
            Some(err) => {
                writer.fail(&err).await;
                session.finish().await;
            }
        }
    });
    match ready_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => return Err(err),
        Err(_) => {
            return Err(AppError::internal(
                "the export task ended before it started",
            ));
        }
    }
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok((limits.query_id, Box::pin(chunks)))
}

enum Failure {
    Sql(mysql_async::Error),
    ClientGone,
    SecondResult,
}

async fn stream_rows(session: &mut Session, sql: &str, writer: &mut Writer) -> Result<(), Failure> {
    let mut answer = session.conn().query_iter(sql).await.map_err(Failure::Sql)?;
    writer.started();
    let mut exported = false;
    loop {
        let columns = answer.columns().unwrap_or_default();
        if !columns.is_empty() {
            if exported {
                return Err(Failure::SecondResult);
            }
            exported = true;
            let described: Vec<_> = columns.iter().map(values::describe).collect();
            writer
                .header(described.iter().map(|(c, _)| c.name.as_str()))
                .await?;
            let kinds: Vec<Kind> = described.into_iter().map(|(_, kind)| kind).collect();
            while let Some(row) = answer.next().await.map_err(Failure::Sql)? {
                writer.row(&row, &kinds).await?;
            }
        } else {
            while answer.next().await.map_err(Failure::Sql)?.is_some() {}
        }
        if answer.is_empty() {
            // Surfaces a later statement's error, which the driver keeps pending.
            answer.next().await.map_err(Failure::Sql)?;
            return Ok(());
        }
    }
}

struct Writer {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
    format: ExportFormat,
    /// Tells the request the statement started; taken once.
    ready: Option<oneshot::Sender<Result<(), AppError>>>,
}

impl Writer {
    fn started(&mut self) {
        if let Some(ready) = self.ready.take() {
            let _ = ready.send(Ok(()));
        }
    }

    async fn header<'a>(&mut self, names: impl Iterator<Item = &'a str>) -> Result<(), Failure> {
        let names: Vec<Value> = names.map(|n| Value::String(n.to_owned())).collect();
        self.line(&names);
        self.maybe_send().await
    }

    async fn row(&mut self, row: &Row, kinds: &[Kind]) -> Result<(), Failure> {
        let values: Vec<Value> = kinds
            .iter()
            .enumerate()
            .map(|(i, kind)| values::to_json(row.as_ref(i), *kind))
            .collect();
        self.line(&values);
        self.maybe_send().await
    }

    fn line(&mut self, values: &[Value]) {
        match self.format {
            ExportFormat::Ndjson => {
                serde_json::to_writer(&mut self.buf, values).expect("JSON values serialise");
                self.buf.push(b'\n');
            }
            ExportFormat::Csv => {
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        self.buf.push(b',');
                    }
                    csv_field(&mut self.buf, value);
                }
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }

    async fn maybe_send(&mut self) -> Result<(), Failure> {
        if self.buf.len() >= CHUNK {
            self.flush().await
        } else {
            Ok(())
        }
    }

    async fn flush(&mut self) -> Result<(), Failure> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .send(Ok(chunk))
            .await
            .map_err(|_| Failure::ClientGone)
    }

    /// The marker line, then an error that makes the server abort the response body.
    async fn fail(mut self, err: &AppError) {
        if let Some(ready) = self.ready.take() {
            let _ = ready.send(Err(err.clone()));
            return;
        }
        let marker = error_marker(self.format, err);
        self.buf.extend_from_slice(marker.as_bytes());
        if self.flush().await.is_ok() {
            // Let the server take the marker (and what is queued before it) and write it out
            // before the error makes it drop the connection.
            let waited = std::time::Instant::now();
            while self.tx.capacity() < DEPTH
                && !self.tx.is_closed()
                && waited.elapsed() < Duration::from_secs(10)
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            let _ = self
                .tx
                .send(Err(std::io::Error::other(err.message.clone())))
                .await;
        }
    }
}

/// `#ERROR sql_error 1064: …` (CSV) or `{"error":{…}}` (NDJSON), on a line of its own.
pub fn error_marker(format: ExportFormat, err: &AppError) -> String {
    match format {
        ExportFormat::Csv => {
            let errno = err.mysql_errno.map(|n| format!(" {n}")).unwrap_or_default();
            format!(
                "#ERROR {}{errno}: {}\r\n",
                err.code.as_str(),
                err.message.replace(['\r', '\n'], " ")
            )
        }
        ExportFormat::Ndjson => {
            let body = serde_json::json!({"error": {"code": err.code.as_str(), "message": err.message, "mysql_errno": err.mysql_errno}});
            format!("{body}\n")
        }
    }
}

/// RFC 4180: quoted when needed, `"` doubled. NULL is an empty field, the empty string `""`.
fn csv_field(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => {}
        Value::String(text) => {
            if text.is_empty()
                || text
                    .bytes()
                    .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
                || text.starts_with(' ')
                || text.ends_with(' ')
            {
                out.push(b'"');
                out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
                out.push(b'"');
            } else {
                out.extend_from_slice(text.as_bytes());
            }
        }
        other => out.extend_from_slice(other.to_string().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_follow_rfc_4180() {
        let mut out = Vec::new();
        for (i, v) in [
            Value::Null,
            Value::from(""),
            Value::from("a,b"),
            Value::from("say \"hi\""),
            Value::from(7),
            Value::from("line\nbreak"),
        ]
        .iter()
        .enumerate()
        {
            if i > 0 {
                out.push(b',');
            }
            csv_field(&mut out, v);
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            ",\"\",\"a,b\",\"say \"\"hi\"\"\",7,\"line\nbreak\""
        );
    }

    #[test]
    fn the_error_marker_cannot_be_mistaken_for_a_row() {
        let err = AppError::sql(1064, "You have an error\nin your SQL");
        assert_eq!(
            error_marker(ExportFormat::Csv, &err),
            "#ERROR sql_error 1064: You have an error in your SQL\r\n"
        );
        let line = error_marker(ExportFormat::Ndjson, &err);
        let parsed: Value = serde_json::from_str(line.trim_end()).unwrap();
        assert_eq!(parsed["error"]["mysql_errno"], 1064);
    }
}
