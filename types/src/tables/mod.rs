//! Tables: browse, edit and shape a database's data without writing SQL — the Tables tab and
//! `/api/databases/{name}/tables…`. Requests and answers, the names that become identifiers, the
//! row filters, and (in `ddl`) the statements the structure forms show before they run.
pub mod csv;
pub mod ddl;
pub mod filter;
pub mod ident;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use ident::Identifier;

/// Page sizes the grid offers.
pub const PAGE_SIZES: [u32; 4] = [25, 50, 100, 500];
/// Rows a page sends when `limit` is left out.
pub const DEFAULT_LIMIT: u32 = 50;
/// The most rows one page may send: the console's own limit (`query::MAX_ROWS`).
pub const MAX_LIMIT: u32 = crate::query::MAX_ROWS;
/// Rows one `DELETE …/rows` may address.
pub const MAX_DELETE_ROWS: usize = 1000;
/// The largest CSV one import may carry.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// A column's values by column name (`{"id":7,"name":"item7"}`), written as the grid reads them:
/// integers as numbers (strings beyond ±2^53), DECIMAL and dates as strings, binary as base64,
/// NULL as null.
pub type Values = Map<String, Value>;

/// `GET /api/databases/{name}/tables`: every table and view the account's identity can see there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TableList {
    pub tables: Vec<TableSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TableSummary {
    pub name: String,
    /// `table` or `view`.
    pub kind: String,
    /// InnoDB, Aria, MyISAM, …; null for views.
    pub engine: Option<String>,
    /// The engine's estimate (exact for MyISAM/Aria, approximate for InnoDB); null for views.
    pub estimated_rows: Option<u64>,
    pub data_bytes: Option<u64>,
    pub index_bytes: Option<u64>,
    pub collation: Option<String>,
    pub comment: String,
}

/// `GET /api/databases/{name}/tables/{table}`: the table's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TableStructure {
    pub name: String,
    pub kind: String,
    pub engine: Option<String>,
    pub collation: Option<String>,
    pub comment: String,
    pub columns: Vec<ColumnInfo>,
    pub indexes: Vec<IndexInfo>,
    pub foreign_keys: Vec<ForeignKeyInfo>,
    pub triggers: Vec<TriggerInfo>,
    /// `SHOW CREATE TABLE` (or `SHOW CREATE VIEW`).
    pub create_sql: String,
    /// The columns that address one row: the primary key, else the first unique key whose columns
    /// are all NOT NULL. Empty when there is none: the table is then read-only here.
    pub key: Vec<String>,
    /// Why rows cannot be edited here (no key, or a view); null when they can.
    pub read_only_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ColumnInfo {
    pub name: String,
    /// The full type as MariaDB spells it: `varchar(255)`, `int(10) unsigned`, `enum('a','b')`.
    #[serde(rename = "type")]
    pub column_type: String,
    /// The type's name alone: `varchar`, `int`, `enum`, …
    pub data_type: String,
    pub nullable: bool,
    /// The default as MariaDB reports it: a quoted literal (`'abc'`), a number, `NULL`, or an
    /// expression (`current_timestamp()`); null when the column has no default.
    pub default: Option<String>,
    /// `auto_increment`, `on update current_timestamp()`, `VIRTUAL GENERATED`, …
    pub extra: String,
    pub comment: String,
    /// `PRI`, `UNI`, `MUL` or empty.
    pub key: String,
    /// The values of an ENUM or SET column, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IndexInfo {
    pub name: String,
    pub unique: bool,
    /// `BTREE`, `HASH`, `FULLTEXT`, `SPATIAL`.
    pub kind: String,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ForeignKeyInfo {
    pub name: String,
    pub columns: Vec<String>,
    pub referenced_table: String,
    pub referenced_columns: Vec<String>,
    pub on_update: String,
    pub on_delete: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TriggerInfo {
    pub name: String,
    /// `BEFORE` or `AFTER`.
    pub timing: String,
    /// `INSERT`, `UPDATE` or `DELETE`.
    pub event: String,
    pub statement: String,
}

/// The query of `GET …/tables/{table}/rows` (and of its export), read from the URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowsQuery {
    /// 1 to 10000 (default 50).
    pub limit: Option<u32>,
    /// The key of the previous page's last row: a single-column key's value as it is, a
    /// composite key's values as a JSON array. The page starts after it, in `order`.
    pub after: Option<String>,
    /// `column` or `column.desc`; the key breaks ties. Default: the key, ascending.
    pub order: Option<String>,
    /// `column.op.value`, combined with AND: ops `eq`, `neq`, `lt`, `gt`, `like`, `in`
    /// (comma-separated, or a JSON array), `is` (`is.null`, `is.notnull`).
    pub filters: Vec<String>,
}

impl RowsQuery {
    /// The URL query for this view (`limit=50&order=name.desc&filter=…`), as the grid keeps it.
    pub fn to_query_string(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(limit) = self.limit {
            pairs.push(("limit", limit.to_string()));
        }
        if let Some(after) = &self.after {
            pairs.push(("after", after.clone()));
        }
        if let Some(order) = &self.order {
            pairs.push(("order", order.clone()));
        }
        for filter in &self.filters {
            pairs.push(("filter", filter.clone()));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads `limit`, `after`, `order` and every `filter` from decoded query pairs; other names
    /// are refused, so a misspelt parameter does not silently show every row.
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (String, String)>,
        extra: &[&str],
    ) -> Result<(Self, Vec<(String, String)>), crate::error::AppError> {
        let mut query = Self::default();
        let mut rest = Vec::new();
        for (name, value) in pairs {
            match name.as_str() {
                "limit" => {
                    let limit = value
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n));
                    query.limit = Some(limit.ok_or_else(|| {
                        crate::error::AppError::validation(format!(
                            "limit must be a whole number from 1 to {MAX_LIMIT}."
                        ))
                    })?);
                }
                "after" => query.after = Some(value),
                "order" => query.order = Some(value),
                "filter" => query.filters.push(value),
                other if extra.contains(&other) => rest.push((name, value)),
                other => {
                    return Err(crate::error::AppError::validation(format!(
                        "Unknown query parameter {other}: use limit, after, order and filter."
                    )));
                }
            }
        }
        Ok((query, rest))
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One page of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RowsPage {
    /// Name, type (`INT`, `DECIMAL`, `DATETIME`, `BLOB`, …) and `encoding` (`base64` for binary).
    pub columns: Vec<crate::query::QueryColumn>,
    /// The key columns (see `TableStructure::key`); empty when the table is read-only.
    pub key: Vec<String>,
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<Vec<Object>>))]
    pub rows: Vec<Vec<Value>>,
    /// `after` for the next page; null on the last one (or when the table has no key: then only
    /// the first page can be shown).
    pub next: Option<String>,
    pub read_only_reason: Option<String>,
}

/// `PATCH …/rows`: change one row, if it still holds `old`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateRow {
    /// The row's key: `{"id":7}`.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub key: Values,
    /// The values the caller last saw, for the columns it changes (or more): if any differs now,
    /// the answer is 409 `row_changed` and nothing is written.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub old: Values,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub set: Values,
}

/// `POST …/rows`: insert one row; columns left out take their defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InsertRow {
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub values: Values,
}

/// `DELETE …/rows`: delete rows by key, each only if it still holds its `old` values; one that
/// changed makes the whole request 409 `row_changed` (transactional tables keep every row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeleteRows {
    pub rows: Vec<RowRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RowRef {
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub key: Values,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub old: Values,
}

/// The row as stored after `POST`/`PATCH …/rows` (read back by its key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RowWritten {
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub key: Values,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub row: Values,
}

/// `DELETE …/rows`' answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RowsDeleted {
    pub deleted: u64,
}

/// What a structure change ran (or, with `dry_run`, would run): the exact statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatementRun {
    pub sql: String,
    /// False for a `dry_run`.
    pub applied: bool,
}

/// `POST …/tables/{table}/import`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportResult {
    pub inserted: u64,
}

/// `…/tables/{table}/export?format=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TableExportFormat {
    /// RFC 4180 with a header row; NULL is an empty field, the empty string `""`.
    Csv,
    /// A JSON array of objects, one per row.
    Json,
    /// `INSERT` statements, 100 rows each.
    Sql,
}

impl TableExportFormat {
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            "sql" => Some(Self::Sql),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Sql => "sql",
        }
    }
}
