//! Plans: what a provider sells ("Basic: 5 databases, 1 GB"). An account has one plan — the one it
//! was given (`account create --plan`, `account set-plan`), else the plan named `default`, which
//! starts with no limits. A limit of `None` is no limit.
//!
//! The counted limits (databases, database users, whitelist hosts) are checked here, by the
//! services that create those things, under the account's lock: the next create at the limit is
//! 409 `plan_limit` and changes nothing, whichever door (browser, API, CLI) it came through.
use crate::domain::time;
use crate::store::Store;
use std::collections::HashMap;
use types::error::{AppError, ErrorCode};

/// The plan every account without one of its own has; it cannot be deleted.
pub const DEFAULT: &str = "default";

/// Hours over its storage an account gets before its writes are withheld, when its plan sets none.
pub const DEFAULT_STORAGE_GRACE_HOURS: i64 = 72;

/// A plan's limits; `None`: unlimited.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Limits {
    pub max_databases: Option<i64>,
    pub max_users: Option<i64>,
    /// Bytes, all of the account's databases together.
    pub max_storage: Option<i64>,
    pub max_backup_storage: Option<i64>,
    pub max_user_connections: Option<i64>,
    pub max_queries_per_hour: Option<i64>,
    pub max_whitelist: Option<i64>,
    /// Hours over `max_storage` before INSERT, UPDATE and CREATE are withheld (`None`: 72).
    pub storage_grace_hours: Option<i64>,
}

impl Limits {
    /// The plan as customers and operators read it (`GET /api/account`, `/api/admin/plans`).
    pub fn shown_as(&self, name: &str) -> types::model::AccountPlan {
        types::model::AccountPlan {
            name: name.to_owned(),
            max_databases: self.max_databases,
            max_users: self.max_users,
            max_storage: self.max_storage,
            max_backup_storage: self.max_backup_storage,
            max_user_connections: self.max_user_connections,
            max_queries_per_hour: self.max_queries_per_hour,
            max_whitelist: self.max_whitelist,
            storage_grace_hours: self.grace_hours(),
        }
    }

    /// The grace period in force.
    pub fn grace_hours(&self) -> i64 {
        self.storage_grace_hours
            .unwrap_or(DEFAULT_STORAGE_GRACE_HOURS)
    }
}

/// `plan update`: `None` keeps a limit, `Some(None)` lifts it, `Some(Some(n))` sets it.
#[derive(Debug, Clone, Default)]
pub struct LimitChanges {
    pub max_databases: Option<Option<i64>>,
    pub max_users: Option<Option<i64>>,
    pub max_storage: Option<Option<i64>>,
    pub max_backup_storage: Option<Option<i64>>,
    pub max_user_connections: Option<Option<i64>>,
    pub max_queries_per_hour: Option<Option<i64>>,
    pub max_whitelist: Option<Option<i64>>,
    pub storage_grace_hours: Option<Option<i64>>,
}

impl LimitChanges {
    pub fn apply(self, limits: &mut Limits) {
        let set = |slot: &mut Option<i64>, change: Option<Option<i64>>| {
            if let Some(value) = change {
                *slot = value;
            }
        };
        set(&mut limits.max_databases, self.max_databases);
        set(&mut limits.max_users, self.max_users);
        set(&mut limits.max_storage, self.max_storage);
        set(&mut limits.max_backup_storage, self.max_backup_storage);
        set(&mut limits.max_user_connections, self.max_user_connections);
        set(&mut limits.max_queries_per_hour, self.max_queries_per_hour);
        set(&mut limits.max_whitelist, self.max_whitelist);
        set(&mut limits.storage_grace_hours, self.storage_grace_hours);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub name: String,
    pub limits: Limits,
    /// Accounts on the plan (for `default`: also those given none).
    pub accounts: i64,
}

/// What a plan limit counts, as the refusal names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Databases,
    Users,
    WhitelistHosts,
}

impl Counted {
    fn noun(self) -> &'static str {
        match self {
            Self::Databases => "databases",
            Self::Users => "database users",
            Self::WhitelistHosts => "whitelist hosts",
        }
    }
    fn limit(self, limits: &Limits) -> Option<i64> {
        match self {
            Self::Databases => limits.max_databases,
            Self::Users => limits.max_users,
            Self::WhitelistHosts => limits.max_whitelist,
        }
    }
}

/// 1 to 64 characters: letters, digits, space, `-`, `_`, `.`; not starting or ending with a space.
pub fn parse_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.');
    if name.is_empty() || name.chars().count() > 64 || !name.chars().all(allowed) {
        return Err(AppError::validation(
            "A plan name is 1 to 64 letters, digits, spaces, '-', '_' or '.'.",
        ));
    }
    Ok(name.to_owned())
}

fn check_limits(limits: &Limits) -> Result<(), AppError> {
    let all = [
        limits.max_databases,
        limits.max_users,
        limits.max_storage,
        limits.max_backup_storage,
        limits.max_user_connections,
        limits.max_queries_per_hour,
        limits.max_whitelist,
        limits.storage_grace_hours,
    ];
    if all.iter().flatten().any(|limit| *limit < 0) {
        return Err(AppError::validation("Plan limits are 0 or more."));
    }
    // MariaDB stores both per-user limits as unsigned 32-bit numbers, and reads 0 as "no limit".
    let per_user = [limits.max_user_connections, limits.max_queries_per_hour];
    if per_user
        .iter()
        .flatten()
        .any(|limit| *limit < 1 || *limit > i64::from(u32::MAX))
    {
        return Err(AppError::validation(format!(
            "Connections and queries per hour per user are 1 to {} (or unlimited).",
            u32::MAX
        )));
    }
    Ok(())
}

const COLUMNS: &str = "max_databases, max_users, max_storage, max_backup_storage, max_user_connections, max_queries_per_hour, max_whitelist, storage_grace_hours";

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds the limits in `COLUMNS` order.
fn bind_limits<'q>(query: Query<'q>, limits: &Limits) -> Query<'q> {
    query
        .bind(limits.max_databases)
        .bind(limits.max_users)
        .bind(limits.max_storage)
        .bind(limits.max_backup_storage)
        .bind(limits.max_user_connections)
        .bind(limits.max_queries_per_hour)
        .bind(limits.max_whitelist)
        .bind(limits.storage_grace_hours)
}

pub async fn create(store: &Store, name: &str, limits: &Limits) -> Result<(), AppError> {
    let name = parse_name(name)?;
    check_limits(limits)?;
    if find_id(store, &name).await?.is_some() {
        return Err(AppError::conflict(format!("A plan named {name} exists.")));
    }
    let insert = format!(
        "INSERT INTO plans ({COLUMNS}, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    );
    bind_limits(sqlx::query(&insert), limits)
        .bind(&name)
        .bind(time::now())
        .execute(store)
        .await
        .map_err(|err| match AppError::from(err) {
            conflict if conflict.code == ErrorCode::Conflict => {
                AppError::conflict(format!("A plan named {name} exists."))
            }
            other => other,
        })?;
    Ok(())
}

/// Changes the given limits; the others stay. Answers the plan as it now is.
pub async fn update(store: &Store, name: &str, changes: LimitChanges) -> Result<Plan, AppError> {
    let mut plan = find(store, name).await?;
    changes.apply(&mut plan.limits);
    check_limits(&plan.limits)?;
    let update = "UPDATE plans SET max_databases = ?, max_users = ?, max_storage = ?, max_backup_storage = ?,
         max_user_connections = ?, max_queries_per_hour = ?, max_whitelist = ?, storage_grace_hours = ?
         WHERE name = ?";
    bind_limits(sqlx::query(update), &plan.limits)
        .bind(&plan.name)
        .execute(store)
        .await?;
    Ok(plan)
}

/// Every plan by name, with how many accounts are on it.
pub async fn list(store: &Store) -> Result<Vec<Plan>, AppError> {
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM plans ORDER BY name")
        .fetch_all(store)
        .await?;
    let mut plans = Vec::with_capacity(names.len());
    for name in names {
        plans.push(find(store, &name).await?);
    }
    Ok(plans)
}

pub async fn find(store: &Store, name: &str) -> Result<Plan, AppError> {
    let name = parse_name(name)?;
    let limits: Option<Limits> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM plans WHERE name = ?"))
            .bind(&name)
            .fetch_optional(store)
            .await?;
    let limits = limits.ok_or_else(|| AppError::not_found(format!("No plan named {name}.")))?;
    let accounts = i64::try_from(accounts_on(store, &name).await?.len()).unwrap_or(i64::MAX);
    Ok(Plan {
        name,
        limits,
        accounts,
    })
}

/// The ids of the accounts on the plan (for `default`: also those given none).
pub async fn accounts_on(store: &Store, name: &str) -> Result<Vec<i64>, AppError> {
    let on_default = if name == DEFAULT {
        " OR plan_id IS NULL"
    } else {
        ""
    };
    Ok(sqlx::query_scalar(&format!(
        "SELECT id FROM accounts WHERE plan_id = (SELECT id FROM plans WHERE name = ?){on_default} ORDER BY id"
    ))
    .bind(name)
    .fetch_all(store)
    .await?)
}

async fn find_id(store: &Store, name: &str) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM plans WHERE name = ?")
        .bind(name)
        .fetch_optional(store)
        .await?)
}

/// Deletes a plan no account is on; `default` stays.
pub async fn delete(store: &Store, name: &str) -> Result<(), AppError> {
    let plan = find(store, name).await?;
    if plan.name == DEFAULT {
        return Err(AppError::conflict(
            "The default plan applies to every account without one; it cannot be deleted.",
        ));
    }
    if plan.accounts > 0 {
        return Err(AppError::conflict(format!(
            "{} account(s) are on plan {}: move them first (account set-plan).",
            plan.accounts, plan.name
        )));
    }
    // Counted and deleted in one statement: an account put on the plan meanwhile keeps it.
    let deleted = sqlx::query(
        "DELETE FROM plans WHERE name = ? AND NOT EXISTS (SELECT 1 FROM accounts WHERE plan_id = plans.id)",
    )
    .bind(&plan.name)
    .execute(store)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(AppError::conflict(format!(
            "An account was put on plan {} a moment ago.",
            plan.name
        )));
    }
    Ok(())
}

/// Puts the account on the plan.
pub async fn assign(store: &Store, account_id: i64, name: &str) -> Result<(), AppError> {
    let name = parse_name(name)?;
    let id = find_id(store, &name)
        .await?
        .ok_or_else(|| AppError::not_found(format!("No plan named {name}.")))?;
    sqlx::query("UPDATE accounts SET plan_id = ? WHERE id = ?")
        .bind(id)
        .bind(account_id)
        .execute(store)
        .await?;
    Ok(())
}

/// The account's plan: its own, else `default`.
pub async fn of_account(store: &Store, account_id: i64) -> Result<(String, Limits), AppError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT p.name FROM plans p WHERE p.id = (SELECT plan_id FROM accounts WHERE id = ?)",
    )
    .bind(account_id)
    .fetch_optional(store)
    .await?;
    let name = row.map_or_else(|| DEFAULT.to_owned(), |(name,)| name);
    let limits: Limits = sqlx::query_as(&format!("SELECT {COLUMNS} FROM plans WHERE name = ?"))
        .bind(&name)
        .fetch_one(store)
        .await?;
    Ok((name, limits))
}

/// Refuses one more `what` when the account already has `used` of them and its plan allows no
/// more. Called with the account's lock held, so two creates cannot both take the last place.
pub async fn check_room(
    store: &Store,
    account_id: i64,
    what: Counted,
    used: usize,
) -> Result<(), AppError> {
    let (plan, limits) = of_account(store, account_id).await?;
    match what.limit(&limits) {
        Some(limit) if i64::try_from(used).unwrap_or(i64::MAX) >= limit => Err(AppError::new(
            ErrorCode::PlanLimit,
            format!(
                "Your plan ({plan}) allows {limit} {noun}; you have {used} of {limit} {noun}. Delete one first, or ask your provider for a larger plan.",
                noun = what.noun()
            ),
        )),
        _ => Ok(()),
    }
}

/// What MariaDB itself enforces for each of an account's database users, at every host, so it
/// holds for every client and not just the panel: `MAX_USER_CONNECTIONS` (the panel's cap, lowered
/// by the plan's) and `MAX_QUERIES_PER_HOUR` (the plan's; 0 is MariaDB's "no limit").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserLimits {
    pub connections: i64,
    pub queries_per_hour: i64,
}

impl UserLimits {
    pub fn new(panel_connections: u32, plan: &Limits) -> Self {
        let panel = i64::from(panel_connections);
        let connections = match plan.max_user_connections {
            // 0 is "no limit" to MariaDB: the plan's is the only one then.
            Some(own) if panel == 0 || own < panel => own,
            _ => panel,
        };
        Self {
            connections,
            queries_per_hour: plan.max_queries_per_hour.unwrap_or(0),
        }
    }

    /// The `WITH …` clause of CREATE/ALTER USER.
    pub fn clause(self) -> String {
        format!(
            "WITH MAX_USER_CONNECTIONS {} MAX_QUERIES_PER_HOUR {}",
            self.connections, self.queries_per_hour
        )
    }

    /// The account's, read from the store.
    pub async fn of_account(
        store: &Store,
        account_id: i64,
        panel_connections: u32,
    ) -> Result<Self, AppError> {
        let (_, plan) = of_account(store, account_id).await?;
        Ok(Self::new(panel_connections, &plan))
    }
}

/// Every account's plan limits that MariaDB enforces per user, in one read (reconciliation of the
/// whole fleet): account id → the plan's `max_user_connections` and `max_queries_per_hour`.
pub async fn per_user_limits_of_every_account(
    store: &Store,
) -> Result<HashMap<i64, Limits>, AppError> {
    let rows: Vec<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT a.id, p.max_user_connections, p.max_queries_per_hour FROM accounts a
         JOIN plans p ON p.id = COALESCE(a.plan_id, (SELECT id FROM plans WHERE name = 'default'))",
    )
    .fetch_all(store)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, max_user_connections, max_queries_per_hour)| {
            let plan = Limits {
                max_user_connections,
                max_queries_per_hour,
                ..Limits::default()
            };
            (id, plan)
        })
        .collect())
}
