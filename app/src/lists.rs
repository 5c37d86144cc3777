//! The account's databases and its database users: the two lists several pages load (Databases
//! shows each database's users, Users offers the databases to grant on, Restore the targets), so
//! they live apart from any one page.
use crate::error::AppError;
use crate::model::{DatabaseList, UserList};
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "list_databases")]
pub async fn list_databases() -> Result<DatabaseList, AppError> {
    use panel_core::services::databases;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        Ok(DatabaseList {
            databases: databases::list(
                &state.mysql_for(&caller).await?,
                (&state.store, &state.store_cache),
                &caller,
            )
            .await?,
        })
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "list_users")]
pub async fn list_users() -> Result<UserList, AppError> {
    use panel_core::services::db_users;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        Ok(UserList {
            users: db_users::list(&state.mysql_for(&caller).await?, &caller).await?,
        })
    })
    .await
}
