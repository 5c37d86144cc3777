//! The account's databases on the managed server, read from information_schema.
use crate::managed::sql;
use app::error::AppError;
use app::model::Database;
use app::validate::Prefix;
use sqlx::MySqlPool;
use std::collections::HashMap;

pub async fn list(mysql: &MySqlPool, prefix: &Prefix) -> Result<Vec<Database>, AppError> {
    // `_` is a LIKE wildcard: the pattern escapes it, or prefix `ab` would also list `abc_x`.
    let pattern = sql::like_starts_with(&format!("{}_", prefix.as_str()));
    let schemas: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME
         FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ESCAPE '!' ORDER BY SCHEMA_NAME",
    )
    .bind(&pattern)
    .fetch_all(mysql)
    .await?;
    if schemas.is_empty() {
        return Ok(Vec::new());
    }
    let stats: HashMap<String, (i64, u64)> = sqlx::query_as::<_, (String, i64, u64)>(
        "SELECT TABLE_SCHEMA, COUNT(*), CAST(COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS UNSIGNED)
         FROM information_schema.TABLES
         WHERE TABLE_SCHEMA LIKE ? ESCAPE '!' AND TABLE_TYPE = 'BASE TABLE' GROUP BY TABLE_SCHEMA",
    )
    .bind(&pattern)
    .fetch_all(mysql)
    .await?
    .into_iter()
    .map(|(schema, tables, size)| (schema, (tables, size)))
    .collect();
    Ok(schemas
        .into_iter()
        .map(|(name, charset, collation)| {
            let (tables, size_bytes) = stats.get(&name).copied().unwrap_or((0, 0));
            Database { name, size_bytes, tables: tables as u64, charset, collation }
        })
        .collect())
}
