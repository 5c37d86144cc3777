//! `app::Backend` for server functions: the same services the REST API calls.
use crate::auth::{self, cookie};
use crate::domain::caller::Caller;
use crate::services::{
    accounts, audit, backups, databases, db_users, health, queries, security, sessions, two_factor,
    whitelist,
};
use crate::state::AppState;
use app::activity::{Action, AuditPage};
use app::backend::{Backend, ClientInfo, RequestInfo, SetCookie, SignIn};
use app::backups::{
    Backup, BackupKind, BackupList, BackupSchedule, Job, JobList, RestoreRequest, ScheduleRequest,
};
use app::error::AppError;
use app::model::{
    Account, CreateDatabase, CreateUser, CreatedUser, Database, DatabaseDetail, DatabaseList,
    Grant, NewApiKey, NewWhitelistEntry, SetPrivileges, UserList, Whitelist, WhitelistEntry,
};
use app::query::{QueryHistory, QueryRequest, QueryResponse, SchemaOutline};
use app::security::{ChangePassword, SessionList, SignedOut};
use app::two_factor::{Enrolment, RecoveryCodes, TwoFactorStatus};

pub struct PanelBackend {
    state: AppState,
}

impl PanelBackend {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }

    /// Server functions serve the panel's pages: the session cookie only, never a key (the
    /// `/rpc` layer refuses `Authorization` already; this keeps it so for any other way in).
    async fn caller(&self, req: &RequestInfo) -> Result<Caller, AppError> {
        auth::authenticate_session(
            &self.state,
            &req.headers,
            ClientInfo {
                ip: req.peer_ip,
                https: req.https,
            },
        )
        .await
    }

    /// A fresh session (the request's old one, if any, is ended: no fixation) and its cookie.
    async fn open_session(
        &self,
        req: &RequestInfo,
        account_id: i64,
    ) -> Result<SetCookie, AppError> {
        if let Some(old) = cookie::session_token(&req.headers, req.https) {
            sessions::close(&self.state.store, old).await?;
        }
        let user_agent = req
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let origin = sessions::Origin {
            ip: req.peer_ip,
            user_agent,
        };
        let token = sessions::open(&self.state.store, account_id, &origin).await?;
        Ok(SetCookie(cookie::session_cookie(&token, req.https)))
    }
}

#[async_trait::async_trait]
impl Backend for PanelBackend {
    async fn login(
        &self,
        req: &RequestInfo,
        email: &str,
        password: &str,
    ) -> Result<SignIn, AppError> {
        let (store, limiter) = (&self.state.store, &self.state.login_limiter);
        // Capped: keys of invalid, megabyte-long "emails" must not fill the memory.
        let email_key = format!(
            "email:{}",
            email
                .trim()
                .to_lowercase()
                .chars()
                .take(254)
                .collect::<String>()
        );
        let keys = [
            email_key.clone(),
            format!(
                "ip:{}",
                req.peer_ip.map(|ip| ip.to_string()).unwrap_or_default()
            ),
        ];
        // Counted before the password is checked: parallel guesses cannot all pass the limit.
        let attempt = limiter.reserve(&keys)?;
        let verified =
            accounts::verify_credentials(store, &limiter.argon2, email, password).await?;
        let Some(account_id) = verified else {
            audit::sign_in(store, email, None, req.peer_ip).await;
            return Err(AppError::unauthorized("Invalid email or password."));
        };
        limiter.succeeded(attempt, &email_key);
        if two_factor::is_on(store, account_id).await? {
            // Not signed in yet: the code step opens the session (and writes the sign-in event).
            let token = two_factor::hold_sign_in(store, account_id).await?;
            return Ok(SignIn::NeedsCode(SetCookie(
                cookie::pending_sign_in_cookie(&token, req.https),
            )));
        }
        audit::sign_in(store, email, Some(account_id), req.peer_ip).await;
        Ok(SignIn::Done(self.open_session(req, account_id).await?))
    }

    async fn login_code(&self, req: &RequestInfo, code: &str) -> Result<Vec<SetCookie>, AppError> {
        let (store, limiter) = (&self.state.store, &self.state.login_limiter);
        let held = cookie::pending_sign_in_token(&req.headers, req.https);
        let account_id = two_factor::complete_sign_in(
            store,
            &self.state.sealer,
            limiter,
            held,
            code,
            req.peer_ip,
        )
        .await?;
        let session = self.open_session(req, account_id).await?;
        Ok(vec![
            session,
            SetCookie(cookie::clear_pending_sign_in_cookie(req.https)),
        ])
    }

    async fn get_two_factor(&self, req: &RequestInfo) -> Result<TwoFactorStatus, AppError> {
        let caller = self.caller(req).await?;
        two_factor::status(&self.state.store, caller.account_id).await
    }

    async fn begin_two_factor(&self, req: &RequestInfo) -> Result<Enrolment, AppError> {
        let caller = self.caller(req).await?;
        let email = accounts::view(&self.state.store, caller.account_id)
            .await?
            .email;
        two_factor::begin(&self.state.store, &self.state.sealer, &caller, &email).await
    }

    async fn confirm_two_factor(
        &self,
        req: &RequestInfo,
        code: &str,
    ) -> Result<RecoveryCodes, AppError> {
        let caller = self.caller(req).await?;
        two_factor::confirm(
            &self.state.store,
            &self.state.sealer,
            &self.state.login_limiter,
            &caller,
            code,
        )
        .await
    }

    async fn disable_two_factor(
        &self,
        req: &RequestInfo,
        password: &str,
        code: &str,
    ) -> Result<(), AppError> {
        let caller = self.caller(req).await?;
        two_factor::disable(
            &self.state.store,
            &self.state.sealer,
            &self.state.login_limiter,
            &caller,
            password,
            code,
        )
        .await
    }

    async fn logout(&self, req: &RequestInfo) -> Result<SetCookie, AppError> {
        if let Some(token) = cookie::session_token(&req.headers, req.https) {
            if let Some(caller) = sessions::caller(&self.state.store, token, req.peer_ip).await? {
                let caller = Caller {
                    ip: req.peer_ip,
                    ..caller
                };
                audit::record(
                    &self.state.store,
                    audit::Entry::by(&caller, Action::SignOut),
                )
                .await;
            }
            sessions::close(&self.state.store, token).await?;
        }
        Ok(SetCookie(cookie::clear_session_cookie(req.https)))
    }

    async fn get_account(&self, req: &RequestInfo) -> Result<Account, AppError> {
        let caller = self.caller(req).await?;
        accounts::view(&self.state.store, caller.account_id).await
    }

    async fn regenerate_api_key(&self, req: &RequestInfo) -> Result<NewApiKey, AppError> {
        let caller = self.caller(req).await?;
        security::regenerate_api_key(&self.state.store, &caller).await
    }

    async fn change_password(
        &self,
        req: &RequestInfo,
        request: ChangePassword,
    ) -> Result<SignedOut, AppError> {
        let caller = self.caller(req).await?;
        security::change_password(
            &self.state.store,
            &self.state.login_limiter,
            &caller,
            &request,
        )
        .await
    }

    async fn list_sessions(&self, req: &RequestInfo) -> Result<SessionList, AppError> {
        let caller = self.caller(req).await?;
        sessions::list(&self.state.store, &caller).await
    }

    async fn revoke_session(&self, req: &RequestInfo, id: i64) -> Result<(), AppError> {
        let caller = self.caller(req).await?;
        security::revoke_session(&self.state.store, &caller, id).await
    }

    async fn revoke_other_sessions(&self, req: &RequestInfo) -> Result<SignedOut, AppError> {
        let caller = self.caller(req).await?;
        security::revoke_other_sessions(&self.state.store, &caller).await
    }

    async fn list_databases(&self, req: &RequestInfo) -> Result<DatabaseList, AppError> {
        let caller = self.caller(req).await?;
        Ok(DatabaseList {
            databases: databases::list(
                &self.state.mysql_for(&caller).await?,
                (&self.state.store, &self.state.store_cache),
                &caller,
            )
            .await?,
        })
    }

    async fn create_database(
        &self,
        req: &RequestInfo,
        request: CreateDatabase,
    ) -> Result<Database, AppError> {
        let caller = self.caller(req).await?;
        databases::create(
            &self.state.mysql_for(&caller).await?,
            &self.state.store,
            &caller,
            &request,
        )
        .await
    }

    async fn get_database(
        &self,
        req: &RequestInfo,
        name: &str,
    ) -> Result<DatabaseDetail, AppError> {
        let caller = self.caller(req).await?;
        databases::get(
            &self.state.mysql_for(&caller).await?,
            &caller,
            &databases::owned(&caller, name)?,
            self.state.connection_info(&caller).await?,
        )
        .await
    }

    async fn run_query(
        &self,
        req: &RequestInfo,
        database: &str,
        request: QueryRequest,
    ) -> Result<QueryResponse, AppError> {
        let caller = self.caller(req).await?;
        let database = databases::owned(&caller, database)?;
        let state = &self.state;
        Ok(queries::run(
            &state.queries,
            &state.mysql_for(&caller).await?,
            &state.store,
            &caller,
            &database,
            request,
        )
        .await?
        .1)
    }

    async fn cancel_query(&self, req: &RequestInfo, id: &str) -> Result<(), AppError> {
        let caller = self.caller(req).await?;
        queries::cancel(
            &self.state.queries,
            &self.state.mysql_for(&caller).await?,
            &caller,
            id,
        )
        .await
    }

    async fn list_query_history(&self, req: &RequestInfo) -> Result<QueryHistory, AppError> {
        let caller = self.caller(req).await?;
        queries::history::list(&self.state.store, &caller).await
    }

    async fn get_schema_outline(
        &self,
        req: &RequestInfo,
        database: &str,
    ) -> Result<SchemaOutline, AppError> {
        let caller = self.caller(req).await?;
        queries::outline(
            &self.state.mysql_for(&caller).await?,
            &databases::owned(&caller, database)?,
        )
        .await
    }

    async fn list_backups(
        &self,
        req: &RequestInfo,
        database: Option<String>,
    ) -> Result<BackupList, AppError> {
        let caller = self.caller(req).await?;
        let database = database
            .as_deref()
            .map(|name| databases::owned(&caller, name))
            .transpose()?;
        Ok(BackupList {
            backups: backups::list(&self.state.backup_context(), &caller, database.as_ref())
                .await?,
        })
    }

    async fn create_backup(&self, req: &RequestInfo, database: &str) -> Result<Backup, AppError> {
        let caller = self.caller(req).await?;
        backups::create(
            &self.state.backup_context(),
            &caller,
            &databases::owned(&caller, database)?,
            BackupKind::Manual,
        )
        .await
    }

    async fn delete_backup(&self, req: &RequestInfo, id: &str) -> Result<(), AppError> {
        let caller = self.caller(req).await?;
        backups::delete(&self.state.backup_context(), &caller, id).await
    }

    async fn restore_backup(
        &self,
        req: &RequestInfo,
        id: &str,
        request: RestoreRequest,
    ) -> Result<Job, AppError> {
        let caller = self.caller(req).await?;
        backups::restore(&self.state.backup_context(), &caller, id, request).await
    }

    async fn list_jobs(&self, req: &RequestInfo, database: &str) -> Result<JobList, AppError> {
        let caller = self.caller(req).await?;
        backups::jobs(
            &self.state.backup_context(),
            &caller,
            &databases::owned(&caller, database)?,
        )
        .await
    }

    async fn get_backup_schedule(
        &self,
        req: &RequestInfo,
        database: &str,
    ) -> Result<Option<BackupSchedule>, AppError> {
        let caller = self.caller(req).await?;
        backups::schedule::get(
            &self.state.backup_context(),
            &caller,
            &databases::owned(&caller, database)?,
        )
        .await
    }

    async fn set_backup_schedule(
        &self,
        req: &RequestInfo,
        database: &str,
        request: ScheduleRequest,
    ) -> Result<BackupSchedule, AppError> {
        let caller = self.caller(req).await?;
        backups::schedule::set(
            &self.state.backup_context(),
            &caller,
            &databases::owned(&caller, database)?,
            &request,
        )
        .await
    }

    async fn delete_backup_schedule(
        &self,
        req: &RequestInfo,
        database: &str,
    ) -> Result<(), AppError> {
        let caller = self.caller(req).await?;
        backups::schedule::delete(
            &self.state.backup_context(),
            &caller,
            &databases::owned(&caller, database)?,
        )
        .await
    }

    async fn delete_database(&self, req: &RequestInfo, name: &str) -> Result<(), AppError> {
        let caller = self.caller(req).await?;
        databases::delete(
            &self.state.mysql_for(&caller).await?,
            &self.state.store,
            &caller,
            &databases::owned(&caller, name)?,
        )
        .await
    }

    async fn list_users(&self, req: &RequestInfo) -> Result<UserList, AppError> {
        let caller = self.caller(req).await?;
        Ok(UserList {
            users: db_users::list(&self.state.mysql_for(&caller).await?, &caller).await?,
        })
    }

    async fn create_user(
        &self,
        req: &RequestInfo,
        request: CreateUser,
    ) -> Result<CreatedUser, AppError> {
        let caller = self.caller(req).await?;
        db_users::create(
            &self.state.mysql_for(&caller).await?,
            &self.state.store,
            &caller,
            &request,
        )
        .await
    }

    async fn set_user_password(
        &self,
        req: &RequestInfo,
        name: &str,
        password: &str,
    ) -> Result<(), AppError> {
        let caller = self.caller(req).await?;
        db_users::set_password(
            &self.state.mysql_for(&caller).await?,
            &self.state.store,
            &caller,
            &db_users::owned(&caller, name)?,
            password,
        )
        .await
    }

    async fn delete_user(&self, req: &RequestInfo, name: &str) -> Result<(), AppError> {
        let caller = self.caller(req).await?;
        db_users::delete(
            &self.state.mysql_for(&caller).await?,
            &self.state.store,
            &caller,
            &db_users::owned(&caller, name)?,
        )
        .await
    }

    async fn set_privileges(
        &self,
        req: &RequestInfo,
        user: &str,
        database: &str,
        privileges: Vec<String>,
    ) -> Result<Grant, AppError> {
        let caller = self.caller(req).await?;
        db_users::set_privileges(
            &self.state.mysql_for(&caller).await?,
            &self.state.store,
            &caller,
            (user, database),
            &SetPrivileges { privileges },
        )
        .await
    }

    async fn revoke_privileges(
        &self,
        req: &RequestInfo,
        user: &str,
        database: &str,
    ) -> Result<(), AppError> {
        let caller = self.caller(req).await?;
        db_users::revoke_privileges(
            &self.state.mysql_for(&caller).await?,
            &self.state.store,
            &caller,
            (user, database),
        )
        .await
    }

    async fn list_whitelist(&self, req: &RequestInfo) -> Result<Whitelist, AppError> {
        let caller = self.caller(req).await?;
        Ok(Whitelist {
            entries: whitelist::list(&self.state.store, &caller).await?,
        })
    }

    async fn add_to_whitelist(
        &self,
        req: &RequestInfo,
        request: NewWhitelistEntry,
    ) -> Result<WhitelistEntry, AppError> {
        let caller = self.caller(req).await?;
        whitelist::add(
            &self.state.store,
            &self.state.mysql_for(&caller).await?,
            &caller,
            &request,
        )
        .await
    }

    async fn remove_from_whitelist(&self, req: &RequestInfo, id: i64) -> Result<(), AppError> {
        let caller = self.caller(req).await?;
        whitelist::remove(
            &self.state.store,
            &self.state.mysql_for(&caller).await?,
            &caller,
            id,
        )
        .await
    }

    async fn list_activity(
        &self,
        req: &RequestInfo,
        before: Option<String>,
    ) -> Result<AuditPage, AppError> {
        let caller = self.caller(req).await?;
        audit::page(&self.state.store, &caller, before.as_deref(), None).await
    }

    async fn mysql_status(&self, req: &RequestInfo) -> bool {
        // Without a session there is no account's server to ask: no banner.
        let Ok(caller) = self.caller(req).await else {
            return true;
        };
        match self.state.mysql_for(&caller).await {
            Ok(mysql) => health::mysql_up(&mysql).await,
            Err(_) => false,
        }
    }
}
