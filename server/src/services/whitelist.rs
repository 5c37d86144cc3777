//! The IP whitelist: hosts from which the account's database users may connect. MariaDB enforces
//! it: every user exists at 'localhost' and at each active host, with the same password and grants.
use crate::auth::Caller;
use crate::domain::time;
use crate::services::db_users;
use app::error::AppError;
use app::host::{HostPattern, parse_note};
use app::model::{NewWhitelistEntry, WhitelistEntry};
use sqlx::{MySqlPool, SqlitePool};

pub const MAX_ENTRIES: i64 = 100;

type Row = (i64, String, String, i64);

fn entry((id, host, note, created_at): Row) -> WhitelistEntry {
    WhitelistEntry { id, host, note, created_at: time::rfc3339(created_at) }
}

pub async fn list(store: &SqlitePool, caller: &Caller) -> Result<Vec<WhitelistEntry>, AppError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, host, note, created_at FROM whitelist WHERE account_id = ? AND state = 'active' ORDER BY id",
    )
    .bind(caller.account_id)
    .fetch_all(store)
    .await?;
    Ok(rows.into_iter().map(entry).collect())
}

/// MySQL host spellings of the account's active entries.
pub async fn active_hosts(store: &SqlitePool, account_id: i64) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar("SELECT mysql_host FROM whitelist WHERE account_id = ? AND state = 'active' ORDER BY id")
        .bind(account_id)
        .fetch_all(store)
        .await?)
}

/// Records the entry as 'adding', creates the host's account for every user, then marks it active.
/// Retrying after a failure re-applies (every step is idempotent).
pub async fn add(
    store: &SqlitePool,
    mysql: &MySqlPool,
    caller: &Caller,
    request: &NewWhitelistEntry,
) -> Result<WhitelistEntry, AppError> {
    let pattern = HostPattern::parse(&request.host)?;
    let note = parse_note(request.note.as_deref())?;
    let mysql_host = pattern.mysql_host();
    let existing: Option<(i64, String)> =
        sqlx::query_as("SELECT id, state FROM whitelist WHERE account_id = ? AND mysql_host = ?")
            .bind(caller.account_id)
            .bind(&mysql_host)
            .fetch_optional(store)
            .await?;
    let id = match existing {
        Some((_, state)) if state == "active" => {
            return Err(AppError::conflict(format!("{} is already on the whitelist.", request.host.trim())));
        }
        Some((id, _)) => {
            sqlx::query("UPDATE whitelist SET state = 'adding', note = ?, host = ? WHERE id = ?")
                .bind(&note)
                .bind(request.host.trim())
                .bind(id)
                .execute(store)
                .await?;
            id
        }
        None => insert(store, caller, request.host.trim(), &mysql_host, &note).await?,
    };
    for user in db_users::names(mysql, caller).await? {
        db_users::sync_host(mysql, &user, &mysql_host).await?;
    }
    let row: Row = sqlx::query_as(
        "UPDATE whitelist SET state = 'active' WHERE id = ? RETURNING id, host, note, created_at",
    )
    .bind(id)
    .fetch_one(store)
    .await?;
    Ok(entry(row))
}

async fn insert(store: &SqlitePool, caller: &Caller, host: &str, mysql_host: &str, note: &str) -> Result<i64, AppError> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM whitelist WHERE account_id = ?")
        .bind(caller.account_id)
        .fetch_one(store)
        .await?;
    if count >= MAX_ENTRIES {
        return Err(AppError::validation(format!("The whitelist holds at most {MAX_ENTRIES} entries; remove one first.")));
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO whitelist (account_id, host, mysql_host, note, state, created_at)
         VALUES (?, ?, ?, ?, 'adding', ?) RETURNING id",
    )
    .bind(caller.account_id)
    .bind(host)
    .bind(mysql_host)
    .bind(note)
    .bind(time::now())
    .fetch_one(store)
    .await?)
}

/// Marks the entry 'removing' (it stops being reported at once), drops the host's accounts, then
/// deletes the row. Another account's id, or an unknown one, is 404.
pub async fn remove(store: &SqlitePool, mysql: &MySqlPool, caller: &Caller, id: i64) -> Result<(), AppError> {
    let mysql_host: Option<String> = sqlx::query_scalar(
        "UPDATE whitelist SET state = 'removing' WHERE id = ? AND account_id = ? RETURNING mysql_host",
    )
    .bind(id)
    .bind(caller.account_id)
    .fetch_optional(store)
    .await?;
    let mysql_host = mysql_host.ok_or_else(|| AppError::not_found(format!("No whitelist entry {id} in your account.")))?;
    finish_removal(store, mysql, caller, id, &mysql_host).await
}

async fn finish_removal(store: &SqlitePool, mysql: &MySqlPool, caller: &Caller, id: i64, host: &str) -> Result<(), AppError> {
    for user in db_users::names(mysql, caller).await? {
        db_users::drop_host(mysql, &user, host).await?;
    }
    sqlx::query("DELETE FROM whitelist WHERE id = ?").bind(id).execute(store).await?;
    Ok(())
}

/// Brings MySQL in line with every account's list: finishes interrupted additions and removals and
/// makes sure every user exists at every active host with the same password and grants.
pub async fn reconcile(store: &SqlitePool, mysql: &MySqlPool) -> Result<(), AppError> {
    let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
        "SELECT w.id, w.account_id, a.prefix, w.mysql_host, w.state FROM whitelist w JOIN accounts a ON a.id = w.account_id",
    )
    .fetch_all(store)
    .await?;
    for (id, account_id, prefix, host, state) in rows {
        let caller = Caller::system(account_id, app::validate::Prefix::parse(&prefix)?);
        if state == "removing" {
            finish_removal(store, mysql, &caller, id, &host).await?;
            continue;
        }
        for user in db_users::names(mysql, &caller).await? {
            db_users::sync_host(mysql, &user, &host).await?;
        }
        sqlx::query("UPDATE whitelist SET state = 'active' WHERE id = ?").bind(id).execute(store).await?;
    }
    Ok(())
}
