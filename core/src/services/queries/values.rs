//! Result values as JSON that keeps their meaning. Customer SQL runs over the text protocol (it
//! may hold several statements, and not every statement can be prepared), so every value arrives
//! as MariaDB's own text for it and the column's type decides how to carry it.
use base64::Engine;
use mysql_async::consts::{ColumnFlags, ColumnType};
use mysql_async::{Column, Value as MyValue};
use serde_json::Value;
use types::query::QueryColumn;

/// Integers beyond this (JavaScript's `Number.MAX_SAFE_INTEGER`) go as strings: no digit is lost.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
/// The `binary` character set: the column holds bytes, not text (a `_bin` collation of a text
/// column also sets the BINARY flag, so the flag alone cannot tell).
const BINARY_CHARSET: u16 = 63;

/// How a column's values become JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Integer,
    Float,
    /// DECIMAL: an exact string ("1.50"), never a float.
    Decimal,
    /// DATETIME, TIMESTAMP: ISO 8601 with a `T` ("2024-02-29T13:45:00").
    DateTime,
    Bit,
    Binary,
    /// Text, DATE, TIME, ENUM, SET, JSON: the server's text as it is.
    Text,
}

/// The column's name, MariaDB's type for it (as `SHOW COLUMNS` would spell it, without sizes),
/// and how its values are carried.
pub fn describe(column: &Column) -> (QueryColumn, Kind) {
    let (type_name, kind) = type_of(
        column.column_type(),
        column.flags(),
        column.character_set(),
        column.column_length(),
    );
    let encoding = (kind == Kind::Binary).then(|| "base64".to_owned());
    (
        QueryColumn {
            name: column.name_str().into_owned(),
            type_name,
            encoding,
        },
        kind,
    )
}

pub fn type_of(
    column_type: ColumnType,
    flags: ColumnFlags,
    charset: u16,
    length: u32,
) -> (String, Kind) {
    use ColumnType::*;
    let unsigned = if flags.contains(ColumnFlags::UNSIGNED_FLAG) {
        " UNSIGNED"
    } else {
        ""
    };
    let binary = charset == BINARY_CHARSET;
    let integer = |name: &str| (format!("{name}{unsigned}"), Kind::Integer);
    let named = |name: &str, kind| (name.to_owned(), kind);
    match column_type {
        MYSQL_TYPE_TINY if length == 1 => named("BOOLEAN", Kind::Integer),
        MYSQL_TYPE_TINY => integer("TINYINT"),
        MYSQL_TYPE_SHORT => integer("SMALLINT"),
        MYSQL_TYPE_INT24 => integer("MEDIUMINT"),
        MYSQL_TYPE_LONG => integer("INT"),
        MYSQL_TYPE_LONGLONG => integer("BIGINT"),
        MYSQL_TYPE_YEAR => named("YEAR", Kind::Integer),
        MYSQL_TYPE_FLOAT => named("FLOAT", Kind::Float),
        MYSQL_TYPE_DOUBLE => named("DOUBLE", Kind::Float),
        MYSQL_TYPE_DECIMAL | MYSQL_TYPE_NEWDECIMAL => named("DECIMAL", Kind::Decimal),
        MYSQL_TYPE_DATETIME | MYSQL_TYPE_DATETIME2 => named("DATETIME", Kind::DateTime),
        MYSQL_TYPE_TIMESTAMP | MYSQL_TYPE_TIMESTAMP2 => named("TIMESTAMP", Kind::DateTime),
        MYSQL_TYPE_DATE | MYSQL_TYPE_NEWDATE => named("DATE", Kind::Text),
        MYSQL_TYPE_TIME | MYSQL_TYPE_TIME2 => named("TIME", Kind::Text),
        MYSQL_TYPE_BIT => named("BIT", Kind::Bit),
        MYSQL_TYPE_NULL => named("NULL", Kind::Text),
        MYSQL_TYPE_JSON => named("JSON", Kind::Text),
        MYSQL_TYPE_GEOMETRY => named("GEOMETRY", Kind::Binary),
        MYSQL_TYPE_ENUM => named("ENUM", Kind::Text),
        MYSQL_TYPE_SET => named("SET", Kind::Text),
        _ if flags.contains(ColumnFlags::ENUM_FLAG) => named("ENUM", Kind::Text),
        _ if flags.contains(ColumnFlags::SET_FLAG) => named("SET", Kind::Text),
        MYSQL_TYPE_STRING if binary => named("BINARY", Kind::Binary),
        MYSQL_TYPE_STRING => named("CHAR", Kind::Text),
        MYSQL_TYPE_VARCHAR | MYSQL_TYPE_VAR_STRING if binary => named("VARBINARY", Kind::Binary),
        MYSQL_TYPE_VARCHAR | MYSQL_TYPE_VAR_STRING => named("VARCHAR", Kind::Text),
        MYSQL_TYPE_TINY_BLOB | MYSQL_TYPE_BLOB | MYSQL_TYPE_MEDIUM_BLOB | MYSQL_TYPE_LONG_BLOB => {
            // The server says "blob" for every size; the length tells them apart (for text, in
            // bytes of up to 4 per character).
            let per_char = if binary { 1 } else { 4 };
            let size = match length {
                u32::MAX => "LONG",
                n if n > 65_535 * per_char => "MEDIUM",
                n if n > 255 * per_char => "",
                _ => "TINY",
            };
            if binary {
                (format!("{size}BLOB"), Kind::Binary)
            } else {
                (format!("{size}TEXT"), Kind::Text)
            }
        }
        other => (
            format!("{other:?}")
                .trim_start_matches("MYSQL_TYPE_")
                .to_owned(),
            if binary { Kind::Binary } else { Kind::Text },
        ),
    }
}

/// One value of the text protocol: NULL, or the server's bytes for it.
pub fn to_json(value: Option<&MyValue>, kind: Kind) -> Value {
    match value {
        Some(MyValue::Bytes(bytes)) => convert(bytes, kind),
        Some(MyValue::NULL) | None => Value::Null,
        // The text protocol sends nothing else; were it to, its SQL spelling is still exact.
        Some(other) => Value::String(other.as_sql(true).trim_matches('\'').to_owned()),
    }
}

pub fn convert(bytes: &[u8], kind: Kind) -> Value {
    let text = || String::from_utf8_lossy(bytes);
    match kind {
        Kind::Integer => integer(&text()),
        Kind::Float => text()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(text().into_owned()), Value::Number),
        Kind::Decimal | Kind::Text => Value::String(text().into_owned()),
        Kind::DateTime => Value::String(text().replacen(' ', "T", 1)),
        // BIT(n) arrives as n bits, big-endian.
        Kind::Bit if bytes.len() <= 8 => integer(
            &bytes
                .iter()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
                .to_string(),
        ),
        Kind::Bit | Kind::Binary => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
    }
}

pub fn integer(text: &str) -> Value {
    let safe = |magnitude: u64| magnitude <= MAX_SAFE_INTEGER;
    if let Ok(n) = text.parse::<i64>()
        && safe(n.unsigned_abs())
    {
        return Value::from(n);
    }
    if let Ok(n) = text.parse::<u64>()
        && safe(n)
    {
        return Value::from(n);
    }
    Value::String(text.to_owned())
}

/// What a value adds to the JSON answer, near enough to enforce the byte cap.
pub fn json_len(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(_) => 5,
        Value::Number(n) => n.to_string().len(),
        // Quotes, plus some room for escapes.
        Value::String(s) => {
            s.len()
                + 2
                + s.bytes()
                    .filter(|b| matches!(b, b'"' | b'\\') || *b < 0x20)
                    .count()
                    * 5
        }
        other => other.to_string().len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_numbers_until_they_would_lose_digits() {
        assert_eq!(convert(b"42", Kind::Integer), Value::from(42));
        assert_eq!(
            convert(b"-9007199254740991", Kind::Integer),
            Value::from(-9_007_199_254_740_991i64)
        );
        assert_eq!(
            convert(b"9007199254740992", Kind::Integer),
            Value::from("9007199254740992")
        );
        assert_eq!(
            convert(b"18446744073709551615", Kind::Integer),
            Value::from("18446744073709551615")
        );
        assert_eq!(
            convert(b"-9223372036854775808", Kind::Integer),
            Value::from("-9223372036854775808")
        );
    }

    #[test]
    fn decimals_stay_exact_and_datetimes_become_iso() {
        assert_eq!(convert(b"0.10", Kind::Decimal), Value::from("0.10"));
        assert_eq!(
            convert(b"2024-02-29 13:45:00.250", Kind::DateTime),
            Value::from("2024-02-29T13:45:00.250")
        );
        assert_eq!(convert(b"1.5", Kind::Float), Value::from(1.5));
    }

    #[test]
    fn binary_is_base64_and_bits_are_numbers() {
        assert_eq!(convert(&[0, 255, 1], Kind::Binary), Value::from("AP8B"));
        assert_eq!(convert(&[1, 1], Kind::Bit), Value::from(257));
        let blob = type_of(
            ColumnType::MYSQL_TYPE_BLOB,
            ColumnFlags::BINARY_FLAG,
            BINARY_CHARSET,
            65_535,
        );
        assert_eq!(blob, ("BLOB".to_owned(), Kind::Binary));
        // JSON is LONGTEXT with a `_bin` collation: the BINARY flag, but text.
        let json = type_of(
            ColumnType::MYSQL_TYPE_BLOB,
            ColumnFlags::BINARY_FLAG,
            46,
            u32::MAX,
        );
        assert_eq!(json, ("LONGTEXT".to_owned(), Kind::Text));
        let unsigned = type_of(
            ColumnType::MYSQL_TYPE_LONGLONG,
            ColumnFlags::UNSIGNED_FLAG,
            BINARY_CHARSET,
            20,
        );
        assert_eq!(unsigned, ("BIGINT UNSIGNED".to_owned(), Kind::Integer));
    }
}
