//! A table, or a filtered view of it, streamed as CSV, a JSON array or SQL `INSERT`s in constant
//! memory: rows go out in chunks through a short channel, so a slow client slows the reading.
//! A failure midway breaks the transfer (no clean end of the chunked body), so a cut-short file
//! never passes for a complete one.
use super::browse;
use super::context::Context;
use super::meta;
use super::session::TableSession;
use super::values;
use crate::domain::caller::Caller;
use crate::services::queries::values::Kind;
use bytes::Bytes;
use mysql_async::Value as MyValue;
use mysql_async::prelude::Queryable;
use serde_json::Value;
use tokio::sync::mpsc;
use types::error::AppError;
use types::names::DatabaseName;
use types::tables::ident::{quote, quote_string};
use types::tables::{RowsQuery, TableExportFormat};

pub use crate::services::queries::export::Chunks;

const CHUNK: usize = 64 * 1024;
const DEPTH: usize = 4;
/// Rows per `INSERT` of the SQL format.
const ROWS_PER_INSERT: usize = 100;

/// Opens the session and checks the view (every refusal up to here is an ordinary 4xx), then
/// streams; `limit` and `after` of the view are honoured, so a page can be exported too.
pub async fn export(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    query: &RowsQuery,
    format: TableExportFormat,
) -> Result<Chunks, AppError> {
    let mut session =
        TableSession::open_for(state, caller, database, types::query::MAX_TIMEOUT_MS).await?;
    let table = meta::read(&mut session, table).await?;
    let (mut sql, params, offset) = browse::view_select(&mut session, &table, query).await?;
    if let Some(limit) = query.limit {
        sql = format!("{sql} LIMIT {limit}");
    }
    if let Some(offset) = offset {
        if query.limit.is_none() {
            sql = format!("{sql} LIMIT 18446744073709551615");
        }
        sql = format!("{sql} OFFSET {offset}");
    }
    // Started here so a refused statement is still an ordinary error answer.
    session
        .conn()
        .query_drop("DO 1")
        .await
        .map_err(super::sql_failure)?;
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(DEPTH);
    let name = table.name.as_str().to_owned();
    let timeout = session.timeout();
    tokio::spawn(async move {
        let mut writer = Writer {
            tx,
            buf: Vec::with_capacity(CHUNK),
            format,
            table: name,
            rows: 0,
            names: Vec::new(),
        };
        let work = stream(&mut session, sql, params, &mut writer);
        let outcome = TableSession::within(timeout, work).await;
        match outcome {
            Ok(true) => {
                if writer.finish().await {
                    session.finish().await;
                }
            }
            // The client went away: dropping the session stops the statement.
            Ok(false) => {}
            Err(err) => {
                let _ = writer
                    .tx
                    .send(Err(std::io::Error::other(err.message)))
                    .await;
            }
        }
    });
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok(Box::pin(chunks))
}

/// Streams every row; false when the client stopped reading.
async fn stream(
    session: &mut TableSession,
    sql: String,
    params: Vec<MyValue>,
    writer: &mut Writer,
) -> Result<bool, AppError> {
    let mut result = session
        .conn()
        .exec_iter(sql, params)
        .await
        .map_err(super::sql_failure)?;
    let columns = result.columns().unwrap_or_default();
    writer.names = columns.iter().map(|c| c.name_str().into_owned()).collect();
    let shapes = values::shapes(&columns);
    let binary: Vec<bool> = shapes.iter().map(|s| s.kind == Kind::Binary).collect();
    writer.start();
    while let Some(row) = result.next().await.map_err(super::sql_failure)? {
        let values: Vec<(Value, bool)> = values::row_json(&row, &shapes)
            .into_iter()
            .zip(&binary)
            .map(|(value, binary)| (value, *binary))
            .collect();
        writer.row(&values);
        if writer.buf.len() >= CHUNK && !writer.send().await {
            return Ok(false);
        }
    }
    Ok(true)
}

struct Writer {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
    format: TableExportFormat,
    table: String,
    rows: usize,
    names: Vec<String>,
}

impl Writer {
    fn start(&mut self) {
        match self.format {
            TableExportFormat::Csv => {
                let mut line = String::new();
                let names: Vec<Option<&str>> =
                    self.names.iter().map(|n| Some(n.as_str())).collect();
                types::tables::csv::write_record(&mut line, &names);
                self.buf.extend_from_slice(line.as_bytes());
            }
            TableExportFormat::Json => self.buf.extend_from_slice(b"["),
            TableExportFormat::Sql => {}
        }
    }

    fn row(&mut self, values: &[(Value, bool)]) {
        match self.format {
            TableExportFormat::Csv => {
                let texts: Vec<Option<String>> = values
                    .iter()
                    .map(|(v, _)| (!v.is_null()).then(|| values::as_text(v)))
                    .collect();
                let fields: Vec<Option<&str>> = texts.iter().map(Option::as_deref).collect();
                let mut line = String::new();
                types::tables::csv::write_record(&mut line, &fields);
                self.buf.extend_from_slice(line.as_bytes());
            }
            TableExportFormat::Json => {
                if self.rows > 0 {
                    self.buf.push(b',');
                }
                self.buf.push(b'\n');
                let object: serde_json::Map<String, Value> = self
                    .names
                    .iter()
                    .cloned()
                    .zip(values.iter().map(|(v, _)| v.clone()))
                    .collect();
                serde_json::to_writer(&mut self.buf, &object).expect("JSON values serialise");
            }
            TableExportFormat::Sql => {
                if self.rows.is_multiple_of(ROWS_PER_INSERT) {
                    if self.rows > 0 {
                        self.buf.extend_from_slice(b";\n");
                    }
                    let names: Vec<String> = self.names.iter().map(|n| quote(n)).collect();
                    self.buf.extend_from_slice(
                        format!(
                            "INSERT INTO {} ({}) VALUES\n",
                            quote(&self.table),
                            names.join(", ")
                        )
                        .as_bytes(),
                    );
                } else {
                    self.buf.extend_from_slice(b",\n");
                }
                let literals: Vec<String> = values
                    .iter()
                    .map(|(v, binary)| sql_literal(v, *binary))
                    .collect();
                self.buf
                    .extend_from_slice(format!("({})", literals.join(", ")).as_bytes());
            }
        }
        self.rows += 1;
    }

    async fn send(&mut self) -> bool {
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx.send(Ok(chunk)).await.is_ok()
    }

    async fn finish(&mut self) -> bool {
        match self.format {
            TableExportFormat::Csv => {}
            TableExportFormat::Json => self.buf.extend_from_slice(b"\n]\n"),
            TableExportFormat::Sql if self.rows > 0 => self.buf.extend_from_slice(b";\n"),
            TableExportFormat::Sql => {}
        }
        self.send().await
    }
}

/// A value as an SQL literal that reads the same in any sql_mode: numbers as they are, binary as
/// `X'…'`, text quoted (hex when it holds a backslash).
fn sql_literal(value: &Value, binary: bool) -> String {
    use base64::Engine;
    match value {
        Value::Null => "NULL".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => i64::from(*b).to_string(),
        Value::String(text) if binary => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default();
            if bytes.is_empty() {
                "''".to_owned()
            } else {
                format!(
                    "X'{}'",
                    bytes.iter().map(|b| format!("{b:02X}")).collect::<String>()
                )
            }
        }
        Value::String(text) => quote_string(text),
        other => quote_string(&other.to_string()),
    }
}
