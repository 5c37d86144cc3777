//! One page of a table: filters and the keyset bound as parameters, `ORDER BY` the chosen column
//! and then the key, `LIMIT n + 1` to know whether a next page exists. Page 10,000 of a million
//! rows is then an index seek like page 1, never an OFFSET scan.
use super::meta::Table;
use super::session::TableSession;
use super::values;
use mysql_async::Value as MyValue;
use mysql_async::prelude::Queryable;
use serde_json::Value;
use types::error::AppError;
use types::tables::filter::{Filter, Op, Order};
use types::tables::ident::quote;
use types::tables::{DEFAULT_LIMIT, RowsPage, RowsQuery};

/// Where a keyless table's pages start: `@<offset>` (such tables are read-only and small, as a rule).
const OFFSET_MARK: char = '@';

/// A SELECT under construction: SQL text and its parameters, always together.
#[derive(Default)]
pub struct Select {
    pub conditions: Vec<String>,
    pub params: Vec<MyValue>,
}

impl Select {
    fn add(&mut self, condition: String, params: impl IntoIterator<Item = MyValue>) {
        self.conditions.push(condition);
        self.params.extend(params);
    }

    pub fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }
}

/// The view's filters as conditions.
pub fn filters(table: &Table, query: &RowsQuery, select: &mut Select) -> Result<(), AppError> {
    let names = table.names();
    for raw in &query.filters {
        let filter = Filter::parse(raw, &names)?;
        let (_, column) = table.column(&filter.column)?;
        let name = quote(&column.name);
        let value = |text: &str| -> Result<MyValue, AppError> {
            if filter.op == Op::Like {
                // A pattern, not a value of the column: compared as text.
                Ok(MyValue::Bytes(text.as_bytes().to_vec()))
            } else {
                values::text_param(column, text)
            }
        };
        match filter.op {
            Op::IsNull => select.add(format!("{name} IS NULL"), []),
            Op::IsNotNull => select.add(format!("{name} IS NOT NULL"), []),
            Op::In => {
                let params = filter
                    .values
                    .iter()
                    .map(|v| value(v))
                    .collect::<Result<Vec<_>, _>>()?;
                let marks = vec!["?"; params.len()].join(", ");
                select.add(format!("{name} IN ({marks})"), params);
            }
            op => {
                let sign = match op {
                    Op::Eq => "=",
                    Op::Neq => "<>",
                    Op::Lt => "<",
                    Op::Gt => ">",
                    _ => "LIKE",
                };
                let text = filter.values.first().map_or("", String::as_str);
                select.add(format!("{name} {sign} ?"), [value(text)?]);
            }
        }
    }
    Ok(())
}

/// `ORDER BY` the chosen column (if any) and then the key, all in one direction.
pub fn order_by(table: &Table, order: Option<&Order>) -> String {
    let direction = if order.is_some_and(|o| o.descending) {
        " DESC"
    } else {
        ""
    };
    let mut terms: Vec<String> = Vec::new();
    if let Some(order) = order {
        terms.push(format!("{}{direction}", quote(&order.column)));
    }
    for name in table.key_names() {
        if order.is_none_or(|o| o.column != name) {
            terms.push(format!("{}{direction}", quote(&name)));
        }
    }
    if terms.is_empty() {
        String::new()
    } else {
        format!(" ORDER BY {}", terms.join(", "))
    }
}

pub fn parse_order(table: &Table, query: &RowsQuery) -> Result<Option<Order>, AppError> {
    query
        .order
        .as_deref()
        .map(|raw| Order::parse(raw, &table.names()))
        .transpose()
}

/// The key's values from `after` (a value, or a JSON array for a composite key).
pub fn key_values(table: &Table, after: &str) -> Result<Vec<MyValue>, AppError> {
    let columns: Vec<_> = table.key.iter().map(|&i| &table.columns[i]).collect();
    if columns.len() == 1 {
        return Ok(vec![values::text_param(columns[0], after)?]);
    }
    let parsed: Vec<Value> = serde_json::from_str(after)
        .ok()
        .filter(|v: &Vec<Value>| v.len() == columns.len())
        .ok_or_else(|| {
            AppError::validation(format!(
                "after must be a JSON array of the key's {} values ({}).",
                columns.len(),
                table.key_names().join(", ")
            ))
        })?;
    columns
        .iter()
        .zip(&parsed)
        .map(|(column, value)| match value {
            Value::String(text) => values::text_param(column, text),
            other => values::param(column, other),
        })
        .collect()
}

/// Rows strictly after the key `values` in key order: `k1 > ? OR (k1 = ? AND k2 > ?) …`.
fn after_key(
    table: &Table,
    values: &[MyValue],
    descending: bool,
    select_into: &mut Vec<String>,
    params: &mut Vec<MyValue>,
) {
    let sign = if descending { "<" } else { ">" };
    let names = table.key_names();
    let mut alternatives = Vec::new();
    for i in 0..names.len() {
        let mut parts = Vec::new();
        for j in 0..i {
            parts.push(format!("{} = ?", quote(&names[j])));
            params.push(values[j].clone());
        }
        parts.push(format!("{} {sign} ?", quote(&names[i])));
        params.push(values[i].clone());
        alternatives.push(format!("({})", parts.join(" AND ")));
    }
    select_into.push(format!("({})", alternatives.join(" OR ")));
}

/// The keyset condition for the page after the row with key `after`, in `order`.
async fn keyset(
    session: &mut TableSession,
    table: &Table,
    order: Option<&Order>,
    after: &str,
    select: &mut Select,
) -> Result<(), AppError> {
    let key = key_values(table, after)?;
    let descending = order.is_some_and(|o| o.descending);
    let sorted_by_key_only = order.is_none_or(|o| table.key_names() == [o.column.clone()]);
    let mut parts = Vec::new();
    let mut params = Vec::new();
    if sorted_by_key_only {
        after_key(table, &key, descending, &mut parts, &mut params);
        select.add(parts.remove(0), params);
        return Ok(());
    }
    let order = order.expect("ordered by a column");
    // The order column's value in the previous page's last row.
    let lookup = format!(
        "SELECT {} FROM {}{}",
        quote(&order.column),
        table.name.quoted(),
        key_condition(table).where_clause()
    );
    let found: Option<mysql_async::Row> = session
        .conn()
        .exec_first(lookup, key.clone())
        .await
        .map_err(super::sql_failure)?;
    let Some(mut row) = found else {
        return Err(AppError::validation(
            "The row named by after is gone: start again from the first page.",
        ));
    };
    let last: MyValue = row.take(0).unwrap_or(MyValue::NULL);
    let column = quote(&order.column);
    let mut key_parts = Vec::new();
    let mut key_params = Vec::new();
    after_key(table, &key, descending, &mut key_parts, &mut key_params);
    let key_after = key_parts.remove(0);
    // NULLs sort first ascending, last descending (MariaDB's rule), so the keyset follows suit.
    let (condition, params): (String, Vec<MyValue>) = match (last == MyValue::NULL, descending) {
        (true, false) => (
            format!("(({column} IS NULL AND {key_after}) OR {column} IS NOT NULL)"),
            key_params,
        ),
        (true, true) => (format!("({column} IS NULL AND {key_after})"), key_params),
        (false, descending) => {
            let sign = if descending { "<" } else { ">" };
            let nulls_after = if descending {
                format!(" OR {column} IS NULL")
            } else {
                String::new()
            };
            let mut params = vec![last.clone(), last];
            params.extend(key_params);
            (
                format!("({column} {sign} ? OR ({column} = ? AND {key_after}){nulls_after})"),
                params,
            )
        }
    };
    select.add(condition, params);
    Ok(())
}

/// `key1 = ? AND key2 = ?`: one row by its key.
pub fn key_condition(table: &Table) -> Select {
    let mut select = Select::default();
    for name in table.key_names() {
        select.conditions.push(format!("{} = ?", quote(&name)));
    }
    select
}

/// The SELECT of a view of the table (filters, keyset, order) without its LIMIT.
pub async fn view_select(
    session: &mut TableSession,
    table: &Table,
    query: &RowsQuery,
) -> Result<(String, Vec<MyValue>, Option<u64>), AppError> {
    let order = parse_order(table, query)?;
    let mut select = Select::default();
    filters(table, query, &mut select)?;
    let mut offset = None;
    if let Some(after) = query.after.as_deref() {
        if table.key.is_empty() {
            offset = Some(
                after
                    .strip_prefix(OFFSET_MARK)
                    .and_then(|n| n.parse::<u64>().ok())
                    .ok_or_else(|| {
                        AppError::validation(
                            "This table has no key: after is @<rows to skip>, as next gives it.",
                        )
                    })?,
            );
        } else {
            keyset(session, table, order.as_ref(), after, &mut select).await?;
        }
    }
    let sql = format!(
        "SELECT {} FROM {}{}{}",
        table.select_list(),
        table.name.quoted(),
        select.where_clause(),
        order_by(table, order.as_ref())
    );
    Ok((sql, select.params, offset))
}

/// One page of rows.
pub async fn page(
    session: &mut TableSession,
    table: &Table,
    query: &RowsQuery,
) -> Result<RowsPage, AppError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let (sql, params, offset) = view_select(session, table, query).await?;
    let sql = match offset {
        Some(offset) => format!("{sql} LIMIT {} OFFSET {offset}", u64::from(limit) + 1),
        None => format!("{sql} LIMIT {}", u64::from(limit) + 1),
    };
    let mut result = session
        .conn()
        .exec_iter(sql, params)
        .await
        .map_err(super::sql_failure)?;
    let columns = result.columns().unwrap_or_default();
    let described: Vec<_> = columns
        .iter()
        .map(|c| crate::services::queries::values::describe(c).0)
        .collect();
    let shapes = values::shapes(&columns);
    let mut rows: Vec<Vec<Value>> = Vec::new();
    let mut bytes = 0usize;
    let mut more = false;
    while let Some(row) = result.next().await.map_err(super::sql_failure)? {
        if rows.len() as u32 >= limit || bytes >= types::query::MAX_RESULT_BYTES {
            more = true;
            // Drain the one extra row (or the rest past the byte cap) so the session stays usable.
            continue;
        }
        let values = values::row_json(&row, &shapes);
        bytes += values
            .iter()
            .map(crate::services::queries::values::json_len)
            .sum::<usize>();
        rows.push(values);
    }
    drop(result);
    let next = match (more, rows.last()) {
        (true, Some(_)) if table.key.is_empty() => Some(format!(
            "{OFFSET_MARK}{}",
            offset.unwrap_or(0) + rows.len() as u64
        )),
        (true, Some(last)) => Some(next_after(table, last)),
        _ => None,
    };
    Ok(RowsPage {
        columns: described,
        key: table.key_names(),
        rows,
        next,
        read_only_reason: table.read_only_reason(),
    })
}

/// `after` for the page following the row `last`.
fn next_after(table: &Table, last: &[Value]) -> String {
    let key: Vec<&Value> = table.key.iter().map(|&i| &last[i]).collect();
    match key.as_slice() {
        [one] => values::as_text(one),
        many => serde_json::to_string(many).unwrap_or_default(),
    }
}
