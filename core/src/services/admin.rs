//! The operator console (issue 26, item 7): what the Admin area and `/api/admin/*` do, for an
//! account flagged as an operator. Anyone else is answered 404, as if the area did not exist.
//! Each action is the same service the command line runs, recorded with the operator as its actor.
use crate::domain::caller::{Actor, Caller};
use crate::domain::password::Argon2Gate;
use crate::domain::time;
use crate::managed::fleet::{DEFAULT_NAME, Fleet};
use crate::services::audit::{self, Entry};
use crate::services::backups;
use crate::services::plans::{self, Limits};
use crate::services::{accounts, closing, plan_changes, servers, suspension, two_factor};
use crate::store::Store;
use types::activity::Action;
use types::admin::{
    AdminAccount, AdminPlan, AdminServer, ClosedAccount, NewAccount, OperatorEvent, PlanLimits,
};
use types::error::AppError;
use types::validate::{Email, Password, Prefix};

/// The operator behind `caller`, or 404 for everyone else.
pub async fn operator(store: &Store, caller: &Caller) -> Result<Actor, AppError> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT email, operator FROM accounts WHERE id = ? AND closed_at IS NULL")
            .bind(caller.account_id)
            .fetch_optional(store)
            .await?;
    match row {
        Some((email, 1)) => Ok(Actor::Operator { email }),
        _ => Err(AppError::not_found("No such page.")),
    }
}

/// Flags the account as an operator (`account create --operator`, `account promote`).
pub async fn promote(store: &Store, account_id: i64, by: Actor) -> Result<(), AppError> {
    sqlx::query("UPDATE accounts SET operator = 1 WHERE id = ?")
        .bind(account_id)
        .execute(store)
        .await?;
    record(store, &by, account_id, Action::OperatorPromoted).await;
    Ok(())
}

async fn record(store: &Store, by: &Actor, account_id: i64, action: Action) {
    record_with(store, by, account_id, action, Vec::new()).await;
}

async fn record_with(
    store: &Store,
    by: &Actor,
    account_id: i64,
    action: Action,
    details: Vec<(&'static str, String)>,
) {
    audit::record(
        store,
        Entry {
            account_id: Some(account_id),
            actor: by,
            ip: None,
            action,
            details,
        },
    )
    .await;
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    email: String,
    prefix: String,
    plan: Option<String>,
    server: Option<String>,
    suspended_at: Option<i64>,
    suspended_reason: Option<String>,
    closed_at: Option<i64>,
    purge_after: Option<i64>,
    operator: i64,
    two_factor: i64,
    /// Not `databases`: a reserved word in MariaDB.
    #[sqlx(rename = "database_count")]
    databases: i64,
    storage_bytes: Option<i64>,
    last_sign_in: Option<i64>,
}

/// Accounts whose email or prefix contains `search` (every account without one), by email; at
/// most 500.
pub async fn accounts(store: &Store, search: Option<&str>) -> Result<Vec<AdminAccount>, AppError> {
    let pattern = format!(
        "%{}%",
        crate::managed::sql::like_exact(search.unwrap_or("").trim().to_lowercase().as_str())
    );
    let rows: Vec<AccountRow> = sqlx::query_as(
        "SELECT a.id, a.email, a.prefix, p.name AS plan, s.name AS server, a.suspended_at,
                a.suspended_reason, a.closed_at, a.purge_after, a.operator,
                (SELECT COUNT(*) FROM two_factor t WHERE t.account_id = a.id AND t.enabled_at IS NOT NULL) AS two_factor,
                (SELECT COUNT(*) FROM account_databases d WHERE d.account_id = a.id) AS database_count,
                (SELECT CAST(SUM(z.bytes) AS SIGNED) FROM database_sizes z WHERE z.account_id = a.id) AS storage_bytes,
                (SELECT MAX(e.at) FROM audit_events e WHERE e.account_id = a.id AND e.action = 'sign_in') AS last_sign_in
         FROM accounts a LEFT JOIN plans p ON p.id = a.plan_id LEFT JOIN servers s ON s.id = a.server_id
         WHERE a.email LIKE ? ESCAPE '!' OR a.prefix LIKE ? ESCAPE '!'
         ORDER BY a.email LIMIT 500",
    )
    .bind(&pattern)
    .bind(&pattern)
    .fetch_all(store)
    .await?;
    Ok(rows.into_iter().map(account_view).collect())
}

fn account_view(row: AccountRow) -> AdminAccount {
    let state = match (row.closed_at, row.purge_after, row.suspended_at) {
        (Some(_), Some(_), _) => "closed",
        (Some(_), None, _) => "closing",
        (None, _, Some(_)) => "suspended",
        (None, _, None) => "active",
    };
    AdminAccount {
        id: row.id,
        email: row.email,
        prefix: row.prefix,
        plan: row.plan.unwrap_or_else(|| plans::DEFAULT.to_owned()),
        server: row.server.unwrap_or_else(|| DEFAULT_NAME.to_owned()),
        state: state.to_owned(),
        suspended_reason: row.suspended_reason,
        operator: row.operator == 1,
        two_factor: row.two_factor > 0,
        databases: row.databases,
        storage_bytes: row.storage_bytes.unwrap_or(0),
        last_sign_in: row.last_sign_in.map(time::rfc3339),
        purge_after: row.purge_after.map(time::rfc3339),
    }
}

/// One account by id (404 when there is none).
pub async fn account(store: &Store, account_id: i64) -> Result<AdminAccount, AppError> {
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM accounts WHERE id = ?")
        .bind(account_id)
        .fetch_optional(store)
        .await?;
    let email = email.ok_or_else(|| AppError::not_found("No such account."))?;
    accounts(store, Some(&email))
        .await?
        .into_iter()
        .find(|account| account.id == account_id)
        .ok_or_else(|| AppError::not_found("No such account."))
}

/// Creates an account as `account create` does (plan checked first: an unknown one creates
/// nothing).
pub async fn create_account(
    store: &Store,
    fleet: &Fleet,
    argon2: &Argon2Gate,
    new: &NewAccount,
    by: &Actor,
) -> Result<AdminAccount, AppError> {
    let (email, prefix) = (Email::parse(&new.email)?, Prefix::parse(&new.prefix)?);
    let password = Password::parse(&new.password)?;
    if let Some(plan) = &new.plan {
        plans::find(store, plan).await?;
    }
    let id = accounts::create(
        store,
        fleet,
        argon2,
        (&email, &prefix),
        password,
        new.server.as_deref(),
    )
    .await?;
    if let Some(plan) = &new.plan {
        plans::assign(store, id, plan).await?;
    }
    record(store, by, id, Action::AccountCreated).await;
    if new.operator {
        promote(store, id, by.clone()).await?;
    }
    account(store, id).await
}

pub async fn set_plan(
    store: &Store,
    fleet: &Fleet,
    account_id: i64,
    plan: &str,
    by: &Actor,
) -> Result<AdminAccount, AppError> {
    account(store, account_id).await?;
    plan_changes::set_plan(store, fleet, account_id, plan).await?;
    let details = vec![("plan", plan.trim().to_owned())];
    record_with(store, by, account_id, Action::AccountPlanChanged, details).await;
    account(store, account_id).await
}

pub async fn suspend(
    store: &Store,
    fleet: &Fleet,
    account_id: i64,
    reason: &str,
    by: &Actor,
) -> Result<AdminAccount, AppError> {
    suspension::suspend_by(store, fleet, account_id, reason, by.clone()).await?;
    account(store, account_id).await
}

pub async fn resume(
    store: &Store,
    fleet: &Fleet,
    account_id: i64,
    by: &Actor,
) -> Result<AdminAccount, AppError> {
    suspension::resume_by(store, fleet, account_id, by.clone()).await?;
    account(store, account_id).await
}

pub async fn reset_two_factor(
    store: &Store,
    account_id: i64,
    by: &Actor,
) -> Result<AdminAccount, AppError> {
    account(store, account_id).await?;
    if two_factor::reset(store, account_id).await? {
        record(store, by, account_id, Action::TwoFactorReset).await;
    }
    account(store, account_id).await
}

/// `account delete`: `confirm` must be the account's email, as the operator typed it.
pub async fn close(
    ctx: &backups::Context,
    account_id: i64,
    confirm: &str,
    keep_days: Option<u32>,
    by: &Actor,
) -> Result<ClosedAccount, AppError> {
    let found = account(&ctx.store, account_id).await?;
    if confirm.trim() != found.email {
        return Err(AppError::validation(
            "Type the account's email to confirm closing it.",
        ));
    }
    let keep_days = keep_days.unwrap_or(closing::DEFAULT_KEEP_DAYS);
    let closed = closing::close_by(ctx, account_id, keep_days, by.clone()).await?;
    Ok(ClosedAccount {
        final_backups: closed.backups.into_iter().map(|(db, _)| db).collect(),
        kept_until: time::rfc3339(closed.purge_after),
    })
}

/// Every plan with its limits and how many accounts are on it.
pub async fn plans(store: &Store) -> Result<Vec<AdminPlan>, AppError> {
    Ok(plans::list(store)
        .await?
        .into_iter()
        .map(|plan| AdminPlan {
            plan: plan.limits.shown_as(&plan.name),
            accounts: plan.accounts,
        })
        .collect())
}

fn limits_of(wanted: &PlanLimits) -> Limits {
    Limits {
        max_databases: wanted.max_databases,
        max_users: wanted.max_users,
        max_storage: wanted.max_storage,
        max_backup_storage: wanted.max_backup_storage,
        max_user_connections: wanted.max_user_connections,
        max_queries_per_hour: wanted.max_queries_per_hour,
        max_whitelist: wanted.max_whitelist,
        storage_grace_hours: wanted.storage_grace_hours,
    }
}

pub async fn create_plan(store: &Store, wanted: &PlanLimits) -> Result<AdminPlan, AppError> {
    plans::create(store, &wanted.name, &limits_of(wanted)).await?;
    plan(store, &wanted.name).await
}

/// Sets every limit of the plan as given; the accounts on it get the per-user limits at once.
pub async fn update_plan(
    store: &Store,
    fleet: &Fleet,
    name: &str,
    wanted: &PlanLimits,
) -> Result<AdminPlan, AppError> {
    let limits = limits_of(wanted);
    let changes = plans::LimitChanges {
        max_databases: Some(limits.max_databases),
        max_users: Some(limits.max_users),
        max_storage: Some(limits.max_storage),
        max_backup_storage: Some(limits.max_backup_storage),
        max_user_connections: Some(limits.max_user_connections),
        max_queries_per_hour: Some(limits.max_queries_per_hour),
        max_whitelist: Some(limits.max_whitelist),
        storage_grace_hours: Some(limits.storage_grace_hours),
    };
    plan_changes::update_plan(store, fleet, name, changes).await?;
    plan(store, name).await
}

async fn plan(store: &Store, name: &str) -> Result<AdminPlan, AppError> {
    let plan = plans::find(store, name).await?;
    Ok(AdminPlan {
        plan: plan.limits.shown_as(&plan.name),
        accounts: plan.accounts,
    })
}

/// The managed servers: health, accounts, and their databases and bytes as last measured.
pub async fn servers(store: &Store, fleet: &Fleet) -> Result<Vec<AdminServer>, AppError> {
    Ok(servers::list(store, fleet)
        .await?
        .into_iter()
        .map(|server| AdminServer {
            name: server.name,
            address: server.address,
            up: server.up,
            version: server.version,
            draining: server.draining,
            accounts: server.accounts,
            databases: server.usage.databases,
            bytes: server.usage.bytes,
        })
        .collect())
}

/// The newest 200 actions of operators (the Admin area, `/api/admin`, the command line).
pub async fn operator_events(store: &Store) -> Result<Vec<OperatorEvent>, AppError> {
    // `Text`: the shared store's driver reads MySQL's TEXT as bytes.
    let rows: Vec<(i64, Option<String>, String, String, crate::store::Text)> = sqlx::query_as(
        "SELECT e.at, a.email, e.actor, e.action, e.details FROM audit_events e
         LEFT JOIN accounts a ON a.id = e.account_id
         WHERE e.actor = 'cli' OR e.actor LIKE 'operator %'
         ORDER BY e.id DESC LIMIT 200",
    )
    .fetch_all(store)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(at, account, actor, action, crate::store::Text(details))| OperatorEvent {
                at: time::rfc3339(at),
                account,
                actor,
                action,
                details: serde_json::from_str(&details).unwrap_or_default(),
            },
        )
        .collect())
}
