//! How server functions reach the server's services without `app` depending on `server`:
//! the server provides an `Arc<dyn Backend>` through Leptos context, and every `#[server]` body
//! is "authenticate, call the backend, map the error" — the same service functions REST uses.
use crate::activity::AuditPage;
use crate::backups::{
    Backup, BackupList, BackupSchedule, Job, JobList, RestoreRequest, ScheduleRequest,
};
use crate::error::AppError;
use crate::model::{
    Account, CreateDatabase, CreateUser, CreatedUser, Database, DatabaseDetail, DatabaseList,
    Grant, NewApiKey, NewWhitelistEntry, UserList, Whitelist, WhitelistEntry,
};
use crate::query::{QueryHistory, QueryRequest, QueryResponse, SchemaOutline};
use std::net::IpAddr;
use std::sync::Arc;

/// What a backend needs to know about the request a server function serves.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub headers: http::HeaderMap,
    /// The client's address: the TCP peer, or what a trusted proxy says it forwarded for.
    pub peer_ip: Option<IpAddr>,
    /// Reached over https (the panel's own TLS, or a trusted proxy's `X-Forwarded-Proto`).
    pub https: bool,
}

pub use panel_core::domain::caller::ClientInfo;

/// A `Set-Cookie` header value the server function must send back.
pub struct SetCookie(pub String);

/// Where a right password leads.
pub enum SignIn {
    /// Signed in: the new session's cookie.
    Done(SetCookie),
    /// Two-factor is on: the cookie of the sign-in that waits for its code.
    NeedsCode(SetCookie),
}

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Checks the credentials (rate-limited) and opens a new session, replacing the request's own.
    async fn login(
        &self,
        req: &RequestInfo,
        email: &str,
        password: &str,
    ) -> Result<SignIn, AppError>;
    /// The second step of a two-factor sign-in (a TOTP or recovery code): the session's cookie,
    /// and the waiting sign-in's cookie cleared.
    async fn login_code(&self, req: &RequestInfo, code: &str) -> Result<Vec<SetCookie>, AppError>;
    async fn get_two_factor(
        &self,
        req: &RequestInfo,
    ) -> Result<crate::two_factor::TwoFactorStatus, AppError>;
    async fn begin_two_factor(
        &self,
        req: &RequestInfo,
    ) -> Result<crate::two_factor::Enrolment, AppError>;
    async fn confirm_two_factor(
        &self,
        req: &RequestInfo,
        code: &str,
    ) -> Result<crate::two_factor::RecoveryCodes, AppError>;
    async fn disable_two_factor(
        &self,
        req: &RequestInfo,
        password: &str,
        code: &str,
    ) -> Result<(), AppError>;
    async fn logout(&self, req: &RequestInfo) -> Result<SetCookie, AppError>;
    async fn get_account(&self, req: &RequestInfo) -> Result<Account, AppError>;
    async fn regenerate_api_key(&self, req: &RequestInfo) -> Result<NewApiKey, AppError>;
    async fn change_password(
        &self,
        req: &RequestInfo,
        request: crate::security::ChangePassword,
    ) -> Result<crate::security::SignedOut, AppError>;
    async fn list_sessions(
        &self,
        req: &RequestInfo,
    ) -> Result<crate::security::SessionList, AppError>;
    async fn revoke_session(&self, req: &RequestInfo, id: i64) -> Result<(), AppError>;
    async fn revoke_other_sessions(
        &self,
        req: &RequestInfo,
    ) -> Result<crate::security::SignedOut, AppError>;
    async fn list_databases(&self, req: &RequestInfo) -> Result<DatabaseList, AppError>;
    async fn create_database(
        &self,
        req: &RequestInfo,
        request: CreateDatabase,
    ) -> Result<Database, AppError>;
    async fn get_database(&self, req: &RequestInfo, name: &str)
    -> Result<DatabaseDetail, AppError>;
    async fn delete_database(&self, req: &RequestInfo, name: &str) -> Result<(), AppError>;
    async fn list_users(&self, req: &RequestInfo) -> Result<UserList, AppError>;
    async fn create_user(
        &self,
        req: &RequestInfo,
        request: CreateUser,
    ) -> Result<CreatedUser, AppError>;
    async fn set_user_password(
        &self,
        req: &RequestInfo,
        name: &str,
        password: &str,
    ) -> Result<(), AppError>;
    async fn delete_user(&self, req: &RequestInfo, name: &str) -> Result<(), AppError>;
    async fn set_privileges(
        &self,
        req: &RequestInfo,
        user: &str,
        database: &str,
        privileges: Vec<String>,
    ) -> Result<Grant, AppError>;
    async fn revoke_privileges(
        &self,
        req: &RequestInfo,
        user: &str,
        database: &str,
    ) -> Result<(), AppError>;
    async fn list_whitelist(&self, req: &RequestInfo) -> Result<Whitelist, AppError>;
    async fn add_to_whitelist(
        &self,
        req: &RequestInfo,
        request: NewWhitelistEntry,
    ) -> Result<WhitelistEntry, AppError>;
    async fn remove_from_whitelist(&self, req: &RequestInfo, id: i64) -> Result<(), AppError>;
    async fn list_activity(
        &self,
        req: &RequestInfo,
        before: Option<String>,
    ) -> Result<AuditPage, AppError>;
    /// Runs the customer's SQL on `database` as the account's own MySQL identity.
    async fn run_query(
        &self,
        req: &RequestInfo,
        database: &str,
        request: QueryRequest,
    ) -> Result<QueryResponse, AppError>;
    async fn cancel_query(&self, req: &RequestInfo, id: &str) -> Result<(), AppError>;
    async fn list_query_history(&self, req: &RequestInfo) -> Result<QueryHistory, AppError>;
    async fn get_schema_outline(
        &self,
        req: &RequestInfo,
        database: &str,
    ) -> Result<SchemaOutline, AppError>;
    /// The account's backups (of one database, or all), newest first.
    async fn list_backups(
        &self,
        req: &RequestInfo,
        database: Option<String>,
    ) -> Result<BackupList, AppError>;
    async fn create_backup(&self, req: &RequestInfo, database: &str) -> Result<Backup, AppError>;
    async fn delete_backup(&self, req: &RequestInfo, id: &str) -> Result<(), AppError>;
    async fn restore_backup(
        &self,
        req: &RequestInfo,
        id: &str,
        request: RestoreRequest,
    ) -> Result<Job, AppError>;
    /// Restores and imports into `database`, newest first.
    async fn list_jobs(&self, req: &RequestInfo, database: &str) -> Result<JobList, AppError>;
    async fn get_backup_schedule(
        &self,
        req: &RequestInfo,
        database: &str,
    ) -> Result<Option<BackupSchedule>, AppError>;
    async fn set_backup_schedule(
        &self,
        req: &RequestInfo,
        database: &str,
        request: ScheduleRequest,
    ) -> Result<BackupSchedule, AppError>;
    async fn delete_backup_schedule(
        &self,
        req: &RequestInfo,
        database: &str,
    ) -> Result<(), AppError>;
    /// Whether the signed-in account's managed MySQL server answers (for the banner on every page).
    async fn mysql_status(&self, req: &RequestInfo) -> bool;
}

pub type SharedBackend = Arc<dyn Backend>;

/// The backend and the current request, for a server function body.
pub async fn backend_and_request() -> Result<(SharedBackend, RequestInfo), AppError> {
    let backend = leptos::prelude::use_context::<SharedBackend>()
        .ok_or_else(|| AppError::internal("no Backend in the Leptos context"))?;
    let headers: http::HeaderMap = leptos_axum::extract().await.map_err(AppError::internal)?;
    let client = leptos_axum::extract::<axum::Extension<ClientInfo>>()
        .await
        .map(|axum::Extension(client)| client)
        .unwrap_or(ClientInfo {
            ip: None,
            https: false,
        });
    Ok((
        backend,
        RequestInfo {
            headers,
            peer_ip: client.ip,
            https: client.https,
        },
    ))
}

/// Sends the error's HTTP status (and `Retry-After`) with a failed server function, as REST would.
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result
        && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
    {
        response.set_status(err.status());
        if let Some(secs) = err.retry_after_secs {
            response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
    }
    result
}

pub fn set_cookie(cookie: SetCookie) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && let Ok(value) = http::HeaderValue::from_str(&cookie.0)
    {
        response.append_header(http::header::SET_COOKIE, value);
    }
}
