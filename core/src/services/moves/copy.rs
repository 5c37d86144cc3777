//! One database from the source server to the target: `mariadb-dump` as the account's identity on
//! the source (one consistent snapshot; routines, triggers, views, events, binary columns as hex)
//! streams straight into the panel's own statement reader, and each statement runs as the
//! identity on the target — the same reader that restores backups, so a dump's text is data,
//! never handed to a client, and definers become the identity.
use super::Context;
use crate::domain::caller::Caller;
use crate::managed::fleet::Server;
use crate::managed::{admin_exec, sql};
use crate::services::backups::{client, dump, load, runner};
use crate::services::queries::identity;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;
use types::error::AppError;
use types::names::DatabaseName;

/// A copy may run for hours on a large database.
const SESSION_LIMIT: Duration = Duration::from_secs(12 * 3600);

/// Creates `database` on the target with the source's character set and collation, then copies
/// its content. `progress.bytes` counts the dump's text as it streams.
pub async fn database(
    ctx: &Context,
    (source, target): (&Server, &Server),
    caller: &Caller,
    database: &DatabaseName,
    progress: &Arc<dump::Progress>,
) -> Result<(), AppError> {
    let tool = client::dump_tool().ok_or_else(|| {
        AppError::unavailable(
            "Neither mariadb-dump nor mysqldump is installed on the panel's machine.",
        )
    })?;
    let (charset, collation): (String, String) = sqlx::query_as(
        "SELECT CAST(DEFAULT_CHARACTER_SET_NAME AS CHAR), CAST(DEFAULT_COLLATION_NAME AS CHAR)
         FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
    )
    .bind(database.as_str())
    .fetch_one(&source.pool)
    .await?;
    admin_exec(
        &target.pool,
        &format!(
            "CREATE DATABASE {} CHARACTER SET {} COLLATE {}",
            sql::quote_identifier(database.as_str()),
            sql::quote_identifier(&charset),
            sql::quote_identifier(&collation)
        ),
    )
    .await?;
    // A session on each side first: it (re)creates the identity where it is missing.
    let checked = identity::connect(
        &ctx.queries,
        source,
        &ctx.store,
        caller,
        database,
        SESSION_LIMIT,
    )
    .await?;
    let _ = checked.disconnect().await;
    let mut conn = identity::connect(
        &ctx.queries,
        target,
        &ctx.store,
        caller,
        database,
        SESSION_LIMIT,
    )
    .await?;
    let statement_bytes = runner::statement_limit(&mut conn).await.map_err(|err| {
        AppError::unavailable(format!("Reading the target's limits failed: {err}"))
    })?;
    let login = identity::login(&ctx.queries, source, &ctx.store, caller).await?;
    let mut child = dump::spawn(&tool, &login, database.as_str(), false)
        .map_err(|err| AppError::internal(format!("Could not start mariadb-dump: {err}")))?;
    let stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let stderr = tokio::task::spawn_blocking(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let (mut statements, reader) = load::read_stream(stdout, statement_bytes, progress.clone());
    let loaded = load::execute(&mut conn, &mut statements).await;
    drop(statements);
    let _ = conn.disconnect().await;
    if loaded.is_err() {
        let _ = child.kill();
    }
    let _ = reader.await;
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("waiting for mariadb-dump");
    let said = stderr.await.unwrap_or_default();
    if let Err(failure) = loaded {
        let line = failure
            .line
            .map(|line| format!(" (line {line})"))
            .unwrap_or_default();
        return Err(AppError::unavailable(format!(
            "Copying {} into the target failed{line}: {}",
            database.as_str(),
            failure.message
        )));
    }
    match status {
        Ok(status) if status.success() => Ok(()),
        _ => Err(AppError::unavailable(format!(
            "mariadb-dump of {} on the source failed: {}",
            database.as_str(),
            client::tail(&said)
        ))),
    }
}
