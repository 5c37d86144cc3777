//! The Tables tab: every table and view of a database, their rows (browse, sort, filter, edit),
//! their structure (columns, indexes, keys, triggers and the forms that change them), and CSV
//! import/export. The types are `types::tables`, re-exported here; the server functions below call
//! `panel_core::services::tables`, the same functions `/api/databases/{name}/tables…` calls.
//! The pages are in the submodules, behind their own lazy split point (`routes::tables_page`).
pub mod browser;
pub mod cells;
pub mod changes;
pub mod create;
pub mod data;
pub mod editor;
pub mod forms;
pub mod list;
pub mod structure;
pub mod table;
pub mod transfer;
pub mod url;

pub use types::tables::*;

use crate::error::AppError;
use ddl::{AddColumn, AddIndex, ChangeColumn};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// A server function's body on one of the caller's databases: `$state`, `$caller` and `$db` are
/// bound for `$work`, and a failure is answered with its HTTP status.
#[cfg(feature = "ssr")]
macro_rules! on_database {
    ($database:ident, |$state:ident, $caller:ident, $db:ident| $work:block) => {
        crate::rpc::answer(async {
            let ($state, $caller, $db) = ssr::scope(&$database).await?;
            $work
        })
        .await
    };
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::error::AppError;
    use panel_core::domain::caller::Caller;
    use panel_core::services::databases;
    use panel_core::services::tables::context::Context;
    use types::names::DatabaseName;

    /// The signed-in caller and `database`, which must be one of theirs.
    pub async fn scope(database: &str) -> Result<(Context, Caller, DatabaseName), AppError> {
        let (state, caller) = crate::rpc::signed_in().await?;
        let database = databases::owned(&caller, database)?;
        Ok((state.tables(), caller, database))
    }
}

#[server(prefix = "/rpc", endpoint = "list_tables", input = Json)]
pub async fn list_tables(database: String) -> Result<TableList, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::list(&state, &caller, &database).await
    })
}

#[server(prefix = "/rpc", endpoint = "get_table_structure", input = Json)]
pub async fn get_table_structure(
    database: String,
    table: String,
) -> Result<TableStructure, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::structure(&state, &caller, &database, &table).await
    })
}

/// One page of rows; the view's parts are `RowsQuery`'s (see `url` for how the page keeps them).
#[server(prefix = "/rpc", endpoint = "get_table_rows", input = Json)]
pub async fn get_table_rows(
    database: String,
    table: String,
    limit: Option<u32>,
    after: Option<String>,
    order: Option<String>,
    filters: Vec<String>,
) -> Result<RowsPage, AppError> {
    on_database!(database, |state, caller, database| {
        let query = RowsQuery {
            limit,
            after,
            order,
            filters,
        };
        panel_core::services::tables::rows(&state, &caller, &database, &table, &query).await
    })
}

#[server(prefix = "/rpc", endpoint = "insert_table_row", input = Json)]
pub async fn insert_table_row(
    database: String,
    table: String,
    request: InsertRow,
) -> Result<RowWritten, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::insert(&state, &caller, &database, &table, &request).await
    })
}

#[server(prefix = "/rpc", endpoint = "update_table_row", input = Json)]
pub async fn update_table_row(
    database: String,
    table: String,
    request: UpdateRow,
) -> Result<RowWritten, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::update(&state, &caller, &database, &table, &request).await
    })
}

#[server(prefix = "/rpc", endpoint = "delete_table_rows", input = Json)]
pub async fn delete_table_rows(
    database: String,
    table: String,
    request: DeleteRows,
) -> Result<RowsDeleted, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::delete(&state, &caller, &database, &table, &request).await
    })
}

#[server(prefix = "/rpc", endpoint = "create_table", input = Json)]
pub async fn create_table(
    database: String,
    request: ddl::CreateTable,
) -> Result<StatementRun, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::create_table(&state, &caller, &database, &request).await
    })
}

#[server(prefix = "/rpc", endpoint = "add_table_column", input = Json)]
pub async fn add_table_column(
    database: String,
    table: String,
    request: AddColumn,
) -> Result<StatementRun, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::add_column(&state, &caller, &database, &table, &request).await
    })
}

#[server(prefix = "/rpc", endpoint = "change_table_column", input = Json)]
pub async fn change_table_column(
    database: String,
    table: String,
    column: String,
    request: ChangeColumn,
) -> Result<StatementRun, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::change_column(
            &state, &caller, &database, &table, &column, &request,
        )
        .await
    })
}

#[server(prefix = "/rpc", endpoint = "drop_table_column", input = Json)]
pub async fn drop_table_column(
    database: String,
    table: String,
    column: String,
    dry_run: bool,
) -> Result<StatementRun, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::drop_column(
            &state, &caller, &database, &table, &column, dry_run,
        )
        .await
    })
}

#[server(prefix = "/rpc", endpoint = "add_table_index", input = Json)]
pub async fn add_table_index(
    database: String,
    table: String,
    request: AddIndex,
) -> Result<StatementRun, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::add_index(&state, &caller, &database, &table, &request).await
    })
}

#[server(prefix = "/rpc", endpoint = "drop_table_index", input = Json)]
pub async fn drop_table_index(
    database: String,
    table: String,
    index: String,
    dry_run: bool,
) -> Result<StatementRun, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::drop_index(
            &state, &caller, &database, &table, &index, dry_run,
        )
        .await
    })
}

#[server(prefix = "/rpc", endpoint = "rename_table", input = Json)]
pub async fn rename_table(
    database: String,
    table: String,
    request: ddl::RenameTable,
) -> Result<StatementRun, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::rename_table(&state, &caller, &database, &table, &request)
            .await
    })
}

#[server(prefix = "/rpc", endpoint = "truncate_table", input = Json)]
pub async fn truncate_table(
    database: String,
    table: String,
    dry_run: bool,
) -> Result<StatementRun, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::truncate_table(&state, &caller, &database, &table, dry_run)
            .await
    })
}

#[server(prefix = "/rpc", endpoint = "drop_table", input = Json)]
pub async fn drop_table(
    database: String,
    table: String,
    dry_run: bool,
) -> Result<StatementRun, AppError> {
    on_database!(database, |state, caller, database| {
        panel_core::services::tables::drop_table(&state, &caller, &database, &table, dry_run).await
    })
}
