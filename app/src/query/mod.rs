//! The server functions the Query tab calls, and (in `console`) the tab itself; the types are
//! `types::query`, re-exported here.
pub mod console;

pub use types::query::*;

use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "run_query")]
pub async fn run_query(database: String, request: QueryRequest) -> Result<QueryResponse, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.run_query(&req, &database, request).await)
}

#[server(prefix = "/rpc", endpoint = "cancel_query")]
pub async fn cancel_query(id: String) -> Result<(), AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.cancel_query(&req, &id).await)
}

#[server(prefix = "/rpc", endpoint = "list_query_history")]
pub async fn list_query_history() -> Result<QueryHistory, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.list_query_history(&req).await)
}

#[server(prefix = "/rpc", endpoint = "get_schema_outline")]
pub async fn get_schema_outline(database: String) -> Result<SchemaOutline, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.get_schema_outline(&req, &database).await)
}
