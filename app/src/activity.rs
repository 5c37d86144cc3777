//! Activity: the account's audit log (sign-ins, key changes, every change to databases, users,
//! privileges and the whitelist), newest first, a page at a time.
use crate::components::load::Load;
use crate::components::table::DataTable;
use crate::error::AppError;
use leptos::prelude::*;
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
    /// two_factor_locked, api_key_sent_insecurely.
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

#[server(prefix = "/rpc", endpoint = "list_activity")]
pub async fn list_activity(before: Option<String>) -> Result<AuditPage, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.list_activity(&req, before).await)
}

fn describe(details: &BTreeMap<String, String>) -> String {
    details
        .iter()
        .map(|(key, value)| format!("{key}: {value}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    // The cursors of the pages seen so far: the last one is on screen (None = the newest page).
    let cursors = RwSignal::new(vec![None::<String>]);
    let page = Resource::new(
        move || cursors.get().last().cloned().flatten(),
        list_activity,
    );
    view! {
        <h1>"Activity"</h1>
        <p class="muted">"Sign-ins, API key changes and every change to your databases, users and whitelist."</p>
        <Load resource=page let:page>
            {if page.events.is_empty() {
                view! { <div class="empty-state"><p>"Nothing has happened yet."</p></div> }.into_any()
            } else {
                view! { <EventTable page cursors/> }.into_any()
            }}
        </Load>
    }
}

#[component]
fn EventTable(page: AuditPage, cursors: RwSignal<Vec<Option<String>>>) -> impl IntoView {
    let rows = page
        .events
        .into_iter()
        .map(|event| {
            view! {
                <tr>
                    <td>{event.at}</td>
                    <td class="mono">{event.action}</td>
                    <td>{describe(&event.details)}</td>
                    <td class="mono">{event.actor}</td>
                    <td class="mono">{event.source_ip.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let next = page.next;
    let no_older = next.is_none();
    let has_newer = move || cursors.with(|c| c.len() > 1);
    view! {
        <DataTable columns=&["Time", "Event", "Details", "By", "From"]>{rows}</DataTable>
        <div class="form-actions">
            <button type="button" class="button" disabled=move || !has_newer()
                on:click=move |_| cursors.update(|c| { c.pop(); })>"Newer"</button>
            <button type="button" class="button" disabled=no_older
                on:click=move |_| { let next = next.clone(); cursors.update(|c| c.push(next)); }>"Older"</button>
        </div>
    }
}
