//! The operator console: what `/api/admin/*` and the Admin pages exchange. Only accounts flagged
//! as operators reach them; anyone else gets 404.
use crate::model::AccountPlan;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One account as the operator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminAccount {
    pub id: i64,
    pub email: String,
    pub prefix: String,
    pub plan: String,
    /// The managed server it lives on.
    pub server: String,
    /// `active`, `suspended`, `closing` (its final backups are being taken) or `closed` (kept
    /// until `purge_after`).
    pub state: String,
    pub suspended_reason: Option<String>,
    pub operator: bool,
    pub two_factor: bool,
    pub databases: i64,
    /// As last measured in the background.
    pub storage_bytes: i64,
    /// RFC 3339, UTC; `null`: never signed in.
    pub last_sign_in: Option<String>,
    /// RFC 3339, UTC: when a closed account's final backups go and its prefix is free.
    pub purge_after: Option<String>,
}

/// `GET /api/admin/accounts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminAccountList {
    pub accounts: Vec<AdminAccount>,
}

/// `POST /api/admin/accounts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewAccount {
    pub email: String,
    pub prefix: String,
    /// 8–128 characters; the customer changes it on Profile.
    pub password: String,
    /// Default: the plan named `default`.
    #[serde(default)]
    pub plan: Option<String>,
    /// Default: the least loaded server that is not draining.
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub operator: bool,
}

/// `PUT /api/admin/accounts/{id}/plan`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetAccountPlan {
    pub plan: String,
}

/// `POST /api/admin/accounts/{id}/suspend`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SuspendAccount {
    /// Shown to the customer; 1 to 500 characters.
    pub reason: String,
}

/// `POST /api/admin/accounts/{id}/close`: `confirm` must be the account's email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CloseAccount {
    pub confirm: String,
    /// Default: the panel's setting (30 days).
    #[serde(default)]
    pub keep_backups_days: Option<u32>,
}

/// The answer to closing an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClosedAccount {
    /// The databases a final backup was kept of.
    pub final_backups: Vec<String>,
    /// RFC 3339, UTC.
    pub kept_until: String,
}

/// A plan with how many accounts are on it (`GET /api/admin/plans`); its limits as customers see
/// them, `null` being no limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminPlan {
    #[serde(flatten)]
    pub plan: AccountPlan,
    pub accounts: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminPlanList {
    pub plans: Vec<AdminPlan>,
}

/// `POST /api/admin/plans` and `PUT /api/admin/plans/{name}` (which ignores `name`): every limit
/// as it is to be, `null` or absent for no limit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanLimits {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub max_databases: Option<i64>,
    #[serde(default)]
    pub max_users: Option<i64>,
    #[serde(default)]
    pub max_storage: Option<i64>,
    #[serde(default)]
    pub max_backup_storage: Option<i64>,
    #[serde(default)]
    pub max_user_connections: Option<i64>,
    #[serde(default)]
    pub max_queries_per_hour: Option<i64>,
    #[serde(default)]
    pub max_whitelist: Option<i64>,
    /// `null`: the default, 72.
    #[serde(default)]
    pub storage_grace_hours: Option<i64>,
}

/// One managed server (`GET /api/admin/servers`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminServer {
    pub name: String,
    pub address: String,
    pub up: bool,
    pub version: Option<String>,
    pub draining: bool,
    pub accounts: i64,
    pub databases: i64,
    pub bytes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminServerList {
    pub servers: Vec<AdminServer>,
}

/// One operator action (`GET /api/admin/audit`): from the console or the command line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OperatorEvent {
    /// RFC 3339, UTC.
    pub at: String,
    /// The account acted on (its email; `null` once it is purged).
    pub account: Option<String>,
    /// `operator <email>` or `cli`.
    pub actor: String,
    pub action: String,
    pub details: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OperatorEventList {
    pub events: Vec<OperatorEvent>,
}
