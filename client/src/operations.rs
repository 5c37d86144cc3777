//! One method per REST operation, named by its OpenAPI `operationId`.
use super::{Answer, Client, Error, Result, name_segment, segment};
use reqwest::{Method, StatusCode};
use types::activity::AuditPage;
use types::alerts::{CreateWebhook, CreatedWebhook, Delivery, DeliveryList, WebhookList};
use types::backups::{
    Backup, BackupList, BackupSchedule, Job, PointInTimeRestore, RestoreRequest, RestoreWindow,
    ScheduleList, ScheduleRequest,
};
use types::model::{
    Account, CreateDatabase, CreateUser, CreatedUser, Database, DatabaseDetail, DatabaseList,
    Grant, NewWhitelistEntry, RevocationReceived, RevokeKey, SetPassword, SetPrivileges, UserList,
    Whitelist, WhitelistEntry,
};
use types::query::{QueryHistory, QueryRequest, QueryResponse};
use types::security::{ChangePassword, SessionList, SignedOut};
use types::tables::ddl::{AddColumn, AddIndex, ChangeColumn, CreateTable, RenameTable};
use types::tables::{
    DeleteRows, ImportResult, InsertRow, RowWritten, RowsDeleted, RowsPage, RowsQuery,
    StatementRun, TableExportFormat, TableList, TableStructure, UpdateRow, percent_encode,
};

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

    // Webhooks.
    pub async fn list_webhooks(&self) -> Result<Answer<WebhookList>> {
        self.get("/api/webhooks").await
    }

    pub async fn create_webhook(&self, request: &CreateWebhook) -> Result<Answer<CreatedWebhook>> {
        self.send(Method::POST, "/api/webhooks", request).await
    }

    pub async fn delete_webhook(&self, id: &str) -> Result<StatusCode> {
        self.send_only(
            Method::DELETE,
            &format!("/api/webhooks/{}", segment(id)),
            NONE,
        )
        .await
    }

    pub async fn list_webhook_deliveries(&self, id: &str) -> Result<Answer<DeliveryList>> {
        self.get(&format!("/api/webhooks/{}/deliveries", segment(id)))
            .await
    }

    pub async fn test_webhook(&self, id: &str) -> Result<Answer<Delivery>> {
        self.call(self.request(Method::POST, &format!("/api/webhooks/{}/test", segment(id))))
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

    pub async fn restore_to_point_in_time(
        &self,
        database: &str,
        request: &PointInTimeRestore,
    ) -> Result<Answer<Job>> {
        let path = format!("/api/databases/{}/restores", segment(database));
        self.send(Method::POST, &path, request).await
    }

    pub async fn get_restore_window(&self, database: &str) -> Result<Answer<RestoreWindow>> {
        self.get(&format!(
            "/api/databases/{}/restore-window",
            segment(database)
        ))
        .await
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

    // Tables: browse, edit and shape a database's data. Table, column and index names may hold
    // any character (`name_segment`); structure changes answer the statement they ran (or, with
    // `dry_run`, would run).
    pub async fn list_tables(&self, database: &str) -> Result<Answer<TableList>> {
        self.get(&tables_path(database)).await
    }

    pub async fn create_table(
        &self,
        database: &str,
        request: &CreateTable,
    ) -> Result<Answer<StatementRun>> {
        self.send(Method::POST, &tables_path(database), request)
            .await
    }

    pub async fn get_table(&self, database: &str, table: &str) -> Result<Answer<TableStructure>> {
        self.get(&table_path(database, table, "")?).await
    }

    pub async fn drop_table(
        &self,
        database: &str,
        table: &str,
        dry_run: bool,
    ) -> Result<Answer<StatementRun>> {
        let path = dry(table_path(database, table, "")?, dry_run);
        self.call(self.request(Method::DELETE, &path)).await
    }

    pub async fn rename_table(
        &self,
        database: &str,
        table: &str,
        request: &RenameTable,
    ) -> Result<Answer<StatementRun>> {
        let path = table_path(database, table, "/rename")?;
        self.send(Method::POST, &path, request).await
    }

    pub async fn truncate_table(
        &self,
        database: &str,
        table: &str,
        dry_run: bool,
    ) -> Result<Answer<StatementRun>> {
        let path = dry(table_path(database, table, "/truncate")?, dry_run);
        self.call(self.request(Method::POST, &path)).await
    }

    /// One page; the next one is `RowsQuery { after: page.next, ..query }`.
    pub async fn list_rows(
        &self,
        database: &str,
        table: &str,
        query: &RowsQuery,
    ) -> Result<Answer<RowsPage>> {
        let path = table_path(database, table, "/rows")?;
        self.get(&with_query(path, &query.to_query_string())).await
    }

    pub async fn insert_row(
        &self,
        database: &str,
        table: &str,
        request: &InsertRow,
    ) -> Result<Answer<RowWritten>> {
        let path = table_path(database, table, "/rows")?;
        self.send(Method::POST, &path, request).await
    }

    /// 409 `row_changed` when the row no longer holds `old`.
    pub async fn update_row(
        &self,
        database: &str,
        table: &str,
        request: &UpdateRow,
    ) -> Result<Answer<RowWritten>> {
        let path = table_path(database, table, "/rows")?;
        self.send(Method::PATCH, &path, request).await
    }

    /// A `DELETE` with a body: the rows' keys and the values they must still hold.
    pub async fn delete_rows(
        &self,
        database: &str,
        table: &str,
        request: &DeleteRows,
    ) -> Result<Answer<RowsDeleted>> {
        let path = table_path(database, table, "/rows")?;
        self.send(Method::DELETE, &path, request).await
    }

    pub async fn add_column(
        &self,
        database: &str,
        table: &str,
        request: &AddColumn,
    ) -> Result<Answer<StatementRun>> {
        let path = table_path(database, table, "/columns")?;
        self.send(Method::POST, &path, request).await
    }

    pub async fn change_column(
        &self,
        database: &str,
        table: &str,
        column: &str,
        request: &ChangeColumn,
    ) -> Result<Answer<StatementRun>> {
        let path = table_path(
            database,
            table,
            &format!("/columns/{}", name_segment(column)?),
        )?;
        self.send(Method::PATCH, &path, request).await
    }

    pub async fn drop_column(
        &self,
        database: &str,
        table: &str,
        column: &str,
        dry_run: bool,
    ) -> Result<Answer<StatementRun>> {
        let column = format!("/columns/{}", name_segment(column)?);
        let path = dry(table_path(database, table, &column)?, dry_run);
        self.call(self.request(Method::DELETE, &path)).await
    }

    pub async fn add_index(
        &self,
        database: &str,
        table: &str,
        request: &AddIndex,
    ) -> Result<Answer<StatementRun>> {
        let path = table_path(database, table, "/indexes")?;
        self.send(Method::POST, &path, request).await
    }

    /// `PRIMARY` drops the primary key.
    pub async fn drop_index(
        &self,
        database: &str,
        table: &str,
        index: &str,
        dry_run: bool,
    ) -> Result<Answer<StatementRun>> {
        let index = format!("/indexes/{}", name_segment(index)?);
        let path = dry(table_path(database, table, &index)?, dry_run);
        self.call(self.request(Method::DELETE, &path)).await
    }

    /// The rows as a file, once the panel has accepted the request: read it as it comes
    /// (`bytes_stream()`) or whole (`bytes()`, `text()`). A failure midway cuts the body off, so
    /// a read error means the file is incomplete.
    pub async fn export_table(
        &self,
        database: &str,
        table: &str,
        query: &RowsQuery,
        format: TableExportFormat,
    ) -> Result<reqwest::Response> {
        let path = table_path(database, table, "/export")?;
        let view = query.to_query_string();
        let mut params = format!("format={}", format.extension());
        if !view.is_empty() {
            params = format!("{params}&{view}");
        }
        self.response(self.request(Method::GET, &with_query(path, &params)))
            .await
    }

    /// Loads CSV (UTF-8, at most 64 MiB) into the table in one transaction: `columns` names the
    /// target of each CSV column in order (`None` skips it); `header`: the first record holds names.
    pub async fn import_rows(
        &self,
        database: &str,
        table: &str,
        columns: &[Option<&str>],
        header: bool,
        csv: impl Into<reqwest::Body>,
    ) -> Result<Answer<ImportResult>> {
        if let Some(name) = columns
            .iter()
            .flatten()
            .find(|c| c.contains(',') || **c == "-")
        {
            return Err(Error::Invalid(format!(
                "An import cannot name column {name:?}: the mapping is comma-separated and `-` skips a column."
            )));
        }
        let columns = columns
            .iter()
            .map(|column| column.unwrap_or("-"))
            .collect::<Vec<_>>()
            .join(",");
        let params = format!("columns={}&header={header}", percent_encode(&columns));
        let path = with_query(table_path(database, table, "/import")?, &params);
        let request = self
            .request(Method::POST, &path)
            .header(reqwest::header::CONTENT_TYPE, "text/csv; charset=utf-8")
            .body(csv);
        self.call(request).await
    }
}

fn tables_path(database: &str) -> String {
    format!("/api/databases/{}/tables", segment(database))
}

/// `…/tables/{table}` and what follows it (`rest`, already encoded).
fn table_path(database: &str, table: &str, rest: &str) -> Result<String> {
    Ok(format!(
        "{}/{}{rest}",
        tables_path(database),
        name_segment(table)?
    ))
}

fn dry(path: String, dry_run: bool) -> String {
    with_query(path, if dry_run { "dry_run=true" } else { "" })
}

fn with_query(path: String, query: &str) -> String {
    if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
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
