//! The Tables tab's lists: the database's tables and views, and one table's structure — all read
//! as the account's identity, so information_schema shows nothing of other tenants.
use super::meta::{self, Table};
use super::session::TableSession;
use mysql_async::prelude::Queryable;
use types::error::AppError;
use types::tables::{
    ColumnInfo, ForeignKeyInfo, IndexInfo, TableList, TableStructure, TableSummary, TriggerInfo,
};

type TableRow = (
    String,
    String,
    Option<String>,
    Option<u64>,
    Option<u64>,
    Option<u64>,
    Option<String>,
    Option<String>,
);

pub async fn list(session: &mut TableSession) -> Result<TableList, AppError> {
    let rows: Vec<TableRow> = session
        .conn()
        .query(
            "SELECT TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH, TABLE_COLLATION, TABLE_COMMENT
             FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME",
        )
        .await
        .map_err(super::sql_failure)?;
    let tables = rows
        .into_iter()
        .map(
            |(name, kind, engine, rows, data, index, collation, comment)| {
                let view = kind.contains("VIEW");
                TableSummary {
                    name,
                    kind: if view { "view" } else { "table" }.to_owned(),
                    engine,
                    estimated_rows: if view { None } else { rows },
                    data_bytes: if view { None } else { data },
                    index_bytes: if view { None } else { index },
                    collation,
                    comment: if view {
                        String::new()
                    } else {
                        comment.unwrap_or_default()
                    },
                }
            },
        )
        .collect();
    Ok(TableList { tables })
}

pub async fn structure(
    session: &mut TableSession,
    table: &str,
) -> Result<TableStructure, AppError> {
    let table: Table = meta::read(session, table).await?;
    let name = table.name.as_str().to_owned();
    let conn = session.conn();
    let about: Option<(Option<String>, Option<String>, Option<String>)> = conn
        .exec_first(
            "SELECT ENGINE, TABLE_COLLATION, TABLE_COMMENT FROM information_schema.TABLES
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
            (&name,),
        )
        .await
        .map_err(super::sql_failure)?;
    let (engine, collation, comment) = about.unwrap_or_default();
    let index_rows: Vec<(String, u8, String, String)> = conn
        .exec(
            "SELECT INDEX_NAME, NON_UNIQUE, INDEX_TYPE, COLUMN_NAME FROM information_schema.STATISTICS
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
             ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX",
            (&name,),
        )
        .await
        .map_err(super::sql_failure)?;
    let mut indexes: Vec<IndexInfo> = Vec::new();
    for (index, non_unique, kind, column) in index_rows {
        match indexes.last_mut() {
            Some(last) if last.name == index => last.columns.push(column),
            _ => indexes.push(IndexInfo {
                name: index,
                unique: non_unique == 0,
                kind,
                columns: vec![column],
            }),
        }
    }
    let key_rows: Vec<(String, String, String, String, String, String)> = conn
        .exec(
            "SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,
                    r.UPDATE_RULE, r.DELETE_RULE
             FROM information_schema.KEY_COLUMN_USAGE k
             JOIN information_schema.REFERENTIAL_CONSTRAINTS r
               ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
              AND r.TABLE_NAME = k.TABLE_NAME
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
             ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
            (&name,),
        )
        .await
        .map_err(super::sql_failure)?;
    let mut foreign_keys: Vec<ForeignKeyInfo> = Vec::new();
    for (constraint, column, referenced_table, referenced_column, on_update, on_delete) in key_rows
    {
        match foreign_keys.last_mut() {
            Some(last) if last.name == constraint => {
                last.columns.push(column);
                last.referenced_columns.push(referenced_column);
            }
            _ => foreign_keys.push(ForeignKeyInfo {
                name: constraint,
                columns: vec![column],
                referenced_table,
                referenced_columns: vec![referenced_column],
                on_update,
                on_delete,
            }),
        }
    }
    let trigger_rows: Vec<(String, String, String, String)> = conn
        .exec(
            "SELECT TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT FROM information_schema.TRIGGERS
             WHERE EVENT_OBJECT_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = ? ORDER BY ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER",
            (&name,),
        )
        .await
        .map_err(super::sql_failure)?;
    let triggers = trigger_rows
        .into_iter()
        .map(|(name, timing, event, statement)| TriggerInfo {
            name,
            timing,
            event,
            statement,
        })
        .collect();
    let create: Option<mysql_async::Row> = conn
        .query_first(format!("SHOW CREATE TABLE {}", table.name.quoted()))
        .await
        .map_err(super::sql_failure)?;
    let create_sql = create
        .and_then(|mut row| row.take::<String, _>(1))
        .unwrap_or_default();
    let columns = table
        .columns
        .iter()
        .map(|c| ColumnInfo {
            name: c.name.clone(),
            column_type: c.column_type.clone(),
            data_type: c.data_type.clone(),
            nullable: c.nullable,
            default: c.default.clone(),
            extra: c.extra.clone(),
            comment: c.comment.clone(),
            key: c.key.clone(),
            values: enum_values(&c.data_type, &c.column_type),
        })
        .collect();
    Ok(TableStructure {
        name,
        kind: if table.is_view { "view" } else { "table" }.to_owned(),
        engine,
        collation,
        comment: if table.is_view {
            String::new()
        } else {
            comment.unwrap_or_default()
        },
        columns,
        indexes,
        foreign_keys,
        triggers,
        create_sql,
        key: table.key_names(),
        read_only_reason: table.read_only_reason(),
    })
}

/// The values of `enum('a','it''s')` / `set(…)`, unquoted.
fn enum_values(data_type: &str, column_type: &str) -> Vec<String> {
    if !matches!(data_type, "enum" | "set") {
        return Vec::new();
    }
    let Some(inner) = column_type.find('(').and_then(|start| {
        column_type
            .rfind(')')
            .map(|end| &column_type[start + 1..end])
    }) else {
        return Vec::new();
    };
    let mut values = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                other => value.push(other),
            }
        }
        values.push(value);
    }
    values
}

#[cfg(test)]
mod tests {
    #[test]
    fn enum_values_are_unquoted() {
        assert_eq!(
            super::enum_values("enum", "enum('a','it''s','b,c')"),
            ["a", "it's", "b,c"]
        );
        assert!(super::enum_values("int", "int(11)").is_empty());
    }
}
