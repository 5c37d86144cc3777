//! Running SQL as the customer: the request and result types of `POST /api/databases/{name}/query`,
//! its export, history and the editor's schema outline.
use serde::{Deserialize, Serialize};

/// Rows a result sends when the request does not say (`max_rows`).
pub const DEFAULT_MAX_ROWS: u32 = 1000;
/// The most rows one result may send; the streaming export has no row cap.
pub const MAX_ROWS: u32 = 10_000;
/// A result stops adding rows once its JSON reaches this many bytes (`truncated` then says so).
pub const MAX_RESULT_BYTES: usize = 16 * 1024 * 1024;
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
pub const MAX_TIMEOUT_MS: u64 = 300_000;
/// The longest SQL text a request may carry, in characters (bulk loads belong in an import).
pub const MAX_SQL_CHARS: usize = 100_000;
/// Statements the account's history keeps.
pub const HISTORY_LEN: usize = 50;

/// `POST /api/databases/{name}/query`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QueryRequest {
    /// One statement, or several separated by `;` (run in order in one session).
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100_000))]
    pub sql: String,
    /// Rows each result may send (default 1000, at most 10000); beyond it `truncated` is true.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number::deserialize"
    )]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 10000))]
    pub max_rows: Option<u32>,
    /// Milliseconds before the statement is stopped on the server (default 30000, at most 300000).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number::deserialize"
    )]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 300000))]
    pub timeout_ms: Option<u64>,
    /// An id of the caller's choosing (8–64 of `A-Za-z0-9_-`) by which
    /// `POST /api/queries/{id}/cancel` can stop the statement while it runs; the server makes one
    /// when it is left out. Either way it comes back in the `Query-Id` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(pattern = "^[A-Za-z0-9_-]{8,64}$"))]
    pub query_id: Option<String>,
}

impl QueryRequest {
    /// `sql` with the server's defaults for rows, timeout and id.
    pub fn sql(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            max_rows: None,
            timeout_ms: None,
            query_id: None,
        }
    }
}

/// `POST /api/databases/{name}/query/export`: the whole result, streamed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// One row-returning statement.
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100_000))]
    pub sql: String,
    pub format: ExportFormat,
    /// As for queries, but the default and the limit are 300000 ms (an export may take a while).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number::deserialize"
    )]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 300000))]
    pub timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(pattern = "^[A-Za-z0-9_-]{8,64}$"))]
    pub query_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// RFC 4180, a header row, CRLF line ends.
    Csv,
    /// One JSON array per line, the column names first.
    Ndjson,
}

/// A result column: its name and MariaDB's type for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QueryColumn {
    pub name: String,
    /// `INT`, `BIGINT UNSIGNED`, `DECIMAL`, `DATETIME`, `VARCHAR`, `BLOB`, …
    #[serde(rename = "type")]
    pub type_name: String,
    /// `base64` for binary columns (BLOB, BINARY, VARBINARY, BIT, GEOMETRY): their values are
    /// base64 strings. Absent for everything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

/// What one statement gave.
///
/// Values keep their meaning: integers are numbers (beyond ±2^53 strings, so no digit is lost),
/// DECIMAL exact strings, floats numbers, NULL null, dates and times ISO 8601 strings, text UTF-8,
/// binary base64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatementResult {
    /// Empty for statements that return no rows (DDL, DML, SET …).
    pub columns: Vec<QueryColumn>,
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<Vec<Object>>))]
    pub rows: Vec<Vec<serde_json::Value>>,
    /// Rows sent in `rows`.
    pub row_count: u64,
    /// True when rows were left out: more than `max_rows`, or the result passed 16 MiB.
    pub truncated: bool,
    pub rows_affected: u64,
    /// The AUTO_INCREMENT value the statement generated, if any.
    pub last_insert_id: Option<u64>,
    pub elapsed_ms: u64,
}

/// The answer of `POST /api/databases/{name}/query`: one statement's result as such, or, when
/// the request held several statements, `{"results":[…]}` in their order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum QueryResponse {
    Many(MultiStatementResult),
    One(StatementResult),
}

impl QueryResponse {
    pub fn results(&self) -> Vec<&StatementResult> {
        match self {
            Self::Many(many) => many.results.iter().collect(),
            Self::One(one) => vec![one],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MultiStatementResult {
    pub results: Vec<StatementResult>,
    pub elapsed_ms: u64,
}

/// One statement the account ran, newest first in `GET /api/queries/history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub id: i64,
    pub database: String,
    pub sql: String,
    /// RFC 3339, UTC.
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QueryHistory {
    pub entries: Vec<HistoryEntry>,
}

/// Tables and their columns, for the editor's completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SchemaOutline {
    pub tables: Vec<TableOutline>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableOutline {
    pub name: String,
    pub columns: Vec<String>,
}

/// Optional whole numbers as JSON Schema reads "integer": `1000`, but also `1000.0` (the same
/// number), and `"1000"` (form-encoded server-function arguments arrive as text).
pub(crate) mod whole_number {
    use serde::de::{Deserializer, Error, Visitor};
    use std::fmt;

    pub fn deserialize<'de, D: Deserializer<'de>, T: TryFrom<u64>>(
        deserializer: D,
    ) -> Result<Option<T>, D::Error> {
        match deserializer.deserialize_option(Whole)? {
            None => Ok(None),
            Some(n) => T::try_from(n)
                .map(Some)
                .map_err(|_| D::Error::custom(format!("{n} is too large"))),
        }
    }

    /// The same, for a field that must be there.
    pub fn required<'de, D: Deserializer<'de>, T: TryFrom<u64>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        deserialize(deserializer)?.ok_or_else(|| D::Error::custom("a whole number is required"))
    }

    struct Whole;

    impl<'de> Visitor<'de> for Whole {
        type Value = Option<u64>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_any(Whole)
        }
        fn visit_u64<E: Error>(self, n: u64) -> Result<Self::Value, E> {
            Ok(Some(n))
        }
        fn visit_i64<E: Error>(self, n: i64) -> Result<Self::Value, E> {
            u64::try_from(n)
                .map(Some)
                .map_err(|_| E::custom("a negative number"))
        }
        fn visit_f64<E: Error>(self, n: f64) -> Result<Self::Value, E> {
            if n.fract() == 0.0 && (0.0..1.8e19).contains(&n) {
                Ok(Some(n as u64))
            } else {
                Err(E::custom("not a whole number"))
            }
        }
        fn visit_str<E: Error>(self, text: &str) -> Result<Self::Value, E> {
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<u64>().map(Some).or_else(|_| {
                text.parse::<f64>()
                    .map_err(E::custom)
                    .and_then(|n| self.visit_f64(n))
            })
        }
    }
}

/// Whether `id` may name a query (`query_id`, the cancel path).
pub fn is_valid_query_id(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_ids_are_short_and_plain() {
        assert!(is_valid_query_id("abcd1234"));
        assert!(is_valid_query_id(&"a".repeat(64)));
        assert!(!is_valid_query_id("abc"));
        assert!(!is_valid_query_id(&"a".repeat(65)));
        assert!(!is_valid_query_id("abcd/1234"));
    }

    #[test]
    fn limits_are_whole_numbers_however_they_are_written() {
        let parse = |json: &str| {
            serde_json::from_str::<QueryRequest>(json).map(|r| (r.max_rows, r.timeout_ms))
        };
        assert_eq!(
            parse(r#"{"sql":"x","max_rows":5,"timeout_ms":213.0}"#).unwrap(),
            (Some(5), Some(213))
        );
        assert_eq!(
            parse(r#"{"sql":"x","max_rows":null}"#).unwrap(),
            (None, None)
        );
        assert!(parse(r#"{"sql":"x","timeout_ms":1.5}"#).is_err());
        assert!(parse(r#"{"sql":"x","max_rows":-1}"#).is_err());
        assert!(parse(r#"{"sql":"x","max_rows":5000000000}"#).is_err());
    }

    #[test]
    fn one_result_and_several_have_their_own_shapes() {
        let one = StatementResult {
            columns: vec![],
            rows: vec![],
            row_count: 0,
            truncated: false,
            rows_affected: 1,
            last_insert_id: None,
            elapsed_ms: 1,
        };
        let many = QueryResponse::Many(MultiStatementResult {
            results: vec![one.clone(), one.clone()],
            elapsed_ms: 2,
        });
        let back: QueryResponse =
            serde_json::from_str(&serde_json::to_string(&many).unwrap()).unwrap();
        assert_eq!(back, many);
        let single = QueryResponse::One(one);
        let back: QueryResponse =
            serde_json::from_str(&serde_json::to_string(&single).unwrap()).unwrap();
        assert_eq!(back, single);
    }
}
