//! What the backup, restore and import services work with — not the whole `AppState`, which would
//! make them import the state that holds them. The REST handlers take it with `FromRef`.
use super::files::Backups;
use super::offsite::Offsite;
use crate::domain::caller::Caller;
use crate::managed::fleet::{Fleet, Server};
use crate::metrics::Metrics;
use crate::services::queries::Queries;
use crate::store::Store;
use sqlx::MySqlPool;
use std::sync::Arc;
use types::error::AppError;

#[derive(Clone)]
pub struct Context {
    /// Jobs, schedules, manifests, upload reservations.
    pub store: Store,
    /// Where each account's databases live.
    pub fleet: Arc<Fleet>,
    /// The accounts' own MySQL identities, which every job runs as.
    pub queries: Arc<Queries>,
    /// The job files and slots.
    pub backups: Arc<Backups>,
    /// Jobs' outcomes and durations.
    pub metrics: Arc<Metrics>,
    /// The encrypted off-site copies, when the operator configured a bucket.
    pub offsite: Option<Arc<Offsite>>,
}

impl Context {
    /// The admin pool of the server the caller's account lives on.
    pub async fn mysql_for(&self, caller: &Caller) -> Result<MySqlPool, AppError> {
        self.fleet.pool_for(&self.store, caller.account_id).await
    }

    /// The server the caller's account lives on (its pool, and how its identity reaches it).
    pub async fn server_for(&self, caller: &Caller) -> Result<Arc<Server>, AppError> {
        self.fleet.for_account(&self.store, caller.account_id).await
    }
}
