//! Which `<prefix>_` each managed server's database names start with, kept in the store from the
//! periodic scan of every server's schemas (`database_index::sync_all`, every 5 minutes, and once
//! when a server is registered). `account create` must refuse a prefix whose databases already
//! exist on the server (the new account would inherit them), and a `LIKE` on information_schema
//! reads every schema directory: 0.3 s at 100,000 schemas. A database made outside the panel
//! since the last scan is the one thing this cannot see; the users are still checked live.
use crate::managed::fleet::Server;
use crate::store::Store;
use std::collections::BTreeSet;
use types::error::AppError;

/// The server's schemas' prefixes (the text before the first `_`: prefixes have none).
pub fn of(schemas: &[String]) -> BTreeSet<&str> {
    schemas
        .iter()
        .filter_map(|schema| schema.split_once('_').map(|(prefix, _)| prefix))
        .collect()
}

/// Records what a full scan of the server's schemas saw; writes only when it changed.
pub async fn record(
    store: &Store,
    server: &str,
    prefixes: &BTreeSet<&str>,
) -> Result<(), AppError> {
    let known: Vec<String> =
        sqlx::query_scalar("SELECT prefix FROM server_prefixes WHERE server = ?")
            .bind(server)
            .fetch_all(store)
            .await?;
    if known.iter().map(String::as_str).collect::<BTreeSet<_>>() == *prefixes && !known.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM server_prefixes WHERE server = ?")
        .bind(server)
        .execute(&mut *tx)
        .await?;
    // An empty server still gets a row, so that "scanned, nothing there" differs from "never scanned".
    let rows: Vec<&str> = if prefixes.is_empty() {
        vec![""]
    } else {
        prefixes.iter().copied().collect()
    };
    for chunk in rows.chunks(500) {
        let values = vec!["(?, ?)"; chunk.len()].join(", ");
        let statement = format!("INSERT INTO server_prefixes (server, prefix) VALUES {values}");
        let mut insert = sqlx::query(&statement);
        for prefix in chunk {
            insert = insert.bind(server).bind(*prefix);
        }
        insert.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One full scan of the server's schemas, recorded (a newly registered server).
pub async fn scan(store: &Store, server: &Server) -> Result<(), AppError> {
    let schemas: Vec<String> =
        sqlx::query_scalar("SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA")
            .fetch_all(&server.pool)
            .await?;
    record(store, &server.name, &of(&schemas)).await
}

/// Whether the server's databases use `prefix`, as last scanned; `None`: never scanned.
pub async fn in_use(store: &Store, server: &str, prefix: &str) -> Result<Option<bool>, AppError> {
    // Two counts rather than a SUM: MySQL's SUM is a DECIMAL, which the store's Any driver lacks.
    let count = |statement: &'static str| {
        sqlx::query_scalar::<_, i64>(statement)
            .bind(server.to_owned())
            .bind(prefix.to_owned())
            .fetch_one(store)
    };
    let scanned =
        count("SELECT COUNT(*) FROM server_prefixes WHERE server = ? AND prefix <> ?").await?;
    let used =
        count("SELECT COUNT(*) FROM server_prefixes WHERE server = ? AND prefix = ?").await?;
    let scanned = scanned + used;
    Ok((scanned > 0).then_some(used > 0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_schema_belongs_to_the_text_before_its_first_underscore() {
        let schemas = [
            "acme_shop",
            "acme_app_x",
            "mysql",
            "ab_c",
            "performance_schema",
        ]
        .map(str::to_owned);
        assert_eq!(
            super::of(&schemas).into_iter().collect::<Vec<_>>(),
            ["ab", "acme", "performance"]
        );
    }
}
