//! An account over its plan's storage for longer than the plan's grace period loses INSERT, UPDATE
//! and CREATE — for every database user at every host and for the identity its panel SQL runs as —
//! until a measurement finds it under the limit again; SELECT, DELETE and DROP stay, so it can
//! clean up. MariaDB refuses the writes, so this holds for every client, not just the panel.
//! What was taken is kept (`storage_writes`) and given back exactly.
use crate::domain::caller::Caller;
use crate::domain::time;
use crate::managed::{admin_exec, processlist, sql};
use crate::services::audit::{self, Entry};
use crate::services::queries::identity;
use crate::services::{account_lock, db_users, grants, storage_writes};
use crate::store::Store;
use sqlx::MySqlPool;
use types::activity::Action;
use types::error::AppError;
use types::names::DbUserName;

/// Where a measurement left the account.
pub struct Measured {
    pub used: i64,
    pub limit: Option<i64>,
    pub grace_hours: i64,
}

impl Measured {
    fn over(&self) -> bool {
        self.limit.is_some_and(|limit| self.used >= limit)
    }
}

/// After each measurement of the account: starts or ends its time over the limit, withholds
/// writes once that time passes the grace period, and gives them back once it is under.
pub async fn follow(
    store: &Store,
    mysql: &MySqlPool,
    caller: &Caller,
    measured: &Measured,
) -> Result<(), AppError> {
    let (over_since, withheld_at): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT storage_over_since, writes_withheld_at FROM accounts WHERE id = ?")
            .bind(caller.account_id)
            .fetch_one(store)
            .await?;
    let now = time::now();
    if measured.over() {
        let since = match over_since {
            Some(since) => since,
            None => {
                set_over_since(store, caller.account_id, Some(now)).await?;
                now
            }
        };
        if withheld_at.is_none() && now - since >= measured.grace_hours.saturating_mul(3600) {
            withhold(store, mysql, caller, measured).await?;
        }
    } else {
        if over_since.is_some() {
            set_over_since(store, caller.account_id, None).await?;
        }
        if withheld_at.is_some() {
            give_back(store, mysql, caller, measured).await?;
        }
    }
    Ok(())
}

async fn set_over_since(
    store: &Store,
    account_id: i64,
    since: Option<i64>,
) -> Result<(), AppError> {
    sqlx::query("UPDATE accounts SET storage_over_since = ? WHERE id = ?")
        .bind(since)
        .bind(account_id)
        .execute(store)
        .await?;
    Ok(())
}

/// Under the account's lock, like every change to its MySQL accounts: a user created or granted
/// meanwhile sees the mark and is given only what may be granted.
async fn withhold(
    store: &Store,
    mysql: &MySqlPool,
    caller: &Caller,
    measured: &Measured,
) -> Result<(), AppError> {
    let _account = account_lock::lock(store, &caller.prefix).await?;
    storage_writes::mark(store, caller.account_id, true).await?;
    for user in db_users::names(mysql, caller).await? {
        let hosts = db_users::existing_hosts(mysql, &user).await?;
        let taken = grants::withhold(mysql, &user, &hosts, &storage_writes::WITHHELD).await?;
        for (pattern, privileges) in &taken {
            storage_writes::keep(store, caller.account_id, user.as_str(), pattern, privileges)
                .await?;
        }
        // Database privileges are read when a session picks its database: end the open ones.
        db_users::end_sessions(mysql, &user).await?;
    }
    identity_writes(mysql, caller, false).await?;
    record(store, caller, Action::StorageWritesWithheld, measured).await;
    Ok(())
}

async fn give_back(
    store: &Store,
    mysql: &MySqlPool,
    caller: &Caller,
    measured: &Measured,
) -> Result<(), AppError> {
    let _account = account_lock::lock(store, &caller.prefix).await?;
    identity_writes(mysql, caller, true).await?;
    for (user, pattern, privileges) in storage_writes::all(store, caller.account_id).await? {
        // A user deleted by hand meanwhile has nothing to get back.
        let Ok(name) = DbUserName::parse(&user, &caller.prefix) else {
            continue;
        };
        if let Ok(hosts) = db_users::existing_hosts(mysql, &name).await {
            grants::give_back(mysql, &name, &hosts, &pattern, &privileges).await?;
        }
    }
    storage_writes::forget(store, caller.account_id, None, None).await?;
    storage_writes::mark(store, caller.account_id, false).await?;
    record(store, caller, Action::StorageWritesRestored, measured).await;
    Ok(())
}

/// The audit event, with the figures it was decided on.
async fn record(store: &Store, caller: &Caller, action: Action, measured: &Measured) {
    audit::record(
        store,
        Entry::by(caller, action)
            .with("used", measured.used.to_string())
            .with("limit", measured.limit.unwrap_or(0).to_string()),
    )
    .await;
}

/// Takes the three from the account's query identity at each of its hosts (ending its sessions),
/// or gives them back. An identity not made yet is made with them withheld (`identity::connect`).
async fn identity_writes(
    mysql: &MySqlPool,
    caller: &Caller,
    allowed: bool,
) -> Result<(), AppError> {
    let name = identity::name(&caller.prefix);
    let hosts = identity::hosts(mysql, &caller.prefix).await?;
    let privileges = sql::privilege_list(&storage_writes::WITHHELD);
    let target = sql::prefix_grant_target(&caller.prefix);
    for host in hosts {
        let account = sql::account_raw(&name, &host);
        let statement = if allowed {
            format!("GRANT {privileges} ON {target} TO {account}")
        } else {
            format!("REVOKE {privileges} ON {target} FROM {account}")
        };
        admin_exec(mysql, &statement).await?;
    }
    if !allowed {
        processlist::kill(mysql, processlist::sessions_of_user(mysql, &name).await?).await?;
    }
    Ok(())
}
