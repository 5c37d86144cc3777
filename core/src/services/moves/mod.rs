//! Moving an account to another managed server (`nobregas-panel account move`, and `server
//! drain`, which moves every account off a server one at a time).
//!
//! The order keeps the source authoritative until one atomic switch in the store:
//! 1. the account is marked moving (the API answers 423 `account_moving` to changes, on every
//!    panel instance: they read the mark from the store);
//! 2. what an earlier failed attempt left on the target is removed;
//! 3. the account's database users are locked on the source and their sessions ended;
//! 4. users (same password hash, grants, every host — whitelist hosts included) are created on
//!    the target, still locked; each database is copied (`copy`) and checked (`check`);
//! 5. the store's placement switches to the target and the mark goes, in one statement;
//! 6. the users are unlocked on the target and the source is dropped (`--keep-source`: kept,
//!    its users left locked so that nothing writes to the stale copy).
//!
//! A failure before 5 unlocks the source, removes what reached the target (when it answers; the
//! next attempt removes the rest first) and clears the mark: the account works as before.
mod check;
mod copy;
pub mod users;

use crate::domain::caller::{Actor, Caller};
use crate::domain::time;
use crate::managed::fleet::{Fleet, Server};
use crate::managed::{admin_exec, sql};
use crate::services::audit::{self, Entry};
use crate::services::backups::dump::Progress;
use crate::services::queries::{Queries, identity};
use crate::store::Store;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use types::activity::Action;
use types::error::AppError;
use types::names::DatabaseName;
use types::validate::Prefix;

/// What a move works with.
pub struct Context {
    pub store: Store,
    pub fleet: Arc<Fleet>,
    pub queries: Arc<Queries>,
}

/// What a finished move reports.
#[derive(Debug)]
pub struct Moved {
    pub from: String,
    pub to: String,
    pub databases: usize,
    pub tables: usize,
    /// Bytes of dump text copied.
    pub bytes: u64,
    /// How long the account's database users could not log in.
    pub locked: Duration,
}

/// The account `account_id` to the server named `to`. `report` receives progress lines.
pub async fn move_account(
    ctx: &Context,
    account_id: i64,
    to: &str,
    keep_source: bool,
    report: &(dyn Fn(String) + Sync),
) -> Result<Moved, AppError> {
    let (prefix, source_id): (String, Option<i64>) =
        sqlx::query_as("SELECT prefix, server_id FROM accounts WHERE id = ?")
            .bind(account_id)
            .fetch_optional(&ctx.store)
            .await?
            .ok_or_else(|| AppError::not_found("No such account."))?;
    let prefix = Prefix::parse(&prefix)?;
    let source = ctx.fleet.server(&ctx.store, source_id).await?;
    let target = ctx.fleet.named(&ctx.store, to).await?;
    if target.id == source.id {
        return Err(AppError::conflict(format!(
            "The account already lives on {to}."
        )));
    }
    if ctx.fleet.is_draining(&ctx.store, &target).await? {
        return Err(AppError::conflict(format!(
            "{to} is draining: it takes no accounts."
        )));
    }
    let caller = Caller {
        actor: Actor::Cli,
        // A suspended account moves with its users locked, and stays so on either server.
        suspended: crate::services::accounts::suspension_reason(&ctx.store, account_id)
            .await?
            .is_some(),
        ..Caller::system(account_id, prefix.clone())
    };
    mark_moving(&ctx.store, account_id, true).await?;
    audit::record(
        &ctx.store,
        Entry::by(&caller, Action::AccountMoveStarted)
            .with("from", source.name.clone())
            .with("to", target.name.clone()),
    )
    .await;
    let locked_users = users::list(&source.pool, &prefix).await;
    let outcome = match locked_users {
        Ok(accounts) => {
            let attempt =
                copy_and_switch(ctx, (&source, &target), &caller, &accounts, report).await;
            if attempt.is_err() {
                undo((&source, &target), &caller, &accounts).await;
            }
            attempt.map(|moved| (moved, accounts))
        }
        Err(err) => Err(err),
    };
    let (mut moved, accounts) = match outcome {
        Ok(done) => done,
        Err(err) => {
            let _ = mark_moving(&ctx.store, account_id, false).await;
            audit::record(
                &ctx.store,
                Entry::by(&caller, Action::AccountMoveFailed)
                    .with("to", target.name.clone())
                    .with("reason", err.message.clone()),
            )
            .await;
            return Err(err);
        }
    };
    // The account lives on the target now: what is left is tidying, which a failure must not undo.
    let unlocked_at = Instant::now();
    if !caller.suspended
        && let Err(err) = users::set_locked(&target.pool, &prefix, &accounts, false).await
    {
        report(format!(
            "warning: could not unlock the users on {to}: {err}"
        ));
    }
    moved.locked += unlocked_at.elapsed();
    if !keep_source && let Err(err) = drop_account(&source, &prefix, &accounts).await {
        report(format!(
            "warning: the copy on {} could not be removed completely: {err}",
            source.name
        ));
    }
    audit::record(
        &ctx.store,
        Entry::by(&caller, Action::AccountMoved)
            .with("from", moved.from.clone())
            .with("to", moved.to.clone())
            .with("databases", moved.databases.to_string())
            .with("bytes", moved.bytes.to_string())
            .with("locked_ms", moved.locked.as_millis().to_string()),
    )
    .await;
    Ok(moved)
}

/// Steps 2 to 5; the users stay locked on both sides.
async fn copy_and_switch(
    ctx: &Context,
    (source, target): (&Server, &Server),
    caller: &Caller,
    accounts: &[users::DbAccount],
    report: &(dyn Fn(String) + Sync),
) -> Result<Moved, AppError> {
    let prefix = &caller.prefix;
    busy_jobs(&ctx.store, caller.account_id).await?;
    drop_account(target, prefix, &users::list(&target.pool, prefix).await?).await?;
    let databases = databases_of(&source.pool, prefix).await?;
    let estimate = bytes_of(&source.pool, prefix).await?;
    users::set_locked(&source.pool, prefix, accounts, true).await?;
    // The identity's own sessions (a query started before the mark) end too.
    crate::managed::processlist::kill(
        &source.pool,
        identity::sessions(&source.pool, prefix).await?,
    )
    .await?;
    let locked_at = Instant::now();
    users::create(
        &target.pool,
        &users::definitions(&source.pool, accounts).await?,
    )
    .await?;
    report(format!(
        "{} database(s), about {} of data, {} database user account(s)",
        databases.len(),
        types::model::human_size(estimate),
        accounts.len()
    ));
    let started = Instant::now();
    let (mut bytes, mut tables) = (0u64, 0usize);
    for (done, database) in databases.iter().enumerate() {
        let progress = Arc::new(Progress::default());
        let copying = copy::database(ctx, (source, target), caller, database, &progress);
        tokio::pin!(copying);
        let mut every = tokio::time::interval(Duration::from_secs(2));
        let copied = loop {
            tokio::select! {
                copied = &mut copying => break copied,
                _ = every.tick() => report(progress_line(
                    database,
                    (done, databases.len()),
                    bytes + progress.bytes.load(Ordering::Relaxed),
                    estimate,
                    started.elapsed(),
                )),
            }
        };
        copied?;
        bytes += progress.bytes.load(Ordering::Relaxed);
        let (on_source, copy) = (
            check::measure(&source.pool, database).await?,
            check::measure(&target.pool, database).await?,
        );
        if let Some(difference) = check::difference(&on_source, &copy) {
            return Err(AppError::internal(format!(
                "{} did not copy exactly: {difference}",
                database.as_str()
            )));
        }
        tables += copy.len();
        report(format!(
            "{}: {} table(s) copied and checked (rows and CHECKSUM TABLE equal)",
            database.as_str(),
            copy.len()
        ));
    }
    switch(&ctx.store, caller.account_id, source.id, target.id).await?;
    Ok(Moved {
        from: source.name.clone(),
        to: target.name.clone(),
        databases: databases.len(),
        tables,
        bytes,
        locked: locked_at.elapsed(),
    })
}

fn progress_line(
    database: &DatabaseName,
    (done, total): (usize, usize),
    bytes: u64,
    estimate: u64,
    elapsed: Duration,
) -> String {
    let rate = bytes as f64 / elapsed.as_secs_f64().max(0.001);
    let eta = if rate > 0.0 && estimate > bytes {
        format!("{:.0} s", (estimate - bytes) as f64 / rate)
    } else {
        "-".to_owned()
    };
    format!(
        "copying {} ({}/{} databases): {} of about {}, ETA {eta}",
        database.as_str(),
        done + 1,
        total,
        types::model::human_size(bytes),
        types::model::human_size(estimate)
    )
}

/// The account's placement switches, and its mark goes, in one statement: every panel instance
/// reads the placement from the store, so all of them use the target from here on.
async fn switch(
    store: &Store,
    account_id: i64,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<(), AppError> {
    let switched = sqlx::query(
        "UPDATE accounts SET server_id = ?, moving_since = NULL
         WHERE id = ? AND moving_since IS NOT NULL AND (server_id = ? OR (server_id IS NULL AND ? IS NULL))",
    )
    .bind(to)
    .bind(account_id)
    .bind(from)
    .bind(from)
    .execute(store)
    .await?;
    if switched.rows_affected() != 1 {
        return Err(AppError::conflict(
            "The account's placement changed while it was being copied; nothing was switched.",
        ));
    }
    Ok(())
}

/// A failed attempt: the source works again, the target holds nothing of the account (if it
/// answers; otherwise the next attempt removes it first).
async fn undo(
    (source, target): (&Server, &Server),
    caller: &Caller,
    accounts: &[users::DbAccount],
) {
    if !caller.suspended
        && let Err(err) = users::set_locked(&source.pool, &caller.prefix, accounts, false).await
    {
        tracing::error!(error = %err, "could not unlock the account's users on the source after a failed move");
    }
    match users::list(&target.pool, &caller.prefix).await {
        Ok(copied) => {
            if let Err(err) = drop_account(target, &caller.prefix, &copied).await {
                tracing::warn!(error = %err, "could not remove a failed move's copy from the target");
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, "the target does not answer; the next attempt cleans it")
        }
    }
}

/// Everything of the account on `server`: databases, users, identity.
pub async fn drop_account(
    server: &Server,
    prefix: &Prefix,
    accounts: &[users::DbAccount],
) -> Result<(), AppError> {
    users::drop_all(&server.pool, prefix, accounts).await?;
    crate::managed::processlist::kill(
        &server.pool,
        identity::sessions(&server.pool, prefix).await?,
    )
    .await?;
    for database in databases_of(&server.pool, prefix).await? {
        admin_exec(
            &server.pool,
            &format!(
                "DROP DATABASE IF EXISTS {}",
                sql::quote_identifier(database.as_str())
            ),
        )
        .await?;
    }
    identity::drop_all(server, prefix).await
}

pub async fn databases_of(
    mysql: &sqlx::MySqlPool,
    prefix: &Prefix,
) -> Result<Vec<DatabaseName>, AppError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA
         WHERE SCHEMA_NAME LIKE ? ESCAPE '!' ORDER BY SCHEMA_NAME",
    )
    .bind(sql::like_starts_with(&format!("{}_", prefix.as_str())))
    .fetch_all(mysql)
    .await?;
    names
        .iter()
        .map(|name| DatabaseName::parse(name, prefix))
        .collect()
}

/// Data and index bytes of the account's databases, for the ETA.
async fn bytes_of(mysql: &sqlx::MySqlPool, prefix: &Prefix) -> Result<u64, AppError> {
    let bytes: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(DATA_LENGTH + INDEX_LENGTH) AS SIGNED) FROM information_schema.TABLES
         WHERE TABLE_SCHEMA LIKE ? ESCAPE '!'",
    )
    .bind(sql::like_starts_with(&format!("{}_", prefix.as_str())))
    .fetch_one(mysql)
    .await?;
    Ok(bytes.unwrap_or(0).max(0) as u64)
}

/// A restore or import still running would write to the source behind the copy's back.
async fn busy_jobs(store: &Store, account_id: i64) -> Result<(), AppError> {
    let running: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM backup_jobs WHERE account_id = ? AND status IN ('queued', 'running'))
              + (SELECT COUNT(*) FROM backups WHERE account_id = ? AND status IN ('queued', 'running'))",
    )
    .bind(account_id)
    .bind(account_id)
    .fetch_one(store)
    .await?;
    if running > 0 {
        return Err(AppError::conflict(
            "A backup, restore or import of the account is running; move it once that has finished.",
        ));
    }
    Ok(())
}

/// Sets or clears the account's moving mark.
async fn mark_moving(store: &Store, account_id: i64, moving: bool) -> Result<(), AppError> {
    sqlx::query("UPDATE accounts SET moving_since = ? WHERE id = ?")
        .bind(moving.then(time::now))
        .bind(account_id)
        .execute(store)
        .await?;
    Ok(())
}

/// Whether the account is being moved (changes answer 423 meanwhile).
pub async fn is_moving(store: &Store, account_id: i64) -> Result<bool, AppError> {
    let since: Option<Option<i64>> =
        sqlx::query_scalar("SELECT moving_since FROM accounts WHERE id = ?")
            .bind(account_id)
            .fetch_optional(store)
            .await?;
    Ok(since.flatten().is_some())
}

/// The refusal changes get while the account moves.
pub fn moving_refusal() -> AppError {
    AppError::new(
        types::error::ErrorCode::AccountMoving,
        "Your account is being moved to another database server. Changes are paused until the move \
         has finished (usually a few minutes); reading works meanwhile.",
    )
}
