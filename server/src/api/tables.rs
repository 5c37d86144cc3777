//! Tables: browse, edit and shape a database's data (`/api/databases/{name}/tables…`). Thin
//! handlers over `services::tables`, which runs everything as the account's own identity.
use super::{JsonBody, QueryParams};
use crate::domain::caller::Caller;
use crate::services::{databases, tables};
use crate::state::AppState;
use app::error::{AppError, ErrorBody};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use types::tables::ddl::{AddColumn, AddIndex, ChangeColumn, CreateTable, DryRun, RenameTable};
use types::tables::{
    DeleteRows, ImportResult, InsertRow, MAX_IMPORT_BYTES, RowWritten, RowsDeleted, RowsPage,
    RowsQuery, StatementRun, TableExportFormat, TableList, TableStructure, UpdateRow,
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(structure, drop))
        .routes(routes!(rename))
        .routes(routes!(truncate))
        .routes(routes!(rows, insert, update, delete))
        .routes(routes!(add_column))
        .routes(routes!(change_column, drop_column))
        .routes(routes!(add_index))
        .routes(routes!(drop_index))
        .routes(routes!(export))
        .routes(routes!(import))
}

/// Every table and view of the database, with engine, estimated rows, sizes and collation.
#[utoipa::path(get, path = "/databases/{name}/tables", tag = "tables", operation_id = "list_tables",
    params(("name" = String, Path)),
    responses((status = 200, body = TableList), (status = 404, description = "No such database in your account", body = ErrorBody)))]
pub async fn list(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<TableList>, AppError> {
    let database = databases::owned(&caller, &name)?;
    Ok(Json(tables::list(&state, &caller, &database).await?))
}

/// Creates a table (`dry_run`: answers the `CREATE TABLE` without running it).
#[utoipa::path(post, path = "/databases/{name}/tables", tag = "tables", operation_id = "create_table",
    params(("name" = String, Path)), request_body = CreateTable,
    responses(
        (status = 201, body = StatementRun), (status = 200, description = "dry_run: the statement, not run", body = StatementRun),
        (status = 400, description = "sql_error: MariaDB refused the statement (mysql_errno says why)", body = ErrorBody),
        (status = 404, description = "No such database in your account", body = ErrorBody),
        (status = 422, description = "A name, type or default that is not valid", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path(name): Path<String>,
    JsonBody(request): JsonBody<CreateTable>,
) -> Result<(StatusCode, Json<StatementRun>), AppError> {
    let database = databases::owned(&caller, &name)?;
    let run = tables::create_table(&state, &caller, &database, &request).await?;
    Ok((created_or_ok(&run), Json(run)))
}

fn created_or_ok(run: &StatementRun) -> StatusCode {
    if run.applied {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// The table's columns, indexes, foreign keys, triggers and `SHOW CREATE TABLE`; `key` names the
/// columns that address a row (empty: its rows are read-only here, `read_only_reason` says why).
#[utoipa::path(get, path = "/databases/{name}/tables/{table}", tag = "tables", operation_id = "get_table",
    params(("name" = String, Path), ("table" = String, Path)),
    responses((status = 200, body = TableStructure), (status = 404, description = "No such database or table in your account", body = ErrorBody)))]
pub async fn structure(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table)): Path<(String, String)>,
) -> Result<Json<TableStructure>, AppError> {
    let database = databases::owned(&caller, &name)?;
    Ok(Json(
        tables::structure(&state, &caller, &database, &table).await?,
    ))
}

/// `DROP TABLE` (`?dry_run=true`: the statement only).
#[utoipa::path(delete, path = "/databases/{name}/tables/{table}", tag = "tables", operation_id = "drop_table",
    params(("name" = String, Path), ("table" = String, Path), DryRun),
    responses((status = 200, body = StatementRun), (status = 400, description = "sql_error", body = ErrorBody),
        (status = 404, description = "No such database or table in your account", body = ErrorBody)))]
pub async fn drop(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table)): Path<(String, String)>,
    QueryParams(dry): QueryParams<DryRun>,
) -> Result<Json<StatementRun>, AppError> {
    let database = databases::owned(&caller, &name)?;
    Ok(Json(
        tables::drop_table(&state, &caller, &database, &table, dry.dry_run).await?,
    ))
}

/// `RENAME TABLE` within the database.
#[utoipa::path(post, path = "/databases/{name}/tables/{table}/rename", tag = "tables", operation_id = "rename_table",
    params(("name" = String, Path), ("table" = String, Path)), request_body = RenameTable,
    responses((status = 200, body = StatementRun), (status = 400, description = "sql_error", body = ErrorBody),
        (status = 404, description = "No such database or table in your account", body = ErrorBody),
        (status = 422, description = "Not a valid table name", body = ErrorBody)))]
pub async fn rename(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table)): Path<(String, String)>,
    JsonBody(request): JsonBody<RenameTable>,
) -> Result<Json<StatementRun>, AppError> {
    let database = databases::owned(&caller, &name)?;
    Ok(Json(
        tables::rename_table(&state, &caller, &database, &table, &request).await?,
    ))
}

/// `TRUNCATE TABLE`: every row goes (`?dry_run=true`: the statement only).
#[utoipa::path(post, path = "/databases/{name}/tables/{table}/truncate", tag = "tables", operation_id = "truncate_table",
    params(("name" = String, Path), ("table" = String, Path), DryRun),
    responses((status = 200, body = StatementRun), (status = 400, description = "sql_error", body = ErrorBody),
        (status = 404, description = "No such database or table in your account", body = ErrorBody)))]
pub async fn truncate(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table)): Path<(String, String)>,
    QueryParams(dry): QueryParams<DryRun>,
) -> Result<Json<StatementRun>, AppError> {
    let database = databases::owned(&caller, &name)?;
    Ok(Json(
        tables::truncate_table(&state, &caller, &database, &table, dry.dry_run).await?,
    ))
}

/// One page of rows, in key order or `order`, after the row whose key is `after` (keyset
/// pagination: page 10,000 costs what page 1 does). Binary values are base64 (`encoding`).
#[utoipa::path(get, path = "/databases/{name}/tables/{table}/rows", tag = "tables", operation_id = "list_rows",
    params(("name" = String, Path), ("table" = String, Path),
        ("limit" = Option<u32>, Query, description = "Rows a page sends: 1 to 10000 (default 50)", minimum = 1, maximum = 10000),
        ("after" = Option<String>, Query, description = "The previous page's `next`: the key of its last row (a value as is; a composite key as a JSON array)"),
        ("order" = Option<String>, Query, description = "`column` or `column.desc`; the key breaks ties"),
        ("filter" = Option<Vec<String>>, Query, explode = true, description = "`column.op.value`, repeated for AND; op: eq, neq, lt, gt, like, in (comma-separated or a JSON array), is.null, is.notnull"),
    ),
    responses((status = 200, body = RowsPage),
        (status = 400, description = "sql_error, query_timeout", body = ErrorBody),
        (status = 404, description = "No such database or table in your account", body = ErrorBody),
        (status = 422, description = "An unknown column, operator or parameter, or a limit out of range", body = ErrorBody)))]
pub async fn rows(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table)): Path<(String, String)>,
    QueryParams(pairs): QueryParams<Vec<(String, String)>>,
) -> Result<Json<RowsPage>, AppError> {
    let database = databases::owned(&caller, &name)?;
    let (query, _) = RowsQuery::from_pairs(pairs, &[])?;
    Ok(Json(
        tables::rows(&state, &caller, &database, &table, &query).await?,
    ))
}

/// Inserts a row (columns left out take their defaults) and answers it as stored.
#[utoipa::path(post, path = "/databases/{name}/tables/{table}/rows", tag = "tables", operation_id = "insert_row",
    params(("name" = String, Path), ("table" = String, Path)), request_body = InsertRow,
    responses((status = 201, body = RowWritten),
        (status = 400, description = "sql_error: MariaDB refused the row (a duplicate key, a value out of range, …)", body = ErrorBody),
        (status = 404, description = "No such database or table in your account", body = ErrorBody),
        (status = 409, description = "The table has no key, or is a view: its rows are read-only here", body = ErrorBody),
        (status = 422, description = "An unknown column, or a value of the wrong kind", body = ErrorBody)))]
pub async fn insert(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table)): Path<(String, String)>,
    JsonBody(request): JsonBody<InsertRow>,
) -> Result<(StatusCode, Json<RowWritten>), AppError> {
    let database = databases::owned(&caller, &name)?;
    let written = tables::insert(&state, &caller, &database, &table, &request).await?;
    Ok((StatusCode::CREATED, Json(written)))
}

/// Changes one row by its key, only while it still holds `old`: otherwise 409 `row_changed` and
/// nothing is written.
#[utoipa::path(patch, path = "/databases/{name}/tables/{table}/rows", tag = "tables", operation_id = "update_row",
    params(("name" = String, Path), ("table" = String, Path)), request_body = UpdateRow,
    responses((status = 200, body = RowWritten),
        (status = 400, description = "sql_error", body = ErrorBody),
        (status = 404, description = "No such database or table in your account", body = ErrorBody),
        (status = 409, description = "row_changed: the row no longer holds `old` (or is gone); or the table is read-only here", body = ErrorBody),
        (status = 422, description = "key does not name the key columns, an unknown column, or a value of the wrong kind", body = ErrorBody)))]
pub async fn update(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table)): Path<(String, String)>,
    JsonBody(request): JsonBody<UpdateRow>,
) -> Result<Json<RowWritten>, AppError> {
    let database = databases::owned(&caller, &name)?;
    Ok(Json(
        tables::update(&state, &caller, &database, &table, &request).await?,
    ))
}

/// Deletes rows by key, each only while it still holds its `old` values; one that changed makes
/// it 409 `row_changed` and (on transactional tables) none is deleted.
#[utoipa::path(delete, path = "/databases/{name}/tables/{table}/rows", tag = "tables", operation_id = "delete_rows",
    params(("name" = String, Path), ("table" = String, Path)), request_body = DeleteRows,
    responses((status = 200, body = RowsDeleted),
        (status = 400, description = "sql_error", body = ErrorBody),
        (status = 404, description = "No such database or table in your account", body = ErrorBody),
        (status = 409, description = "row_changed, or the table is read-only here", body = ErrorBody),
        (status = 422, description = "No rows, more than 1000, or a key that does not name the key columns", body = ErrorBody)))]
pub async fn delete(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table)): Path<(String, String)>,
    JsonBody(request): JsonBody<DeleteRows>,
) -> Result<Json<RowsDeleted>, AppError> {
    let database = databases::owned(&caller, &name)?;
    Ok(Json(
        tables::delete(&state, &caller, &database, &table, &request).await?,
    ))
}

/// `ALTER TABLE … ADD COLUMN` (`dry_run`: the statement only).
#[utoipa::path(post, path = "/databases/{name}/tables/{table}/columns", tag = "tables", operation_id = "add_column",
    params(("name" = String, Path), ("table" = String, Path)), request_body = AddColumn,
    responses((status = 201, body = StatementRun), (status = 200, description = "dry_run: the statement, not run", body = StatementRun),
        (status = 400, description = "sql_error", body = ErrorBody),
        (status = 404, description = "No such database or table in your account", body = ErrorBody),
        (status = 422, description = "A name, type or default that is not valid", body = ErrorBody)))]
pub async fn add_column(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table)): Path<(String, String)>,
    JsonBody(request): JsonBody<AddColumn>,
) -> Result<(StatusCode, Json<StatementRun>), AppError> {
    let database = databases::owned(&caller, &name)?;
    let run = tables::add_column(&state, &caller, &database, &table, &request).await?;
    Ok((created_or_ok(&run), Json(run)))
}

/// `ALTER TABLE … CHANGE COLUMN`: the column's new definition (a new name renames it).
#[utoipa::path(patch, path = "/databases/{name}/tables/{table}/columns/{column}", tag = "tables", operation_id = "change_column",
    params(("name" = String, Path), ("table" = String, Path), ("column" = String, Path)), request_body = ChangeColumn,
    responses((status = 200, body = StatementRun), (status = 400, description = "sql_error", body = ErrorBody),
        (status = 404, description = "No such database or table in your account", body = ErrorBody),
        (status = 422, description = "A name, type or default that is not valid", body = ErrorBody)))]
pub async fn change_column(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table, column)): Path<(String, String, String)>,
    JsonBody(request): JsonBody<ChangeColumn>,
) -> Result<Json<StatementRun>, AppError> {
    let database = databases::owned(&caller, &name)?;
    Ok(Json(
        tables::change_column(&state, &caller, &database, &table, &column, &request).await?,
    ))
}

/// `ALTER TABLE … DROP COLUMN` (`?dry_run=true`: the statement only).
#[utoipa::path(delete, path = "/databases/{name}/tables/{table}/columns/{column}", tag = "tables", operation_id = "drop_column",
    params(("name" = String, Path), ("table" = String, Path), ("column" = String, Path), DryRun),
    responses((status = 200, body = StatementRun), (status = 400, description = "sql_error", body = ErrorBody),
        (status = 404, description = "No such database or table in your account", body = ErrorBody)))]
pub async fn drop_column(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table, column)): Path<(String, String, String)>,
    QueryParams(dry): QueryParams<DryRun>,
) -> Result<Json<StatementRun>, AppError> {
    let database = databases::owned(&caller, &name)?;
    Ok(Json(
        tables::drop_column(&state, &caller, &database, &table, &column, dry.dry_run).await?,
    ))
}

/// `ALTER TABLE … ADD [UNIQUE|FULLTEXT] INDEX` (`dry_run`: the statement only).
#[utoipa::path(post, path = "/databases/{name}/tables/{table}/indexes", tag = "tables", operation_id = "add_index",
    params(("name" = String, Path), ("table" = String, Path)), request_body = AddIndex,
    responses((status = 201, body = StatementRun), (status = 200, description = "dry_run: the statement, not run", body = StatementRun),
        (status = 400, description = "sql_error", body = ErrorBody),
        (status = 404, description = "No such database or table in your account", body = ErrorBody),
        (status = 422, description = "A name or column list that is not valid", body = ErrorBody)))]
pub async fn add_index(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table)): Path<(String, String)>,
    JsonBody(request): JsonBody<AddIndex>,
) -> Result<(StatusCode, Json<StatementRun>), AppError> {
    let database = databases::owned(&caller, &name)?;
    let run = tables::add_index(&state, &caller, &database, &table, &request).await?;
    Ok((created_or_ok(&run), Json(run)))
}

/// `ALTER TABLE … DROP INDEX` (`PRIMARY`: `DROP PRIMARY KEY`; `?dry_run=true`: the statement only).
#[utoipa::path(delete, path = "/databases/{name}/tables/{table}/indexes/{index}", tag = "tables", operation_id = "drop_index",
    params(("name" = String, Path), ("table" = String, Path), ("index" = String, Path), DryRun),
    responses((status = 200, body = StatementRun), (status = 400, description = "sql_error", body = ErrorBody),
        (status = 404, description = "No such database or table in your account", body = ErrorBody)))]
pub async fn drop_index(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table, index)): Path<(String, String, String)>,
    QueryParams(dry): QueryParams<DryRun>,
) -> Result<Json<StatementRun>, AppError> {
    let database = databases::owned(&caller, &name)?;
    Ok(Json(
        tables::drop_index(&state, &caller, &database, &table, &index, dry.dry_run).await?,
    ))
}

/// The table, or a filtered view of it, streamed whole as CSV, a JSON array of objects, or SQL
/// `INSERT`s (100 rows each). A failure midway cuts the transfer off (never a clean end).
#[utoipa::path(get, path = "/databases/{name}/tables/{table}/export", tag = "tables", operation_id = "export_table",
    params(("name" = String, Path), ("table" = String, Path),
        ("format" = inline(TableExportFormat), Query, description = "csv, json or sql"),
        ("order" = Option<String>, Query, description = "As for rows"),
        ("filter" = Option<Vec<String>>, Query, explode = true, description = "As for rows"),
        ("limit" = Option<u32>, Query, description = "As for rows; default: every row", minimum = 1, maximum = 10000),
        ("after" = Option<String>, Query, description = "As for rows"),
    ),
    responses((status = 200, description = "The rows as a file", content_type = "text/csv"),
        (status = 404, description = "No such database or table in your account", body = ErrorBody),
        (status = 422, description = "An unknown format, column or operator", body = ErrorBody)))]
pub async fn export(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table)): Path<(String, String)>,
    QueryParams(pairs): QueryParams<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let database = databases::owned(&caller, &name)?;
    let (query, rest) = RowsQuery::from_pairs(pairs, &["format"])?;
    let format = rest
        .iter()
        .find(|(name, _)| name == "format")
        .and_then(|(_, value)| TableExportFormat::parse(value))
        .ok_or_else(|| AppError::validation("format is csv, json or sql."))?;
    let chunks = tables::export::export(&state, &caller, &database, &table, &query, format).await?;
    let content_type = match format {
        TableExportFormat::Csv => "text/csv; charset=utf-8; header=present",
        TableExportFormat::Json => "application/json",
        TableExportFormat::Sql => "application/sql; charset=utf-8",
    };
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let file = format!("{}.{}", safe_file_name(&table), format.extension());
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A table name as a download's file name: ASCII letters, digits, `-` and `_` only.
fn safe_file_name(table: &str) -> String {
    let name: String = table
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "table".to_owned()
    } else {
        name
    }
}

/// Loads CSV (the body, UTF-8, at most 64 MiB) into the table: `columns` maps each CSV column to
/// a table column in order (`-` skips one); `header=false` when the first line is data. One
/// transaction: a bad record (its number is in the message) leaves the table as it was.
#[utoipa::path(post, path = "/databases/{name}/tables/{table}/import", tag = "tables", operation_id = "import_rows",
    params(("name" = String, Path), ("table" = String, Path),
        ("columns" = String, Query, description = "Comma-separated target columns, one per CSV column; `-` skips it"),
        ("header" = Option<bool>, Query, description = "Whether the first record holds names (default true)"),
    ),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportResult),
        (status = 400, description = "sql_error: MariaDB refused a row", body = ErrorBody),
        (status = 404, description = "No such database or table in your account", body = ErrorBody),
        (status = 413, description = "Larger than 64 MiB", body = ErrorBody),
        (status = 422, description = "A malformed CSV, a record of the wrong width, an unknown column", body = ErrorBody)))]
pub async fn import(
    State(state): State<tables::context::Context>,
    caller: Caller,
    Path((name, table)): Path<(String, String)>,
    QueryParams(pairs): QueryParams<Vec<(String, String)>>,
    request: Request,
) -> Result<Json<ImportResult>, AppError> {
    let database = databases::owned(&caller, &name)?;
    let value = |wanted: &str| {
        pairs
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, value)| value.as_str())
    };
    if let Some((unknown, _)) = pairs.iter().find(|(n, _)| n != "columns" && n != "header") {
        return Err(AppError::validation(format!(
            "Unknown query parameter {unknown}: use columns and header."
        )));
    }
    let columns = value("columns").ok_or_else(|| {
        AppError::validation("columns is required: the target column of each CSV column.")
    })?;
    let mapping = tables::import::Mapping::parse(columns, value("header"))?;
    let body = axum::body::to_bytes(request.into_body(), MAX_IMPORT_BYTES)
        .await
        .map_err(|_| {
            AppError::new(
                app::error::ErrorCode::PayloadTooLarge,
                "A CSV import is at most 64 MiB.",
            )
        })?;
    Ok(Json(
        tables::import::import(&state, &caller, &database, &table, &mapping, &body).await?,
    ))
}
