//! A value from a row event as an SQL literal, by its column's type. Text and binary data go as
//! hexadecimal literals (never quoted text: nothing in them can end a literal); numbers as digits.
use mysql_async::Value;
use mysql_async::binlog::value::BinlogValue;
use mysql_async::consts::ColumnType;

pub fn literal(value: Option<&BinlogValue<'_>>, column: ColumnType) -> Result<String, String> {
    use ColumnType::*;
    let value = match value {
        None => {
            return Err(
                "a row event without every column (the server's binlog_row_image must be FULL)"
                    .into(),
            );
        }
        Some(BinlogValue::Value(value)) => value,
        Some(BinlogValue::Jsonb(json)) => {
            let json = serde_json::Value::try_from(json.clone())
                .map_err(|err| format!("an unreadable JSON value: {err}"))?;
            return Ok(hex(json.to_string().as_bytes()));
        }
        Some(BinlogValue::JsonDiff(_)) => {
            return Err("a partial JSON update (binlog_row_value_options=PARTIAL_JSON)".into());
        }
    };
    Ok(match value {
        Value::NULL => "NULL".into(),
        Value::Int(n) => n.to_string(),
        Value::UInt(n) => n.to_string(),
        Value::Float(n) => n.to_string(),
        Value::Double(n) => n.to_string(),
        Value::Date(y, m, d, ..) if matches!(column, MYSQL_TYPE_DATE | MYSQL_TYPE_NEWDATE) => {
            format!("'{y:04}-{m:02}-{d:02}'")
        }
        Value::Date(y, m, d, h, i, s, us) => {
            format!("'{y:04}-{m:02}-{d:02} {h:02}:{i:02}:{s:02}.{us:06}'")
        }
        Value::Time(negative, days, h, i, s, us) => format!(
            "'{}{}:{i:02}:{s:02}.{us:06}'",
            if *negative { "-" } else { "" },
            u32::from(*h) + days * 24
        ),
        Value::Bytes(bytes) => match column {
            MYSQL_TYPE_TIMESTAMP | MYSQL_TYPE_TIMESTAMP2 => {
                let seconds = digits(bytes)?;
                if seconds.parse::<f64>().is_ok_and(|n| n == 0.0) {
                    "'0000-00-00 00:00:00'".into()
                } else {
                    // The session's time zone is UTC: the same instant as on the server.
                    format!("FROM_UNIXTIME({seconds})")
                }
            }
            MYSQL_TYPE_NEWDECIMAL | MYSQL_TYPE_DECIMAL | MYSQL_TYPE_YEAR => {
                format!("'{}'", digits(bytes)?)
            }
            // A SET's members as a bit mask, lowest byte first.
            MYSQL_TYPE_SET => bytes
                .iter()
                .rev()
                .fold(0u64, |mask, byte| (mask << 8) | u64::from(*byte))
                .to_string(),
            _ => hex(bytes),
        },
    })
}

fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "''".into();
    }
    let mut text = String::with_capacity(bytes.len() * 2 + 3);
    text.push_str("X'");
    for byte in bytes {
        text.push_str(&format!("{byte:02X}"));
    }
    text.push('\'');
    text
}

/// A number the event carries as text: digits, a point, a sign, nothing else.
fn digits(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes)
        .ok()
        .filter(|text| {
            !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-'))
        })
        .ok_or_else(|| "a number that is not one".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ColumnType::*;

    fn of(value: Value, column: ColumnType) -> String {
        literal(Some(&BinlogValue::Value(value)), column).unwrap()
    }

    #[test]
    fn each_kind_of_value_becomes_a_literal_that_cannot_end_early() {
        assert_eq!(of(Value::NULL, MYSQL_TYPE_LONG), "NULL");
        assert_eq!(of(Value::Int(-7), MYSQL_TYPE_LONG), "-7");
        assert_eq!(of(Value::Double(0.5), MYSQL_TYPE_DOUBLE), "0.5");
        assert_eq!(
            of(
                Value::Bytes(b"it's'); DROP TABLE t; --".to_vec()),
                MYSQL_TYPE_VARCHAR
            ),
            "X'6974277327293B2044524F50205441424C4520743B202D2D'"
        );
        assert_eq!(of(Value::Bytes(Vec::new()), MYSQL_TYPE_BLOB), "''");
        assert_eq!(
            of(Value::Bytes(b"12.50".to_vec()), MYSQL_TYPE_NEWDECIMAL),
            "'12.50'"
        );
        assert_eq!(
            of(
                Value::Bytes(b"1700000000.250000".to_vec()),
                MYSQL_TYPE_TIMESTAMP2
            ),
            "FROM_UNIXTIME(1700000000.250000)"
        );
        assert_eq!(
            of(Value::Bytes(b"0".to_vec()), MYSQL_TYPE_TIMESTAMP2),
            "'0000-00-00 00:00:00'"
        );
        assert_eq!(of(Value::Bytes(vec![5, 1]), MYSQL_TYPE_SET), "261");
        assert_eq!(
            of(Value::Date(2026, 12, 4, 0, 0, 0, 0), MYSQL_TYPE_NEWDATE),
            "'2026-12-04'"
        );
        assert_eq!(
            of(
                Value::Date(2026, 12, 4, 10, 15, 30, 5),
                MYSQL_TYPE_DATETIME2
            ),
            "'2026-12-04 10:15:30.000005'"
        );
        assert_eq!(
            of(Value::Time(true, 1, 2, 3, 4, 0), MYSQL_TYPE_TIME2),
            "'-26:03:04.000000'"
        );
        assert!(
            literal(
                Some(&BinlogValue::Value(Value::Bytes(b"1;x".to_vec()))),
                MYSQL_TYPE_NEWDECIMAL
            )
            .is_err()
        );
        assert!(literal(None, MYSQL_TYPE_LONG).is_err());
    }
}
