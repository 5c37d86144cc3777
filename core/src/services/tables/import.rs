//! CSV into a table: each CSV column mapped to a table column (or skipped), rows inserted as
//! bound parameters in batches inside one transaction, so a bad row leaves the table as it was
//! (on transactional engines) and its line is named. The file is data: never handed to LOAD DATA,
//! a shell or a client.
use super::context::Context;
use super::meta::{self, Column};
use super::session::TableSession;
use super::values;
use crate::domain::caller::Caller;
use crate::services::audit;
use mysql_async::Value as MyValue;
use mysql_async::prelude::Queryable;
use types::activity::Action;
use types::error::AppError;
use types::names::DatabaseName;
use types::tables::ident::quote;
use types::tables::{ImportResult, MAX_IMPORT_BYTES};

/// Rows per INSERT.
const BATCH: usize = 200;

/// How the CSV's columns land: `columns` names the table column for each CSV column in order
/// (`None`: skip it); `header`: the first record holds names, not data.
pub struct Mapping {
    pub columns: Vec<Option<String>>,
    pub header: bool,
}

impl Mapping {
    /// `columns=a,-,c` (percent-decoded already); `-` or an empty entry skips that CSV column.
    pub fn parse(columns: &str, header: Option<&str>) -> Result<Self, AppError> {
        let header = match header {
            None | Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            Some(_) => return Err(AppError::validation("header is true or false.")),
        };
        let columns = columns
            .split(',')
            .map(|name| match name {
                "" | "-" => None,
                name => Some(name.to_owned()),
            })
            .collect();
        Ok(Self { columns, header })
    }
}

pub async fn import(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    mapping: &Mapping,
    body: &[u8],
) -> Result<ImportResult, AppError> {
    if body.len() > MAX_IMPORT_BYTES {
        return Err(AppError::new(
            types::error::ErrorCode::PayloadTooLarge,
            format!(
                "A CSV import is at most {} MiB.",
                MAX_IMPORT_BYTES / 1024 / 1024
            ),
        ));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::validation("The CSV must be UTF-8 text."))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut session =
        TableSession::open_for(state, caller, database, types::query::MAX_TIMEOUT_MS).await?;
    let timeout = session.timeout();
    let inserted = TableSession::within(timeout, async {
        let table = meta::read(&mut session, table).await?;
        if table.is_view {
            return Err(AppError::conflict("Rows cannot be imported into a view."));
        }
        let targets: Vec<Option<&Column>> = mapping
            .columns
            .iter()
            .map(|name| {
                name.as_deref()
                    .map(|n| table.column(n).map(|(_, c)| c))
                    .transpose()
            })
            .collect::<Result<_, _>>()?;
        let used: Vec<&Column> = targets.iter().flatten().copied().collect();
        if used.is_empty() {
            return Err(AppError::validation(
                "columns maps no CSV column to a table column.",
            ));
        }
        let head = format!(
            "INSERT INTO {} ({}) VALUES ",
            table.name.quoted(),
            used.iter()
                .map(|c| quote(&c.name))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row_marks = format!("({})", vec!["?"; used.len()].join(", "));
        let conn = session.conn();
        conn.query_drop("START TRANSACTION")
            .await
            .map_err(super::sql_failure)?;
        let mut inserted = 0u64;
        let mut batch: Vec<MyValue> = Vec::new();
        let mut batch_rows = 0usize;
        let mut records = types::tables::csv::records(text);
        if mapping.header {
            records.next_with_nulls().transpose()?;
        }
        let outcome: Result<(), AppError> = async {
            let mut n = 0;
            while let Some(record) = records.next_with_nulls() {
                n += 1;
                let record = record?;
                let line = n + usize::from(mapping.header);
                if record.len() != targets.len() {
                    return Err(AppError::validation(format!(
                        "Record {line} has {} fields; the mapping names {}.",
                        record.len(),
                        targets.len()
                    )));
                }
                for (field, target) in record.iter().zip(&targets) {
                    let Some(column) = target else { continue };
                    // An empty field without quotes is NULL (as the export writes NULL); `""`
                    // is the empty string.
                    let value = match field {
                        None => MyValue::NULL,
                        Some(text) => values::text_param(column, text).map_err(|err| {
                            AppError::validation(format!("Record {line}: {}", err.message))
                        })?,
                    };
                    batch.push(value);
                }
                batch_rows += 1;
                if batch_rows == BATCH {
                    inserted += flush(conn, &head, &row_marks, &mut batch, &mut batch_rows).await?;
                }
            }
            inserted += flush(conn, &head, &row_marks, &mut batch, &mut batch_rows).await?;
            Ok(())
        }
        .await;
        match outcome {
            Ok(()) => {
                conn.query_drop("COMMIT")
                    .await
                    .map_err(super::sql_failure)?;
                Ok(inserted)
            }
            Err(err) => {
                let _ = conn.query_drop("ROLLBACK").await;
                Err(err)
            }
        }
    })
    .await?;
    session.finish().await;
    audit::record(
        &state.store,
        audit::Entry::by(caller, Action::RowsImported)
            .with("database", database.as_str())
            .with("table", table)
            .with("rows", inserted.to_string()),
    )
    .await;
    Ok(ImportResult { inserted })
}

async fn flush(
    conn: &mut mysql_async::Conn,
    head: &str,
    row_marks: &str,
    batch: &mut Vec<MyValue>,
    rows: &mut usize,
) -> Result<u64, AppError> {
    if *rows == 0 {
        return Ok(0);
    }
    let sql = format!("{head}{}", vec![row_marks; *rows].join(", "));
    conn.exec_drop(sql, std::mem::take(batch))
        .await
        .map_err(super::sql_failure)?;
    let done = *rows as u64;
    *rows = 0;
    Ok(done)
}
