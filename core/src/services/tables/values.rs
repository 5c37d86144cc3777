//! Values between the API's JSON and MariaDB's binary protocol (Tables statements are prepared,
//! so every value the customer sends is a bound parameter). The JSON is the console's: integers
//! as numbers (strings past ±2^53), DECIMAL and dates as strings, binary as base64, NULL as null.
use super::meta::Column;
use crate::services::queries::values::{self as console, Kind};
use base64::Engine;
use mysql_async::Value as MyValue;
use serde_json::Value;
use types::error::AppError;

/// A value the customer sent for `column`, as a parameter.
pub fn param(column: &Column, value: &Value) -> Result<MyValue, AppError> {
    let refuse = |what: &str| {
        AppError::validation(format!(
            "{} ({}) cannot take {what}.",
            column.name, column.column_type
        ))
    };
    Ok(match value {
        Value::Null => MyValue::NULL,
        Value::Bool(b) => MyValue::Int(i64::from(*b)),
        Value::Number(n) => {
            if column.is_binary() {
                return Err(refuse("a number (binary values are base64 strings)"));
            }
            if let Some(i) = n.as_i64() {
                MyValue::Int(i)
            } else if let Some(u) = n.as_u64() {
                MyValue::UInt(u)
            } else if column.data_type == "decimal" {
                // The number's own digits, not a double's rounding of them.
                MyValue::Bytes(n.to_string().into_bytes())
            } else {
                MyValue::Double(n.as_f64().unwrap_or_default())
            }
        }
        Value::String(text) => text_param(column, text)?,
        Value::Array(_) | Value::Object(_) if column.data_type == "json" => {
            MyValue::Bytes(value.to_string().into_bytes())
        }
        Value::Array(_) | Value::Object(_) => return Err(refuse("an array or object")),
    })
}

/// A value typed as text (a URL's `after` and filters, a CSV field, a JSON string).
pub fn text_param(column: &Column, text: &str) -> Result<MyValue, AppError> {
    if column.is_binary() {
        return base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(MyValue::Bytes)
            .map_err(|_| {
                AppError::validation(format!(
                    "{} holds bytes: send its value as base64.",
                    column.name
                ))
            });
    }
    Ok(match column.data_type.as_str() {
        // A string bound to BIT would be stored as its characters' bytes.
        "bit" => MyValue::UInt(text.trim().parse::<u64>().map_err(|_| {
            AppError::validation(format!("{} is BIT: send a whole number.", column.name))
        })?),
        _ if column.is_integer() => match (text.parse::<i64>(), text.parse::<u64>()) {
            (Ok(i), _) => MyValue::Int(i),
            (_, Ok(u)) => MyValue::UInt(u),
            _ => MyValue::Bytes(text.as_bytes().to_vec()),
        },
        "datetime" | "timestamp" => MyValue::Bytes(text.replacen('T', " ", 1).into_bytes()),
        _ => MyValue::Bytes(text.as_bytes().to_vec()),
    })
}

/// How a result column's values become JSON: worked out once per result, not per cell.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub kind: Kind,
    /// Fractional-second digits of DATETIME, TIMESTAMP and TIME.
    decimals: u8,
}

pub fn shapes(columns: &[mysql_async::Column]) -> Vec<Shape> {
    columns
        .iter()
        .map(|column| Shape {
            kind: console::describe(column).1,
            decimals: column.decimals(),
        })
        .collect()
}

/// A row of a prepared statement's result, as the console would have sent it.
pub fn row_json(row: &mysql_async::Row, shapes: &[Shape]) -> Vec<Value> {
    shapes
        .iter()
        .enumerate()
        .map(|(i, shape)| to_json(row.as_ref(i).unwrap_or(&MyValue::NULL), *shape))
        .collect()
}

/// A result value of a prepared statement, as the console would have sent it.
pub fn to_json(value: &MyValue, shape: Shape) -> Value {
    let kind = shape.kind;
    let fraction = |micros: u32| {
        let digits = usize::from(shape.decimals).min(6);
        if digits == 0 {
            String::new()
        } else {
            format!(".{:06}", micros)[..digits + 1].to_owned()
        }
    };
    match value {
        MyValue::NULL => Value::Null,
        MyValue::Bytes(bytes) => console::convert(bytes, kind),
        MyValue::Int(i) => console::integer(&i.to_string()),
        MyValue::UInt(u) => console::integer(&u.to_string()),
        // The float's shortest spelling, as the text protocol gives it (1.1, not 1.100000023…).
        MyValue::Float(f) => float(f.to_string()),
        MyValue::Double(d) => float(d.to_string()),
        MyValue::Date(y, m, d, h, i, s, us) => {
            if kind == Kind::DateTime {
                Value::String(format!(
                    "{y:04}-{m:02}-{d:02}T{h:02}:{i:02}:{s:02}{}",
                    fraction(*us)
                ))
            } else {
                Value::String(format!("{y:04}-{m:02}-{d:02}"))
            }
        }
        MyValue::Time(negative, days, h, i, s, us) => {
            let hours = days * 24 + u32::from(*h);
            let sign = if *negative { "-" } else { "" };
            Value::String(format!("{sign}{hours:02}:{i:02}:{s:02}{}", fraction(*us)))
        }
    }
}

fn float(text: String) -> Value {
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::String(text), Value::Number)
}

/// The JSON value as the text `after` and `next` carry (strings as they are).
pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(data_type: &str) -> Column {
        Column {
            name: "c".into(),
            data_type: data_type.into(),
            column_type: data_type.into(),
            nullable: true,
            default: None,
            extra: String::new(),
            comment: String::new(),
            key: String::new(),
        }
    }

    #[test]
    fn text_becomes_the_parameter_the_column_needs() {
        assert_eq!(text_param(&column("int"), "7").unwrap(), MyValue::Int(7));
        assert_eq!(
            text_param(&column("bigint"), "18446744073709551615").unwrap(),
            MyValue::UInt(u64::MAX)
        );
        assert_eq!(text_param(&column("bit"), "5").unwrap(), MyValue::UInt(5));
        assert_eq!(
            text_param(&column("datetime"), "2024-02-29T13:45:00.5").unwrap(),
            MyValue::Bytes(b"2024-02-29 13:45:00.5".to_vec())
        );
        assert_eq!(
            text_param(&column("blob"), "AAH/").unwrap(),
            MyValue::Bytes(vec![0, 1, 255])
        );
        assert!(text_param(&column("blob"), "not base64!").is_err());
        assert!(param(&column("int"), &serde_json::json!({"a":1})).is_err());
        assert_eq!(
            param(&column("json"), &serde_json::json!({"a":1})).unwrap(),
            MyValue::Bytes(br#"{"a":1}"#.to_vec())
        );
    }
}
