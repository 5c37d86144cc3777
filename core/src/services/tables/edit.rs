//! Changing rows: each addressed by its key, and only while it still holds the values the caller
//! saw (`WHERE key = ? AND col <=> old`), so a concurrent change answers 409 `row_changed`
//! instead of being overwritten. All values are bound parameters.
use super::browse::key_condition;
use super::meta::{Column, Table};
use super::session::TableSession;
use super::values;
use mysql_async::Value as MyValue;
use mysql_async::prelude::Queryable;
use serde_json::Value;
use types::error::{AppError, ErrorCode};
use types::tables::ident::quote;
use types::tables::{DeleteRows, InsertRow, RowRef, RowWritten, UpdateRow, Values};

/// The condition that `column` still holds `old`: NULL-safe and exact — text compared byte for
/// byte (a case-only change counts), floats at the column's own precision.
fn still_holds(column: &Column, old: &Value) -> Result<(String, Option<MyValue>), AppError> {
    let name = quote(&column.name);
    if old.is_null() {
        return Ok((format!("{name} IS NULL"), None));
    }
    let param = values::param(column, old)?;
    let condition = if column.is_text() {
        format!(
            "CONVERT({name} USING utf8mb4) COLLATE utf8mb4_nopad_bin = CONVERT(? USING utf8mb4) COLLATE utf8mb4_nopad_bin"
        )
    } else if column.data_type == "float" {
        format!("{name} = CAST(? AS FLOAT)")
    } else {
        format!("{name} = ?")
    };
    Ok((condition, Some(param)))
}

/// `WHERE key … AND old …` with its parameters.
fn addressed(
    table: &Table,
    key: &Values,
    old: &Values,
) -> Result<(String, Vec<MyValue>), AppError> {
    let mut select = key_condition(table);
    let names = table.key_names();
    if key.len() != names.len() || names.iter().any(|n| !key.contains_key(n)) {
        return Err(AppError::validation(format!(
            "key must name exactly the key columns: {}.",
            names.join(", ")
        )));
    }
    for name in &names {
        let (_, column) = table.column(name)?;
        let value = &key[name];
        if value.is_null() {
            return Err(AppError::validation(format!(
                "key column {name} cannot be null."
            )));
        }
        select.params.push(values::param(column, value)?);
    }
    for (name, value) in old {
        let (_, column) = table.column(name)?;
        let (condition, param) = still_holds(column, value)?;
        select.conditions.push(condition);
        select.params.extend(param);
    }
    Ok((select.where_clause(), select.params))
}

fn row_changed(table: &Table) -> AppError {
    AppError::new(
        ErrorCode::RowChanged,
        format!(
            "The row was changed or deleted in {} since you loaded it; nothing was written. Reload to see its current values.",
            table.name.as_str()
        ),
    )
}

/// `SET a = ?, b = ?` (generated columns refused: the server computes them).
fn assignments(table: &Table, set: &Values) -> Result<(String, Vec<MyValue>), AppError> {
    if set.is_empty() {
        return Err(AppError::validation("set names no column to change."));
    }
    let mut parts = Vec::new();
    let mut params = Vec::new();
    for (name, value) in set {
        let (_, column) = table.column(name)?;
        if column.is_generated() {
            return Err(AppError::validation(format!(
                "{name} is a generated column: MariaDB computes its value."
            )));
        }
        parts.push(format!("{} = ?", quote(name)));
        params.push(values::param(column, value)?);
    }
    Ok((parts.join(", "), params))
}

/// `PATCH …/rows`.
pub async fn update(
    session: &mut TableSession,
    table: &Table,
    request: &UpdateRow,
) -> Result<RowWritten, AppError> {
    table.writable()?;
    let (set, mut params) = assignments(table, &request.set)?;
    let (condition, where_params) = addressed(table, &request.key, &request.old)?;
    params.extend(where_params);
    let conn = session.conn();
    conn.exec_drop(
        format!("UPDATE {} SET {set}{condition}", table.name.quoted()),
        params,
    )
    .await
    .map_err(super::sql_failure)?;
    // "Rows matched" counts a row set to the values it already held; affected rows would not.
    if matched(&conn.info(), conn.affected_rows()) == 0 {
        return Err(row_changed(table));
    }
    let mut key = request.key.clone();
    for name in table.key_names() {
        if let Some(value) = request.set.get(&name) {
            key.insert(name, value.clone());
        }
    }
    read_back(session, table, key).await
}

/// The `Rows matched: N` of an UPDATE's info, else its affected rows.
fn matched(info: &str, affected: u64) -> u64 {
    info.strip_prefix("Rows matched:")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(affected)
}

/// `POST …/rows`: insert, then read the row back by its key (an auto-increment key from
/// `LAST_INSERT_ID()`).
pub async fn insert(
    session: &mut TableSession,
    table: &Table,
    request: &InsertRow,
) -> Result<RowWritten, AppError> {
    table.writable()?;
    let mut names = Vec::new();
    let mut params = Vec::new();
    for (name, value) in &request.values {
        let (_, column) = table.column(name)?;
        if column.is_generated() {
            return Err(AppError::validation(format!(
                "{name} is a generated column: MariaDB computes its value."
            )));
        }
        names.push(quote(name));
        params.push(values::param(column, value)?);
    }
    let sql = if names.is_empty() {
        format!("INSERT INTO {} () VALUES ()", table.name.quoted())
    } else {
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            table.name.quoted(),
            names.join(", "),
            vec!["?"; names.len()].join(", ")
        )
    };
    let conn = session.conn();
    conn.exec_drop(sql, params)
        .await
        .map_err(super::sql_failure)?;
    let last_id = conn.last_insert_id();
    let mut key = Values::new();
    for &i in &table.key {
        let column = &table.columns[i];
        let value = match (request.values.get(&column.name), last_id) {
            (Some(value), _) if !(column.is_auto_increment() && is_zero_or_null(value)) => {
                value.clone()
            }
            (_, Some(id)) if column.is_auto_increment() => Value::from(id),
            _ => {
                return Err(AppError::validation(format!(
                    "The row was inserted, but its key column {} was not given and is not AUTO_INCREMENT.",
                    column.name
                )));
            }
        };
        key.insert(column.name.clone(), value);
    }
    read_back(session, table, key).await
}

fn is_zero_or_null(value: &Value) -> bool {
    value.is_null() || value.as_u64() == Some(0)
}

/// `DELETE …/rows`: every row or none (on tables with transactions).
pub async fn delete(
    session: &mut TableSession,
    table: &Table,
    request: &DeleteRows,
) -> Result<u64, AppError> {
    table.writable()?;
    if request.rows.is_empty() || request.rows.len() > types::tables::MAX_DELETE_ROWS {
        return Err(AppError::validation(format!(
            "rows names 1 to {} rows to delete.",
            types::tables::MAX_DELETE_ROWS
        )));
    }
    let conn = session.conn();
    conn.query_drop("START TRANSACTION")
        .await
        .map_err(super::sql_failure)?;
    let mut deleted = 0;
    for RowRef { key, old } in &request.rows {
        let outcome = async {
            let (condition, params) = addressed(table, key, old)?;
            conn.exec_drop(
                format!("DELETE FROM {}{condition}", table.name.quoted()),
                params,
            )
            .await
            .map_err(super::sql_failure)?;
            Ok::<_, AppError>(conn.affected_rows())
        }
        .await;
        match outcome {
            Ok(1) => deleted += 1,
            Ok(_) => {
                let _ = conn.query_drop("ROLLBACK").await;
                return Err(row_changed(table));
            }
            Err(err) => {
                let _ = conn.query_drop("ROLLBACK").await;
                return Err(err);
            }
        }
    }
    conn.query_drop("COMMIT")
        .await
        .map_err(super::sql_failure)?;
    Ok(deleted)
}

/// The row as stored now, by its key.
async fn read_back(
    session: &mut TableSession,
    table: &Table,
    key: Values,
) -> Result<RowWritten, AppError> {
    let (condition, params) = addressed(table, &key, &Values::new())?;
    let row: Option<mysql_async::Row> = session
        .conn()
        .exec_first(
            format!(
                "SELECT {} FROM {}{condition}",
                table.select_list(),
                table.name.quoted()
            ),
            params,
        )
        .await
        .map_err(super::sql_failure)?;
    let mut stored = Values::new();
    if let Some(row) = row {
        let columns = row.columns();
        let json = values::row_json(&row, &values::shapes(&columns));
        for (column, value) in columns.iter().zip(json) {
            stored.insert(column.name_str().into_owned(), value);
        }
    }
    Ok(RowWritten { key, row: stored })
}

#[cfg(test)]
mod tests {
    use super::matched;

    #[test]
    fn an_update_counts_the_rows_it_matched() {
        assert_eq!(matched("Rows matched: 1  Changed: 0  Warnings: 0", 0), 1);
        assert_eq!(matched("", 0), 0);
    }
}
