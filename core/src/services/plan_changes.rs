//! Putting an account on a plan, or changing a plan: the store first, then every affected
//! account's database users get the plan's per-user limits (MariaDB's own `MAX_USER_CONNECTIONS`
//! and `MAX_QUERIES_PER_HOUR`) at once. A server that cannot be reached then is caught up by the
//! periodic reconciliation, which compares every user's limits with its account's plan.
use crate::domain::caller::Caller;
use crate::managed::fleet::Fleet;
use crate::services::db_users;
use crate::services::plans::{self, LimitChanges, Plan};
use crate::store::Store;
use types::error::AppError;
use types::validate::Prefix;

/// Accounts whose users could not be given the new limits yet (the reconciliation will).
pub type Pending = usize;

pub async fn set_plan(
    store: &Store,
    fleet: &Fleet,
    account_id: i64,
    plan: &str,
) -> Result<(), AppError> {
    plans::assign(store, account_id, plan).await?;
    apply(store, fleet, account_id).await
}

pub async fn update_plan(
    store: &Store,
    fleet: &Fleet,
    name: &str,
    changes: LimitChanges,
) -> Result<(Plan, Pending), AppError> {
    let plan = plans::update(store, name, changes).await?;
    let mut pending = 0;
    for account_id in plans::accounts_on(store, &plan.name).await? {
        if let Err(err) = apply(store, fleet, account_id).await {
            tracing::warn!(account_id, error = %err, "could not apply the plan's user limits yet; the reconciliation will");
            pending += 1;
        }
    }
    Ok((plan, pending))
}

async fn apply(store: &Store, fleet: &Fleet, account_id: i64) -> Result<(), AppError> {
    let prefix: String = sqlx::query_scalar("SELECT prefix FROM accounts WHERE id = ?")
        .bind(account_id)
        .fetch_one(store)
        .await?;
    let caller = Caller::system(account_id, Prefix::parse_existing(&prefix)?);
    let server = fleet.for_account(store, account_id).await?;
    db_users::apply_limits(&server.pool, store, &caller).await
}
