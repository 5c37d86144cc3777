use super::JsonBody;
use crate::domain::caller::Caller;
use crate::services::{databases, queries};
use crate::state::AppState;
use app::error::{AppError, ErrorBody};
use app::query::{ExportFormat, ExportRequest, QueryHistory, QueryRequest, QueryResponse};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

/// This resource's endpoints, each with its OpenAPI entry; paths are relative to `/api`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(run))
        .routes(routes!(export))
        .routes(routes!(cancel))
        .routes(routes!(history))
}

/// The id by which a running statement can be cancelled.
pub static QUERY_ID: HeaderName = HeaderName::from_static("query-id");

/// Runs SQL on the database as the account's own MySQL identity (never the panel's admin).
///
/// Several statements separated by `;` run in order in one session; the answer is then
/// `{"results":[…]}` with one result per statement. A statement that fails ends the request with
/// `sql_error` (those before it have run). Rows past `max_rows` or 16 MiB are left out and
/// `truncated` says so.
#[utoipa::path(post, path = "/databases/{name}/query", tag = "queries", operation_id = "run_query",
    params(("name" = String, Path)), request_body = QueryRequest,
    responses(
        (status = 200, body = QueryResponse, headers(("Query-Id" = String, description = "The query's id"))),
        (status = 400, description = "sql_error (with mysql_errno), query_timeout, query_cancelled", body = ErrorBody),
        (status = 404, description = "No such database in your account", body = ErrorBody),
        (status = 409, description = "A query with this query_id is already running", body = ErrorBody),
        (status = 422, description = "Empty sql, or max_rows / timeout_ms / query_id out of range", body = ErrorBody),
        (status = 429, description = "The account already runs its 4 statements at once", body = ErrorBody),
    ))]
pub async fn run(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    JsonBody(mut request): JsonBody<QueryRequest>,
) -> Response {
    let id = queries::query_id_or_new(&mut request.query_id);
    let answer = async {
        let database = databases::owned(&caller, &name)?;
        queries::run(
            &state.queries,
            &*state.server_for(&caller).await?,
            &state.store,
            &caller,
            &database,
            request,
        )
        .await
    };
    let response = match answer.await {
        Ok((_, result)) => Json(result).into_response(),
        Err(err) => err.into_response(),
    };
    with_query_id(response, &id)
}

/// Streams the whole result of one statement, without a row cap, in constant memory.
///
/// CSV: RFC 4180 with a header row, CRLF, NULL as an empty field and the empty string as `""`.
/// NDJSON: the column names as a JSON array, then one JSON array per row. If the statement fails
/// midway the body ends with a line `#ERROR <code> <errno>: <message>` (CSV) or
/// `{"error":{…}}` (NDJSON) and the transfer is cut off, never ended cleanly.
#[utoipa::path(post, path = "/databases/{name}/query/export", tag = "queries", operation_id = "export_query",
    params(("name" = String, Path)), request_body = ExportRequest,
    responses(
        (status = 200, description = "The result as CSV or NDJSON", content_type = "text/csv",
            headers(("Query-Id" = String, description = "The query's id"))),
        (status = 404, description = "No such database in your account", body = ErrorBody),
        (status = 409, description = "A query with this query_id is already running", body = ErrorBody),
        (status = 422, description = "Empty sql, unknown format, or timeout_ms / query_id out of range", body = ErrorBody),
        (status = 429, description = "The account already runs its 4 statements at once", body = ErrorBody),
    ))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    JsonBody(mut request): JsonBody<ExportRequest>,
) -> Response {
    let id = queries::query_id_or_new(&mut request.query_id);
    match export_stream(&state, &caller, &name, request).await {
        Ok(response) => with_query_id(response, &id),
        Err(err) => with_query_id(err.into_response(), &id),
    }
}

async fn export_stream(
    state: &AppState,
    caller: &Caller,
    name: &str,
    request: ExportRequest,
) -> Result<Response, AppError> {
    let database = databases::owned(caller, name)?;
    let format = request.format;
    let (_, chunks) = queries::export::export(
        &state.queries,
        &*state.server_for(caller).await?,
        &state.store,
        caller,
        &database,
        request,
    )
    .await?;
    let (content_type, extension) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8; header=present", "csv"),
        ExportFormat::Ndjson => ("application/x-ndjson", "ndjson"),
    };
    let disposition = format!("attachment; filename=\"{}.{extension}\"", database.as_str());
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Stops the account's running statement `id` (from `query_id` or the `Query-Id` header); its
/// request then answers 400 `query_cancelled`.
#[utoipa::path(post, path = "/queries/{id}/cancel", tag = "queries", operation_id = "cancel_query",
    params(("id" = String, Path)),
    responses((status = 204, description = "Stopped"), (status = 404, description = "No such query running in your account", body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    queries::cancel(
        &state.queries,
        &state.mysql_for(&caller).await?,
        &caller,
        &id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account's last 50 statements, newest first.
#[utoipa::path(get, path = "/queries/history", tag = "queries", operation_id = "query_history",
    responses((status = 200, body = QueryHistory)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<QueryHistory>, AppError> {
    Ok(Json(queries::history::list(&state.store, &caller).await?))
}

fn with_query_id(mut response: Response, id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(id) {
        response.headers_mut().insert(QUERY_ID.clone(), value);
    }
    response
}
