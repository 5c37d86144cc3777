//! A copied database is compared with its source, table by table: the row count and
//! `CHECKSUM TABLE` must agree (both read by the admins; nobody writes while the account moves).
use crate::managed::sql;
use sqlx::MySqlPool;
use types::error::AppError;
use types::names::DatabaseName;

/// One table as a server has it.
#[derive(Debug, PartialEq, Eq)]
pub struct Measured {
    pub table: String,
    pub rows: i64,
    pub checksum: Option<i64>,
}

/// The database's base tables (views have no rows of their own), each counted and summed.
pub async fn measure(
    mysql: &MySqlPool,
    database: &DatabaseName,
) -> Result<Vec<Measured>, AppError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    )
    .bind(database.as_str())
    .fetch_all(mysql)
    .await?;
    let mut measured = Vec::with_capacity(tables.len());
    for table in tables {
        let name = format!(
            "{}.{}",
            sql::quote_identifier(database.as_str()),
            sql::quote_identifier(&table)
        );
        let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {name}"))
            .fetch_one(mysql)
            .await?;
        let (_, checksum): (String, Option<i64>) =
            sqlx::query_as(&format!("CHECKSUM TABLE {name}"))
                .fetch_one(mysql)
                .await?;
        measured.push(Measured {
            table,
            rows,
            checksum,
        });
    }
    Ok(measured)
}

/// The first difference between the source's tables and the copy's, in words.
pub fn difference(source: &[Measured], copy: &[Measured]) -> Option<String> {
    for table in source {
        match copy.iter().find(|t| t.table == table.table) {
            None => return Some(format!("table {} is missing from the copy", table.table)),
            Some(copied) if copied != table => {
                return Some(format!(
                    "table {}: {} rows (checksum {:?}) on the source, {} rows (checksum {:?}) in the copy",
                    table.table, table.rows, table.checksum, copied.rows, copied.checksum
                ));
            }
            Some(_) => {}
        }
    }
    (copy.len() != source.len()).then(|| "the copy has tables the source does not".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, rows: i64, checksum: i64) -> Measured {
        Measured {
            table: name.into(),
            rows,
            checksum: Some(checksum),
        }
    }

    #[test]
    fn any_difference_in_rows_or_checksum_is_named() {
        let source = vec![table("a", 3, 1), table("b", 5, 2)];
        assert_eq!(
            difference(&source, &[table("a", 3, 1), table("b", 5, 2)]),
            None
        );
        for copy in [
            vec![table("a", 3, 1)],
            vec![table("a", 3, 1), table("b", 4, 2)],
            vec![table("a", 3, 1), table("b", 5, 9)],
            vec![table("a", 3, 1), table("b", 5, 2), table("c", 0, 0)],
        ] {
            assert!(difference(&source, &copy).is_some(), "{copy:?}");
        }
    }
}
