//! The changes `decode` read, run on the restore's session (the account's identity, its default
//! database the target): rows by their key, definitions as they were written. Every UPDATE and
//! DELETE must find exactly its row: a restore that went out of step fails rather than differ.
use super::decode::{Change, RowImages, RowKind};
use super::triggers;
use crate::domain::time;
use mysql_async::Conn;
use mysql_async::prelude::Queryable;
use std::collections::HashMap;
use types::tables::ident::quote;

/// What the replay did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub transactions: u64,
    pub rows: u64,
    pub statements: u64,
}

/// A table of the target as it stands: its columns in order and the positions of its key's.
struct Shape {
    columns: Vec<String>,
    key: Vec<usize>,
    /// The width of each unsigned integer column: MariaDB's row events do not say a column is
    /// unsigned (unless `binlog_row_metadata` asks them to), so its large values read negative.
    unsigned_bits: Vec<Option<u32>>,
}

pub struct Applier<'a> {
    conn: &'a mut Conn,
    /// `<prefix>_`: a statement that names one of the account's databases is not replayed.
    database_prefix: String,
    /// The statement limit (`max_allowed_packet`): inserts are batched below it.
    statement_bytes: usize,
    shapes: HashMap<String, Shape>,
    in_transaction: bool,
    /// The target's triggers, dropped for the replay (`triggers`).
    triggers: Vec<triggers::Saved>,
    pub applied: Applied,
}

impl<'a> Applier<'a> {
    /// Readies the session: UTC (timestamps are instants), no foreign-key checks (rows come in
    /// the server's order, which already satisfied them), a zero id stays zero.
    pub async fn new(
        conn: &'a mut Conn,
        prefix: &str,
        statement_bytes: usize,
    ) -> Result<Applier<'a>, String> {
        conn.query_drop(
            "SET SESSION time_zone = '+00:00', foreign_key_checks = 0, sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
        )
        .await
        .map_err(|err| err.to_string())?;
        let mut saved = Vec::new();
        triggers::suspend(conn, &mut saved).await?;
        Ok(Self {
            conn,
            database_prefix: format!("{}_", prefix.to_ascii_lowercase()),
            statement_bytes: statement_bytes.max(64 * 1024),
            shapes: HashMap::new(),
            in_transaction: false,
            triggers: saved,
            applied: Applied::default(),
        })
    }

    pub async fn apply(&mut self, change: Change) -> Result<(), String> {
        match change {
            Change::Begin => {
                if !self.in_transaction {
                    self.run("BEGIN").await?;
                    self.in_transaction = true;
                }
            }
            Change::Commit => {
                if self.in_transaction {
                    self.run("COMMIT").await?;
                    self.in_transaction = false;
                    self.applied.transactions += 1;
                }
            }
            Change::Rollback => {
                if self.in_transaction {
                    self.run("ROLLBACK").await?;
                    self.in_transaction = false;
                }
            }
            Change::Statement { sql, at } => self.statement(&sql, at).await?,
            Change::Rows { table, kind, rows } => self.rows(&table, kind, rows).await?,
        }
        Ok(())
    }

    /// Ends the replay: a transaction left open (the archive ended inside one the server had
    /// not finished writing, or a change failed) is rolled back, and the triggers come back —
    /// also after a failure, which `outcome` carries on.
    pub async fn finish(self, outcome: Result<(), String>) -> Result<Applied, String> {
        let rolled_back = if self.in_transaction {
            self.conn
                .query_drop("ROLLBACK")
                .await
                .map_err(|err| err.to_string())
        } else {
            Ok(())
        };
        let restored = triggers::restore(self.conn, self.triggers).await;
        outcome?;
        rolled_back?;
        restored?;
        Ok(self.applied)
    }

    async fn run(&mut self, sql: &str) -> Result<(), String> {
        self.conn
            .query_drop(sql)
            .await
            .map_err(|err| err.to_string())
    }

    async fn statement(&mut self, sql: &str, at: i64) -> Result<(), String> {
        if sql.to_ascii_lowercase().contains(&self.database_prefix) {
            return Err(format!(
                "The change at {} names a database ({}), which a restore into another database cannot replay faithfully; restore to a point before it.",
                time::rfc3339(at),
                sql.chars().take(200).collect::<String>()
            ));
        }
        self.conn.query_drop(sql).await.map_err(|err| {
            format!(
                "Replaying the change at {} failed: {err} ({})",
                time::rfc3339(at),
                sql.chars().take(200).collect::<String>()
            )
        })?;
        // The statement may have changed any table's definition, and it ended any transaction.
        self.shapes.clear();
        self.in_transaction = false;
        if sql.to_ascii_uppercase().contains("TRIGGER") {
            triggers::suspend(self.conn, &mut self.triggers).await?;
        }
        self.applied.statements += 1;
        Ok(())
    }

    async fn shape(&mut self, table: &str) -> Result<&Shape, String> {
        if !self.shapes.contains_key(table) {
            let columns: Vec<(String, String, String, String)> = self
                .conn
                .exec(
                    "SELECT CAST(COLUMN_NAME AS CHAR), COLUMN_KEY, CAST(DATA_TYPE AS CHAR), CAST(COLUMN_TYPE AS CHAR)
                     FROM information_schema.COLUMNS
                     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                    (table,),
                )
                .await
                .map_err(|err| err.to_string())?;
            if columns.is_empty() {
                return Err(format!(
                    "The table {table} is not in the restored database: it was created by a statement run from another database, which a restore cannot replay."
                ));
            }
            let key = columns
                .iter()
                .enumerate()
                .filter(|(_, (_, key, _, _))| key == "PRI")
                .map(|(n, _)| n)
                .collect();
            let unsigned_bits = columns
                .iter()
                .map(|(_, _, data_type, column_type)| {
                    let bits = match data_type.as_str() {
                        "tinyint" => 8,
                        "smallint" => 16,
                        "mediumint" => 24,
                        "int" => 32,
                        "bigint" => 64,
                        _ => return None,
                    };
                    column_type.contains("unsigned").then_some(bits)
                })
                .collect();
            let shape = Shape {
                columns: columns.into_iter().map(|(name, ..)| name).collect(),
                key,
                unsigned_bits,
            };
            self.shapes.insert(table.to_owned(), shape);
        }
        Ok(&self.shapes[table])
    }

    async fn rows(
        &mut self,
        table: &str,
        kind: RowKind,
        rows: Vec<RowImages>,
    ) -> Result<(), String> {
        let limit = self.statement_bytes;
        let shape = self.shape(table).await?;
        let quoted_table = quote(table);
        let mut statements = Vec::new();
        match kind {
            RowKind::Insert => {
                let mut batch = String::new();
                for (_, after) in &rows {
                    let values = values_of(shape, after.as_ref(), table)?;
                    let tuple = format!("({})", values.join(", "));
                    if !batch.is_empty() && batch.len() + tuple.len() + 2 > limit {
                        statements.push((std::mem::take(&mut batch), None));
                    }
                    if batch.is_empty() {
                        batch = format!("INSERT INTO {quoted_table} VALUES {tuple}");
                    } else {
                        batch.push_str(", ");
                        batch.push_str(&tuple);
                    }
                }
                if !batch.is_empty() {
                    statements.push((batch, None));
                }
            }
            RowKind::Update => {
                for (before, after) in &rows {
                    let (before, after) = (
                        values_of(shape, before.as_ref(), table)?,
                        values_of(shape, after.as_ref(), table)?,
                    );
                    let set = shape
                        .columns
                        .iter()
                        .zip(after)
                        .map(|(column, value)| format!("{} = {value}", quote(column)))
                        .collect::<Vec<_>>()
                        .join(", ");
                    statements.push((
                        format!(
                            "UPDATE {quoted_table} SET {set} WHERE {} LIMIT 1",
                            matching(shape, &before)
                        ),
                        Some(()),
                    ));
                }
            }
            RowKind::Delete => {
                for (before, _) in &rows {
                    let before = values_of(shape, before.as_ref(), table)?;
                    statements.push((
                        format!(
                            "DELETE FROM {quoted_table} WHERE {} LIMIT 1",
                            matching(shape, &before)
                        ),
                        Some(()),
                    ));
                }
            }
        }
        for (sql, one_row) in statements {
            self.conn
                .query_drop(&sql)
                .await
                .map_err(|err| format!("Replaying a change to {table} failed: {err}"))?;
            if one_row.is_some() && matched_rows(self.conn) != 1 {
                return Err(format!(
                    "Replaying a change to {table} found {} rows where the server changed one: the restore went out of step and was stopped.",
                    matched_rows(self.conn)
                ));
            }
        }
        self.applied.rows += rows.len() as u64;
        Ok(())
    }
}

/// The row's literals for the target table: as many as it has columns, an unsigned integer's
/// value read negative taken back to its unsigned value.
fn values_of(shape: &Shape, row: Option<&Vec<String>>, table: &str) -> Result<Vec<String>, String> {
    let row = row.ok_or_else(|| format!("a change to {table} without its row"))?;
    let width = shape.columns.len();
    if row.len() != width {
        return Err(format!(
            "A change to {table} has {} columns where the restored table has {width}.",
            row.len()
        ));
    }
    Ok(row
        .iter()
        .zip(&shape.unsigned_bits)
        .map(|(literal, bits)| match (bits, literal.parse::<i128>()) {
            (Some(bits), Ok(value)) if value < 0 => (value + (1i128 << bits)).to_string(),
            _ => literal.clone(),
        })
        .collect())
}

/// The row's key (`=`), or every column (`<=>`, NULL-safe) for a table without a primary key.
fn matching(shape: &Shape, values: &[String]) -> String {
    let columns: Vec<usize> = if shape.key.is_empty() {
        (0..shape.columns.len()).collect()
    } else {
        shape.key.clone()
    };
    columns
        .into_iter()
        .map(|n| format!("{} <=> {}", quote(&shape.columns[n]), values[n]))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Rows the last UPDATE found (its info: "Rows matched: 1  Changed: 0  Warnings: 0"), or the
/// rows a DELETE removed.
fn matched_rows(conn: &Conn) -> u64 {
    let info = conn.info();
    info.strip_prefix("Rows matched: ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| conn.affected_rows())
}
