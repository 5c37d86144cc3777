//! Suspending an account (`nobregas-panel account suspend --reason`) and resuming it. Suspended:
//! every MySQL user of the account — its database users at every host and its query identity —
//! is `ACCOUNT LOCK`ed with its open connections ended, scheduled backups skip it, and its key
//! and sessions get 403 `account_suspended` for everything but reading why, the audit log and
//! existing backups (`auth::api_limit`). Resuming unlocks exactly those users. No database,
//! grant or row is touched either way.
use crate::domain::caller::{Actor, Caller};
use crate::domain::time;
use crate::managed::fleet::Fleet;
use crate::managed::processlist;
use crate::services::accounts;
use crate::services::audit::{self, Entry};
use crate::services::moves::users::{self, DbAccount};
use crate::services::queries::identity;
use crate::store::Store;
use sqlx::MySqlPool;
use types::activity::Action;
use types::error::{AppError, ErrorCode};
use types::validate::Prefix;

/// The longest reason kept (it is shown to the customer and in the audit log).
const MAX_REASON_CHARS: usize = 500;

pub async fn suspend(
    store: &Store,
    fleet: &Fleet,
    account_id: i64,
    reason: &str,
) -> Result<(), AppError> {
    suspend_by(store, fleet, account_id, reason, Actor::Cli).await
}

/// `suspend`, by an operator of the Admin area (`Actor::Operator`) or the command line.
pub async fn suspend_by(
    store: &Store,
    fleet: &Fleet,
    account_id: i64,
    reason: &str,
    by: Actor,
) -> Result<(), AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::validation(format!(
            "Give a reason of 1 to {MAX_REASON_CHARS} characters: the customer sees it."
        )));
    }
    let caller = operator(store, account_id, by).await?;
    // The mark first: from here on the panel refuses the account's changes, so no new user can
    // appear unlocked behind the locking below.
    sqlx::query(
        "UPDATE accounts SET suspended_at = COALESCE(suspended_at, ?), suspended_reason = ? WHERE id = ?",
    )
    .bind(time::now())
    .bind(reason)
    .bind(account_id)
    .execute(store)
    .await?;
    let mysql = &fleet.for_account(store, account_id).await?.pool;
    // Twice: a create that passed the panel's check just before the mark may finish meanwhile.
    for _ in 0..2 {
        let accounts = mysql_users(mysql, &caller.prefix).await?;
        users::set_locked(mysql, &caller.prefix, &accounts, true).await?;
    }
    processlist::kill(mysql, identity::sessions(mysql, &caller.prefix).await?).await?;
    audit::record(
        store,
        Entry::by(&caller, Action::AccountSuspended).with("reason", reason),
    )
    .await;
    Ok(())
}

/// Undoes `suspend`: the users are unlocked first, so a failure leaves the account suspended
/// (run it again) rather than half-open.
pub async fn resume(store: &Store, fleet: &Fleet, account_id: i64) -> Result<(), AppError> {
    resume_by(store, fleet, account_id, Actor::Cli).await
}

pub async fn resume_by(
    store: &Store,
    fleet: &Fleet,
    account_id: i64,
    by: Actor,
) -> Result<(), AppError> {
    let caller = operator(store, account_id, by).await?;
    let mysql = &fleet.for_account(store, account_id).await?.pool;
    let accounts = mysql_users(mysql, &caller.prefix).await?;
    users::set_locked(mysql, &caller.prefix, &accounts, false).await?;
    sqlx::query("UPDATE accounts SET suspended_at = NULL, suspended_reason = NULL WHERE id = ?")
        .bind(account_id)
        .execute(store)
        .await?;
    audit::record(store, Entry::by(&caller, Action::AccountResumed)).await;
    Ok(())
}

/// The refusal a suspended account's requests get, with the operator's reason.
pub async fn refusal(store: &Store, account_id: i64) -> AppError {
    let reason = accounts::suspension_reason(store, account_id)
        .await
        .inspect_err(|err| tracing::error!(error = %err, "could not read the suspension's reason"))
        .ok()
        .flatten();
    AppError::new(
        ErrorCode::AccountSuspended,
        format!(
            "Your account is suspended: {}. Your databases are kept as they are; you can still sign \
             in, read this on your Profile and download existing backups. Contact your provider to \
             resume it.",
            reason.as_deref().unwrap_or("no reason given")
        ),
    )
}

/// An operator acting on the account.
pub(crate) async fn operator(
    store: &Store,
    account_id: i64,
    by: Actor,
) -> Result<Caller, AppError> {
    let prefix: Option<String> = sqlx::query_scalar("SELECT prefix FROM accounts WHERE id = ?")
        .bind(account_id)
        .fetch_optional(store)
        .await?;
    let prefix = prefix.ok_or_else(|| AppError::not_found("No such account."))?;
    Ok(Caller {
        actor: by,
        ..Caller::system(account_id, Prefix::parse_existing(&prefix)?)
    })
}

/// Every MySQL user of the account on its server: `<prefix>_…` at every host, and the two
/// identities its SQL runs as at each of their hosts.
async fn mysql_users(mysql: &MySqlPool, prefix: &Prefix) -> Result<Vec<DbAccount>, AppError> {
    let mut accounts = users::list(mysql, prefix).await?;
    let identities = identity::accounts(mysql, prefix).await?;
    accounts.extend(
        identities
            .into_iter()
            .map(|(user, host)| DbAccount { user, host }),
    );
    Ok(accounts)
}
