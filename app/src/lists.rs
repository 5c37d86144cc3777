//! The account's databases and its database users: the two lists several pages load (Databases
//! shows each database's users, Users offers the databases to grant on, Restore the targets), so
//! they live apart from any one page.
use crate::error::AppError;
use crate::model::{DatabaseList, UserList};
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "list_databases")]
pub async fn list_databases() -> Result<DatabaseList, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.list_databases(&req).await)
}

#[server(prefix = "/rpc", endpoint = "list_users")]
pub async fn list_users() -> Result<UserList, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.list_users(&req).await)
}
