//! The server functions the Query tab calls, and (in `console`) the tab itself; the types are
//! `types::query`, re-exported here.
pub mod console;

pub use types::query::*;

use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "run_query")]
pub async fn run_query(database: String, request: QueryRequest) -> Result<QueryResponse, AppError> {
    use panel_core::services::{databases, queries};
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        let database = databases::owned(&caller, &database)?;
        Ok(queries::run(
            &state.queries,
            &*state.server_for(&caller).await?,
            &state.store,
            &caller,
            &database,
            request,
        )
        .await?
        .1)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "cancel_query")]
pub async fn cancel_query(id: String) -> Result<(), AppError> {
    use panel_core::services::queries;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        queries::cancel(
            &state.queries,
            &state.mysql_for(&caller).await?,
            &caller,
            &id,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "list_query_history")]
pub async fn list_query_history() -> Result<QueryHistory, AppError> {
    use panel_core::services::queries;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        queries::history::list(&state.store, &caller).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "get_schema_outline")]
pub async fn get_schema_outline(database: String) -> Result<SchemaOutline, AppError> {
    use panel_core::services::{databases, queries};
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        queries::outline(
            &state.mysql_for(&caller).await?,
            &databases::owned(&caller, &database)?,
        )
        .await
    })
    .await
}
