//! What the Tables service works with — not the whole `AppState`, which would make it import the
//! state that holds it. The REST handlers take it with `FromRef`, server functions from
//! `AppState::tables`.
use crate::domain::caller::Caller;
use crate::managed::fleet::{Fleet, Server};
use crate::services::queries::Queries;
use crate::store::Store;
use std::sync::Arc;
use types::error::AppError;

#[derive(Clone)]
pub struct Context {
    /// The audit log and the identities' sealed passwords.
    pub store: Store,
    /// Where each account's databases live.
    pub fleet: Arc<Fleet>,
    /// The accounts' own MySQL identities and their statement slots.
    pub queries: Arc<Queries>,
}

impl Context {
    /// The server the caller's account lives on.
    pub async fn server_for(&self, caller: &Caller) -> Result<Arc<Server>, AppError> {
        self.fleet.for_account(&self.store, caller.account_id).await
    }
}
