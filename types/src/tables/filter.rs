//! The grid's view in words: `order=column[.desc]` and `filter=column.op.value`. Parsed against
//! the table's columns, so a column name holding dots is still read right; values are only ever
//! bound as parameters.
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Neq,
    Lt,
    Gt,
    Like,
    In,
    IsNull,
    IsNotNull,
}

impl Op {
    pub const ALL: [Op; 8] = [
        Op::Eq,
        Op::Neq,
        Op::Lt,
        Op::Gt,
        Op::Like,
        Op::In,
        Op::IsNull,
        Op::IsNotNull,
    ];

    /// The word in `column.<word>.value` (`is.null` and `is.notnull` carry no value).
    pub fn word(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Neq => "neq",
            Op::Lt => "lt",
            Op::Gt => "gt",
            Op::Like => "like",
            Op::In => "in",
            Op::IsNull => "is.null",
            Op::IsNotNull => "is.notnull",
        }
    }

    /// How the grid's filter menu shows it.
    pub fn label(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Neq => "≠",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Like => "LIKE",
            Op::In => "IN",
            Op::IsNull => "IS NULL",
            Op::IsNotNull => "IS NOT NULL",
        }
    }

    pub fn takes_value(self) -> bool {
        !matches!(self, Op::IsNull | Op::IsNotNull)
    }
}

/// One condition of the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub column: String,
    pub op: Op,
    /// One value, or several for `in`.
    pub values: Vec<String>,
}

impl Filter {
    /// `column.op.value`, the column being one of `columns` (the longest that fits wins).
    pub fn parse(raw: &str, columns: &[String]) -> Result<Self, AppError> {
        let mut candidates: Vec<&String> = columns
            .iter()
            .filter(|c| {
                raw.len() > c.len() + 1
                    && raw.starts_with(c.as_str())
                    && raw.as_bytes()[c.len()] == b'.'
            })
            .collect();
        candidates.sort_by_key(|c| std::cmp::Reverse(c.len()));
        for column in candidates {
            let rest = &raw[column.len() + 1..];
            for op in Op::ALL {
                let parsed = if op.takes_value() {
                    rest.strip_prefix(op.word())
                        .and_then(|r| r.strip_prefix('.'))
                } else {
                    (rest == op.word()).then_some("")
                };
                let Some(value) = parsed else { continue };
                let values = match op {
                    Op::In => in_values(value)?,
                    _ if op.takes_value() => vec![value.to_owned()],
                    _ => Vec::new(),
                };
                return Ok(Self {
                    column: column.clone(),
                    op,
                    values,
                });
            }
        }
        Err(AppError::validation(format!(
            "filter {raw:?} is not column.op.value with a column of the table and op one of eq, neq, lt, gt, like, in, is.null, is.notnull."
        )))
    }

    /// The filter as the URL carries it.
    pub fn to_param(&self) -> String {
        match self.op {
            Op::In => format!(
                "{}.in.{}",
                self.column,
                serde_json::to_string(&self.values).unwrap_or_default()
            ),
            op if op.takes_value() => format!(
                "{}.{}.{}",
                self.column,
                op.word(),
                self.values.first().map_or("", String::as_str)
            ),
            op => format!("{}.{}", self.column, op.word()),
        }
    }
}

/// `in`'s list: a JSON array of strings/numbers, or values separated by commas.
fn in_values(raw: &str) -> Result<Vec<String>, AppError> {
    let values: Vec<String> = if raw.starts_with('[') {
        let parsed: Vec<serde_json::Value> = serde_json::from_str(raw)
            .map_err(|_| AppError::validation("in.[…] must be a JSON array of values."))?;
        parsed
            .into_iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            })
            .collect()
    } else {
        raw.split(',').map(str::to_owned).collect()
    };
    if values.is_empty() || values.len() > 1000 {
        return Err(AppError::validation("in takes 1 to 1000 values."));
    }
    Ok(values)
}

/// `order=column[.desc]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub column: String,
    pub descending: bool,
}

impl Order {
    pub fn parse(raw: &str, columns: &[String]) -> Result<Self, AppError> {
        if columns.iter().any(|c| c == raw) {
            return Ok(Self {
                column: raw.to_owned(),
                descending: false,
            });
        }
        for (suffix, descending) in [(".desc", true), (".asc", false)] {
            if let Some(column) = raw.strip_suffix(suffix)
                && columns.iter().any(|c| c == column)
            {
                return Ok(Self {
                    column: column.to_owned(),
                    descending,
                });
            }
        }
        Err(AppError::validation(format!(
            "order {raw:?} is not a column of the table (add .desc to reverse it)."
        )))
    }

    pub fn to_param(&self) -> String {
        if self.descending {
            format!("{}.desc", self.column)
        } else {
            self.column.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<String> {
        ["id", "name", "a.b", "a"].map(String::from).to_vec()
    }

    #[test]
    fn filters_read_the_column_the_op_and_the_value() {
        let f = Filter::parse("name.like.it%.x", &columns()).unwrap();
        assert_eq!(
            (f.column.as_str(), f.op, f.values),
            ("name", Op::Like, vec!["it%.x".to_owned()])
        );
        let f = Filter::parse("a.b.eq.1.5", &columns()).unwrap();
        assert_eq!((f.column.as_str(), f.op), ("a.b", Op::Eq));
        assert_eq!(f.values, vec!["1.5"]);
        let f = Filter::parse("id.in.1,2,3", &columns()).unwrap();
        assert_eq!(f.values, vec!["1", "2", "3"]);
        let f = Filter::parse(r#"name.in.["x,y","z"]"#, &columns()).unwrap();
        assert_eq!(f.values, vec!["x,y", "z"]);
        let f = Filter::parse("name.is.null", &columns()).unwrap();
        assert_eq!(f.op, Op::IsNull);
        assert!(Filter::parse("nope.eq.1", &columns()).is_err());
        assert!(Filter::parse("id.between.1", &columns()).is_err());
    }

    #[test]
    fn filters_survive_a_round_trip() {
        for raw in [
            "name.eq.x",
            "id.neq.2",
            "a.b.is.notnull",
            r#"name.in.["x,y","z"]"#,
        ] {
            assert_eq!(Filter::parse(raw, &columns()).unwrap().to_param(), raw);
        }
    }

    #[test]
    fn orders_read_desc() {
        assert_eq!(
            Order::parse("name.desc", &columns()).unwrap(),
            Order {
                column: "name".into(),
                descending: true
            }
        );
        assert_eq!(
            Order::parse("a.b", &columns()).unwrap(),
            Order {
                column: "a.b".into(),
                descending: false
            }
        );
        assert!(Order::parse("zzz", &columns()).is_err());
    }
}
