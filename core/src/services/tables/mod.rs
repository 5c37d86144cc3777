//! Tables: browse, edit and shape a database's data without writing SQL. Every statement runs as
//! the account's own identity (MariaDB itself refuses other tenants), on a session within the
//! account's slots and under the console's deadline; values are bound parameters, names quoted
//! identifiers, and structure changes the statements `types::tables::ddl` builds (the same ones
//! the forms show). Changes land in the audit log.
mod browse;
mod catalog;
pub mod context;
mod edit;
pub mod export;
pub mod import;
mod meta;
mod session;
mod values;

use crate::domain::caller::Caller;
use crate::services::audit;
use context::Context;
use mysql_async::prelude::Queryable;
use session::TableSession;
use types::activity::Action;
use types::error::AppError;
use types::names::DatabaseName;
use types::tables::ddl::{self, AddColumn, AddIndex, ChangeColumn, CreateTable, RenameTable};
use types::tables::{
    DeleteRows, Identifier, InsertRow, RowWritten, RowsDeleted, RowsPage, RowsQuery, StatementRun,
    TableList, TableStructure, UpdateRow,
};

/// MariaDB's refusal of a statement, as the console reports it.
fn sql_failure(err: mysql_async::Error) -> AppError {
    crate::services::queries::statement_error(
        err,
        std::time::Duration::from_millis(types::query::DEFAULT_TIMEOUT_MS),
    )
}

/// Opens the session, runs `work` on it under the backstop, and closes it.
macro_rules! on_session {
    ($state:expr, $caller:expr, $database:expr, |$session:ident| $work:expr) => {{
        let mut $session = TableSession::open($state, $caller, $database).await?;
        let timeout = $session.timeout();
        let result = TableSession::within(timeout, async { $work }).await;
        if result.is_ok() {
            $session.finish().await;
        }
        match result {
            Ok(done) => Ok(done),
            Err(err) => Err(crate::services::storage_writes::explain(
                &$state.store,
                $caller.account_id,
                err,
            )
            .await),
        }
    }};
}

pub async fn list(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
) -> Result<TableList, AppError> {
    on_session!(state, caller, database, |session| catalog::list(
        &mut session
    )
    .await)
}

pub async fn structure(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
) -> Result<TableStructure, AppError> {
    on_session!(state, caller, database, |session| {
        catalog::structure(&mut session, table).await
    })
}

pub async fn rows(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    query: &RowsQuery,
) -> Result<RowsPage, AppError> {
    on_session!(state, caller, database, |session| {
        let table = meta::read(&mut session, table).await?;
        browse::page(&mut session, &table, query).await
    })
}

pub async fn insert(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    request: &InsertRow,
) -> Result<RowWritten, AppError> {
    let written = on_session!(state, caller, database, |session| {
        let table = meta::read(&mut session, table).await?;
        edit::insert(&mut session, &table, request).await
    })?;
    record(caller, Action::RowInserted, database, table)
        .with("key", json(&written.key))
        .write(state)
        .await;
    Ok(written)
}

pub async fn update(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    request: &UpdateRow,
) -> Result<RowWritten, AppError> {
    let written = on_session!(state, caller, database, |session| {
        let table = meta::read(&mut session, table).await?;
        edit::update(&mut session, &table, request).await
    })?;
    record(caller, Action::RowUpdated, database, table)
        .with("key", json(&request.key))
        .with(
            "columns",
            request.set.keys().cloned().collect::<Vec<_>>().join(", "),
        )
        .write(state)
        .await;
    Ok(written)
}

pub async fn delete(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    request: &DeleteRows,
) -> Result<RowsDeleted, AppError> {
    let deleted = on_session!(state, caller, database, |session| {
        let table = meta::read(&mut session, table).await?;
        edit::delete(&mut session, &table, request).await
    })?;
    let keys: Vec<_> = request.rows.iter().map(|r| &r.key).collect();
    record(caller, Action::RowsDeleted, database, table)
        .with("rows", deleted.to_string())
        .with("keys", serde_json::to_string(&keys).unwrap_or_default())
        .write(state)
        .await;
    Ok(RowsDeleted { deleted })
}

pub async fn create_table(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    request: &CreateTable,
) -> Result<StatementRun, AppError> {
    let sql = ddl::create_table(request)?;
    let table = Identifier::parse(&request.name, "Table")?;
    change(state, caller, database, &table, sql, request.dry_run, false).await
}

pub async fn add_column(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    request: &AddColumn,
) -> Result<StatementRun, AppError> {
    let table = Identifier::from_path(table, "Table")?;
    let sql = ddl::add_column(&table, request)?;
    change(state, caller, database, &table, sql, request.dry_run, true).await
}

pub async fn change_column(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    column: &str,
    request: &ChangeColumn,
) -> Result<StatementRun, AppError> {
    let table = Identifier::from_path(table, "Table")?;
    let column = Identifier::from_path(column, "Column")?;
    let sql = ddl::change_column(&table, &column, request)?;
    change(state, caller, database, &table, sql, request.dry_run, true).await
}

pub async fn drop_column(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    column: &str,
    dry_run: bool,
) -> Result<StatementRun, AppError> {
    let table = Identifier::from_path(table, "Table")?;
    let sql = ddl::drop_column(&table, &Identifier::from_path(column, "Column")?);
    change(state, caller, database, &table, sql, dry_run, true).await
}

pub async fn add_index(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    request: &AddIndex,
) -> Result<StatementRun, AppError> {
    let table = Identifier::from_path(table, "Table")?;
    let sql = ddl::add_index(&table, request)?;
    change(state, caller, database, &table, sql, request.dry_run, true).await
}

pub async fn drop_index(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    index: &str,
    dry_run: bool,
) -> Result<StatementRun, AppError> {
    let table = Identifier::from_path(table, "Table")?;
    let sql = ddl::drop_index(&table, &Identifier::from_path(index, "Index")?);
    change(state, caller, database, &table, sql, dry_run, true).await
}

pub async fn rename_table(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    request: &RenameTable,
) -> Result<StatementRun, AppError> {
    let table = Identifier::from_path(table, "Table")?;
    let sql = ddl::rename_table(&table, request)?;
    change(state, caller, database, &table, sql, request.dry_run, true).await
}

pub async fn truncate_table(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    dry_run: bool,
) -> Result<StatementRun, AppError> {
    let table = Identifier::from_path(table, "Table")?;
    let sql = ddl::truncate_table(&table);
    change(state, caller, database, &table, sql, dry_run, true).await
}

pub async fn drop_table(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &str,
    dry_run: bool,
) -> Result<StatementRun, AppError> {
    let table = Identifier::from_path(table, "Table")?;
    let sql = ddl::drop_table(&table);
    change(state, caller, database, &table, sql, dry_run, true).await
}

/// Runs (or, for a dry run, only answers) a structure statement. `existing`: the table must be
/// there first (404 otherwise, like every other Tables endpoint).
async fn change(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    table: &Identifier,
    sql: String,
    dry_run: bool,
    existing: bool,
) -> Result<StatementRun, AppError> {
    on_session!(state, caller, database, |session| {
        if existing {
            meta::read(&mut session, table.as_str()).await?;
        }
        if !dry_run {
            session.conn().query_drop(&sql).await.map_err(sql_failure)?;
        }
        Ok(())
    })?;
    if !dry_run {
        record(caller, Action::TableChanged, database, table.as_str())
            .with("statement", sql.clone())
            .write(state)
            .await;
    }
    Ok(StatementRun {
        sql,
        applied: !dry_run,
    })
}

fn json(values: &types::tables::Values) -> String {
    serde_json::to_string(values).unwrap_or_default()
}

/// An audit event about a table.
struct Event<'a>(audit::Entry<'a>);

impl Event<'_> {
    fn with(self, key: &'static str, value: impl Into<String>) -> Self {
        Self(self.0.with(key, value))
    }
    async fn write(self, state: &Context) {
        audit::record(&state.store, self.0).await;
    }
}

fn record<'a>(
    caller: &'a Caller,
    action: Action,
    database: &DatabaseName,
    table: &str,
) -> Event<'a> {
    Event(
        audit::Entry::by(caller, action)
            .with("database", database.as_str())
            .with("table", table),
    )
}
