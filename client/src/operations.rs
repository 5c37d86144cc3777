//! One method per REST operation, named by its OpenAPI `operationId`.
use super::{Answer, Client, Result, segment};
use reqwest::{Method, StatusCode};
use types::activity::AuditPage;
use types::backups::{
    Backup, BackupList, BackupSchedule, Job, RestoreRequest, ScheduleList, ScheduleRequest,
};
use types::model::{
    Account, CreateDatabase, CreateUser, CreatedUser, Database, DatabaseDetail, DatabaseList,
    Grant, NewWhitelistEntry, RevocationReceived, RevokeKey, SetPassword, SetPrivileges, UserList,
    Whitelist, WhitelistEntry,
};
use types::query::{QueryHistory, QueryRequest, QueryResponse};
use types::security::{ChangePassword, SessionList, SignedOut};

/// No body to send.
const NONE: Option<&()> = None;

impl Client {
    // The account.
    pub async fn get_account(&self) -> Result<Answer<Account>> {
        self.get("/api/account").await
    }

    pub async fn change_password(&self, request: &ChangePassword) -> Result<Answer<SignedOut>> {
        self.send(Method::PUT, "/api/account/password", request)
            .await
    }

    pub async fn list_sessions(&self) -> Result<Answer<SessionList>> {
        self.get("/api/account/sessions").await
    }

    pub async fn revoke_session(&self, id: i64) -> Result<StatusCode> {
        self.send_only(Method::DELETE, &format!("/api/account/sessions/{id}"), NONE)
            .await
    }

    pub async fn revoke_other_sessions(&self) -> Result<Answer<SignedOut>> {
        self.call(self.request(Method::DELETE, "/api/account/sessions"))
            .await
    }

    /// `before`: the cursor of the page before (`AuditPage::next`).
    pub async fn list_audit(&self, before: Option<&str>) -> Result<Answer<AuditPage>> {
        match before {
            Some(cursor) => {
                self.get(&format!("/api/audit?before={}", segment(cursor)))
                    .await
            }
            None => self.get("/api/audit").await,
        }
    }

    /// Reports a key found where it should not be; needs no key of one's own.
    pub async fn revoke_exposed_key(
        &self,
        request: &RevokeKey,
    ) -> Result<Answer<RevocationReceived>> {
        self.send(Method::POST, "/api/keys/revoke", request).await
    }

    // Databases.
    pub async fn list_databases(&self) -> Result<Answer<DatabaseList>> {
        self.get("/api/databases").await
    }

    pub async fn create_database(&self, request: &CreateDatabase) -> Result<Answer<Database>> {
        self.send(Method::POST, "/api/databases", request).await
    }

    pub async fn get_database(&self, name: &str) -> Result<Answer<DatabaseDetail>> {
        self.get(&format!("/api/databases/{}", segment(name))).await
    }

    pub async fn delete_database(&self, name: &str) -> Result<StatusCode> {
        self.send_only(
            Method::DELETE,
            &format!("/api/databases/{}", segment(name)),
            NONE,
        )
        .await
    }

    // Database users and their privileges.
    pub async fn list_users(&self) -> Result<Answer<UserList>> {
        self.get("/api/users").await
    }

    pub async fn create_user(&self, request: &CreateUser) -> Result<Answer<CreatedUser>> {
        self.send(Method::POST, "/api/users", request).await
    }

    pub async fn set_user_password(&self, name: &str, request: &SetPassword) -> Result<StatusCode> {
        let path = format!("/api/users/{}/password", segment(name));
        self.send_only(Method::PUT, &path, Some(request)).await
    }

    pub async fn delete_user(&self, name: &str) -> Result<StatusCode> {
        self.send_only(
            Method::DELETE,
            &format!("/api/users/{}", segment(name)),
            NONE,
        )
        .await
    }

    pub async fn set_privileges(
        &self,
        user: &str,
        database: &str,
        request: &SetPrivileges,
    ) -> Result<Answer<Grant>> {
        self.send(Method::PUT, &privileges_path(user, database), request)
            .await
    }

    pub async fn revoke_privileges(&self, user: &str, database: &str) -> Result<StatusCode> {
        self.send_only(Method::DELETE, &privileges_path(user, database), NONE)
            .await
    }

    // The whitelist.
    pub async fn list_whitelist(&self) -> Result<Answer<Whitelist>> {
        self.get("/api/whitelist").await
    }

    pub async fn add_whitelist_entry(
        &self,
        request: &NewWhitelistEntry,
    ) -> Result<Answer<WhitelistEntry>> {
        self.send(Method::POST, "/api/whitelist", request).await
    }

    pub async fn remove_whitelist_entry(&self, id: i64) -> Result<StatusCode> {
        self.send_only(Method::DELETE, &format!("/api/whitelist/{id}"), NONE)
            .await
    }

    // Queries.
    pub async fn run_query(
        &self,
        database: &str,
        request: &QueryRequest,
    ) -> Result<Answer<QueryResponse>> {
        let path = format!("/api/databases/{}/query", segment(database));
        self.send(Method::POST, &path, request).await
    }

    pub async fn cancel_query(&self, id: &str) -> Result<StatusCode> {
        let path = format!("/api/queries/{}/cancel", segment(id));
        self.send_only(Method::POST, &path, NONE).await
    }

    pub async fn query_history(&self) -> Result<Answer<QueryHistory>> {
        self.get("/api/queries/history").await
    }

    // Backups, restores, imports and schedules.
    pub async fn list_backups(&self, database: Option<&str>) -> Result<Answer<BackupList>> {
        match database {
            Some(name) => {
                self.get(&format!("/api/backups?database={}", segment(name)))
                    .await
            }
            None => self.get("/api/backups").await,
        }
    }

    pub async fn create_backup(&self, database: &str) -> Result<Answer<Backup>> {
        let path = format!("/api/databases/{}/backups", segment(database));
        self.call(self.request(Method::POST, &path)).await
    }

    pub async fn get_backup(&self, id: &str) -> Result<Answer<Backup>> {
        self.get(&format!("/api/backups/{}", segment(id))).await
    }

    pub async fn delete_backup(&self, id: &str) -> Result<StatusCode> {
        self.send_only(
            Method::DELETE,
            &format!("/api/backups/{}", segment(id)),
            NONE,
        )
        .await
    }

    pub async fn restore_backup(&self, id: &str, request: &RestoreRequest) -> Result<Answer<Job>> {
        let path = format!("/api/backups/{}/restore", segment(id));
        self.send(Method::POST, &path, request).await
    }

    pub async fn get_restore(&self, id: &str) -> Result<Answer<Job>> {
        self.get(&format!("/api/restores/{}", segment(id))).await
    }

    pub async fn get_import(&self, id: &str) -> Result<Answer<Job>> {
        self.get(&format!("/api/imports/{}", segment(id))).await
    }

    pub async fn list_backup_schedules(&self) -> Result<Answer<ScheduleList>> {
        self.get("/api/backup-schedules").await
    }

    pub async fn set_backup_schedule(
        &self,
        database: &str,
        request: &ScheduleRequest,
    ) -> Result<Answer<BackupSchedule>> {
        self.send(Method::PUT, &schedule_path(database), request)
            .await
    }

    pub async fn delete_backup_schedule(&self, database: &str) -> Result<StatusCode> {
        self.send_only(Method::DELETE, &schedule_path(database), NONE)
            .await
    }
}

fn privileges_path(user: &str, database: &str) -> String {
    format!(
        "/api/users/{}/privileges/{}",
        segment(user),
        segment(database)
    )
}

fn schedule_path(database: &str) -> String {
    format!("/api/databases/{}/backup-schedule", segment(database))
}
