//! Closing an account (`nobregas-panel account delete`). In this order, so that a failure at any
//! step leaves the data where it was and running the command again finishes the job:
//! 1. the account is marked closed: sign-in refuses it, and its key and sessions are deleted;
//! 2. its database users are locked and their connections ended, so the data stops changing;
//! 3. a final backup of every database is taken (as the account's identity, like every backup;
//!    not held to the account's backup quota) and kept `keep_days` days;
//! 4. its databases, database users and identity are dropped, and what the store knew of them
//!    (whitelist, schedules, the database index, sizes, withheld privileges) is deleted.
//!
//! The account's row stays until the period ends, holding the final backups and the prefix:
//! `purge_due` then deletes the backups' files and the account, and the prefix is free again.
use crate::domain::caller::{Actor, Caller};
use crate::domain::{secret, time};
use crate::managed::{admin_exec, sql};
use crate::services::audit::{self, Entry};
use crate::services::backups::{self, catalog, runner};
use crate::services::moves::{self, users};
use crate::services::queries::identity;
use crate::services::suspension;
use std::path::PathBuf;
use types::activity::Action;
use types::backups::{BackupKind, JobStatus};
use types::error::AppError;

/// How long final backups are kept when the operator does not say.
pub const DEFAULT_KEEP_DAYS: u32 = 30;

const DAY: i64 = 86_400;

/// What `close` leaves behind.
pub struct Closed {
    /// Each database and its final backup's file.
    pub backups: Vec<(String, PathBuf)>,
    /// When the backups go and the prefix is free (Unix time).
    pub purge_after: i64,
}

pub async fn close(
    ctx: &backups::Context,
    account_id: i64,
    keep_days: u32,
) -> Result<Closed, AppError> {
    close_by(ctx, account_id, keep_days, Actor::Cli).await
}

/// `close`, by an operator of the Admin area or the command line.
pub async fn close_by(
    ctx: &backups::Context,
    account_id: i64,
    keep_days: u32,
    by: Actor,
) -> Result<Closed, AppError> {
    let store = &ctx.store;
    let caller = suspension::operator(store, account_id, by).await?;
    let server = ctx.fleet.for_account(store, account_id).await?;
    let mysql = &server.pool;
    // 1. Nobody reaches the account through the panel any more.
    sqlx::query("UPDATE accounts SET closed_at = COALESCE(closed_at, ?) WHERE id = ?")
        .bind(time::now())
        .bind(account_id)
        .execute(store)
        .await?;
    for table in ["api_keys", "sessions"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE account_id = ?"))
            .bind(account_id)
            .execute(store)
            .await?;
    }
    // 2. Nor through MariaDB; the identity is unlocked (a suspended account's is locked): the
    // final backups run as it.
    let accounts = users::list(mysql, &caller.prefix).await?;
    users::set_locked(mysql, &caller.prefix, &accounts, true).await?;
    unlock_identity(mysql, &caller).await?;
    // 3. The final backups.
    let mut kept = Vec::new();
    for database in moves::databases_of(mysql, &caller.prefix).await? {
        let id = secret::random_base62(16);
        catalog::insert_backup(
            store,
            account_id,
            &id,
            database.as_str(),
            BackupKind::Manual,
            0,
        )
        .await?;
        runner::backup(
            ctx.clone(),
            caller.clone(),
            id.clone(),
            database.clone(),
            BackupKind::Manual,
        )
        .await;
        let backup = catalog::backup(store, account_id, &id).await?;
        match backup {
            Some(backup) if backup.status == JobStatus::Completed => kept.push((
                database.as_str().to_owned(),
                ctx.backups.backup_path(account_id, &id),
            )),
            other => {
                return Err(AppError::internal(format!(
                    "The final backup of {} failed ({}); nothing was dropped. Run account delete again once it can succeed.",
                    database.as_str(),
                    other
                        .and_then(|backup| backup.error)
                        .unwrap_or_else(|| "no outcome recorded".to_owned())
                )));
            }
        }
    }
    // 4. Everything of the account on its server, then in the store.
    moves::drop_account(&server, &caller.prefix, &accounts).await?;
    for table in [
        "whitelist",
        "backup_schedules",
        "account_databases",
        "database_sizes",
        "withheld_privileges",
        "query_identities",
        "query_history",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE account_id = ?"))
            .bind(account_id)
            .execute(store)
            .await?;
    }
    let purge_after = time::now() + i64::from(keep_days) * DAY;
    sqlx::query("UPDATE accounts SET purge_after = ? WHERE id = ?")
        .bind(purge_after)
        .bind(account_id)
        .execute(store)
        .await?;
    audit::record(
        store,
        Entry::by(&caller, Action::AccountClosed)
            .with("final_backups", kept.len().to_string())
            .with("kept_until", time::rfc3339(purge_after)),
    )
    .await;
    Ok(Closed {
        backups: kept,
        purge_after,
    })
}

async fn unlock_identity(mysql: &sqlx::MySqlPool, caller: &Caller) -> Result<(), AppError> {
    let name = identity::name(&caller.prefix);
    for host in identity::hosts(mysql, &caller.prefix).await? {
        admin_exec(
            mysql,
            &format!(
                "ALTER USER {} ACCOUNT UNLOCK",
                sql::account_raw(&name, &host)
            ),
        )
        .await?;
    }
    Ok(())
}

/// Deletes the closed accounts whose period ended (`now` is past their `purge_after`): their
/// final backups' files, then the account (its rows in the store go with it), which frees its
/// prefix and email. Answers how many.
pub async fn purge_due(ctx: &backups::Context, now: i64) -> Result<usize, AppError> {
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM accounts WHERE purge_after IS NOT NULL AND purge_after <= ? ORDER BY id",
    )
    .bind(now)
    .fetch_all(&ctx.store)
    .await?;
    for account_id in &due {
        match std::fs::remove_dir_all(ctx.backups.account_dir(*account_id)) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(AppError::internal(format!(
                    "Could not delete the final backups of closed account {account_id}: {err}"
                )));
            }
        }
        sqlx::query("DELETE FROM accounts WHERE id = ?")
            .bind(account_id)
            .execute(&ctx.store)
            .await?;
    }
    Ok(due.len())
}
