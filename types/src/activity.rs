//! Activity: the account's audit log (sign-ins, key changes, every change to databases, users,
//! privileges and the whitelist), newest first, a page at a time.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What happened. The wire form is the snake_case name (`database_created`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignIn,
    SignInFailed,
    SignOut,
    ApiKeyRegenerated,
    DatabaseCreated,
    DatabaseDeleted,
    UserCreated,
    UserDeleted,
    UserPasswordChanged,
    PrivilegesSet,
    PrivilegesRevoked,
    WhitelistAdded,
    WhitelistRemoved,
    QueryRun,
    BackupCreated,
    BackupDeleted,
    BackupRestored,
    DatabaseImported,
    BackupScheduleSet,
    BackupScheduleRemoved,
    PasswordChanged,
    SessionRevoked,
    TwoFactorEnabled,
    TwoFactorDisabled,
    ApiKeyRevoked,
    /// A held two-factor sign-in was voided after 5 wrong codes.
    SignInVoided,
    /// 20 wrong codes in 24 hours: two-factor sign-in locked for 15 minutes.
    TwoFactorLocked,
    /// The key reached the panel over plain HTTP from a remote client (refused, but exposed).
    ApiKeySentInsecurely,
    /// The operator began moving the account to another server (`account move`).
    AccountMoveStarted,
    /// The account now lives on the other server.
    AccountMoved,
    /// A move stopped; the account stayed where it was.
    AccountMoveFailed,
    /// Tables tab / `…/rows`: a row inserted, changed or deleted (with its key).
    RowInserted,
    RowUpdated,
    RowsDeleted,
    /// A structure change from the Tables tab (`ALTER`/`CREATE`/`RENAME`/`TRUNCATE`/`DROP TABLE`).
    TableChanged,
    /// Rows loaded into a table from CSV.
    RowsImported,
    /// The operator suspended the account (`account suspend --reason`), or resumed it.
    AccountSuspended,
    AccountResumed,
    /// The measured storage reached 80 % or 100 % of the plan's (`percent`, `used`, `limit`).
    StorageThreshold,
    /// Over the plan's storage for longer than its grace period: INSERT, UPDATE and CREATE were
    /// taken from the account's users (`used`, `limit`); given back once under it.
    StorageWritesWithheld,
    StorageWritesRestored,
    /// The operator closed the account (`account delete`): final backups taken and kept until
    /// `kept_until`, then its databases, users and identity dropped.
    AccountClosed,
    /// An operator created the account, changed its plan, made it an operator, or turned its
    /// two-factor sign-in off (Admin area, `/api/admin`, or the command line).
    AccountCreated,
    AccountPlanChanged,
    OperatorPromoted,
    TwoFactorReset,
    /// A webhook added to or deleted from the account's alerts (`url`, `events`).
    WebhookCreated,
    WebhookDeleted,
    /// The API key was sent from outside its allowed networks (refused with 403; `ip`).
    ApiKeyNetworkRefused,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::SignInFailed => "sign_in_failed",
            Self::SignOut => "sign_out",
            Self::ApiKeyRegenerated => "api_key_regenerated",
            Self::DatabaseCreated => "database_created",
            Self::DatabaseDeleted => "database_deleted",
            Self::UserCreated => "user_created",
            Self::UserDeleted => "user_deleted",
            Self::UserPasswordChanged => "user_password_changed",
            Self::PrivilegesSet => "privileges_set",
            Self::PrivilegesRevoked => "privileges_revoked",
            Self::WhitelistAdded => "whitelist_added",
            Self::WhitelistRemoved => "whitelist_removed",
            Self::QueryRun => "query_run",
            Self::BackupCreated => "backup_created",
            Self::BackupDeleted => "backup_deleted",
            Self::BackupRestored => "backup_restored",
            Self::DatabaseImported => "database_imported",
            Self::BackupScheduleSet => "backup_schedule_set",
            Self::BackupScheduleRemoved => "backup_schedule_removed",
            Self::PasswordChanged => "password_changed",
            Self::SessionRevoked => "session_revoked",
            Self::TwoFactorEnabled => "two_factor_enabled",
            Self::TwoFactorDisabled => "two_factor_disabled",
            Self::ApiKeyRevoked => "api_key_revoked",
            Self::SignInVoided => "sign_in_voided",
            Self::TwoFactorLocked => "two_factor_locked",
            Self::ApiKeySentInsecurely => "api_key_sent_insecurely",
            Self::AccountMoveStarted => "account_move_started",
            Self::AccountMoved => "account_moved",
            Self::AccountMoveFailed => "account_move_failed",
            Self::RowInserted => "row_inserted",
            Self::RowUpdated => "row_updated",
            Self::RowsDeleted => "rows_deleted",
            Self::TableChanged => "table_changed",
            Self::RowsImported => "rows_imported",
            Self::AccountSuspended => "account_suspended",
            Self::AccountResumed => "account_resumed",
            Self::StorageThreshold => "storage_threshold",
            Self::StorageWritesWithheld => "storage_writes_withheld",
            Self::StorageWritesRestored => "storage_writes_restored",
            Self::AccountClosed => "account_closed",
            Self::AccountCreated => "account_created",
            Self::AccountPlanChanged => "account_plan_changed",
            Self::OperatorPromoted => "operator_promoted",
            Self::TwoFactorReset => "two_factor_reset",
            Self::WebhookCreated => "webhook_created",
            Self::WebhookDeleted => "webhook_deleted",
            Self::ApiKeyNetworkRefused => "api_key_network_refused",
        }
    }
}

/// One event of `GET /api/audit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// `session`, `api_key nbg_••••••••abcd` (masked), `cli`, `system` or `anonymous`.
    pub actor: String,
    pub source_ip: Option<String>,
    /// sign_in, sign_in_failed, sign_out, api_key_regenerated, database_created, database_deleted,
    /// user_created, user_deleted, user_password_changed, privileges_set, privileges_revoked,
    /// whitelist_added, whitelist_removed, query_run, backup_created, backup_deleted, backup_restored,
    /// database_imported, backup_schedule_set, backup_schedule_removed, password_changed,
    /// session_revoked, two_factor_enabled, two_factor_disabled, api_key_revoked, sign_in_voided,
    /// two_factor_locked, api_key_sent_insecurely, account_move_started, account_moved,
    /// account_move_failed, row_inserted, row_updated, rows_deleted, table_changed, rows_imported,
    /// account_suspended, account_resumed, storage_threshold, storage_writes_withheld,
    /// storage_writes_restored, account_closed, account_created, account_plan_changed,
    /// operator_promoted, two_factor_reset, webhook_created, webhook_deleted,
    /// api_key_network_refused.
    pub action: String,
    /// What the action was about (`database`, `user`, `host`, `privileges`, …).
    pub details: BTreeMap<String, String>,
}

/// A page of events, newest first; `next` is the cursor for the following (older) page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    pub next: Option<String>,
}
