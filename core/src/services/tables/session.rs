//! A Tables request's session: the account's own identity on the database (as the Query tab's),
//! within the account's statement slots and under the console's statement deadline.
use super::context::Context;
use crate::domain::caller::Caller;
use crate::services::queries::session::Session;
use crate::services::queries::{self, Limits};
use mysql_async::Conn;
use std::future::Future;
use std::time::Duration;
use types::error::AppError;
use types::names::DatabaseName;
use types::query::DEFAULT_TIMEOUT_MS;

pub struct TableSession {
    inner: Session,
    timeout: Duration,
}

impl TableSession {
    /// 404 for a database the account does not have (the login on it fails); MariaDB refuses
    /// anything else.
    pub async fn open(
        state: &Context,
        caller: &Caller,
        database: &DatabaseName,
    ) -> Result<Self, AppError> {
        Self::open_for(state, caller, database, DEFAULT_TIMEOUT_MS).await
    }

    /// With a deadline of its own (exports and imports may take longer than a page).
    pub async fn open_for(
        state: &Context,
        caller: &Caller,
        database: &DatabaseName,
        timeout_ms: u64,
    ) -> Result<Self, AppError> {
        let server = state.server_for(caller).await?;
        // No admin lookup first: `owned` already kept the name to the account's prefix, and the
        // identity's login on the database answers 404 for one that does not exist (saves a
        // round trip on every Tables request).
        let limits = Limits::check(None, Some(timeout_ms), None, timeout_ms)?;
        let inner = Session::open(
            &state.queries,
            &server,
            &state.store,
            caller,
            database,
            &limits,
        )
        .await?;
        Ok(Self {
            inner,
            timeout: limits.timeout,
        })
    }

    pub fn conn(&mut self) -> &mut Conn {
        self.inner.conn()
    }

    /// Runs `work` with the panel's backstop after MariaDB's own deadline; a session dropped
    /// mid-statement is killed (`Session`'s drop).
    pub async fn within<T>(
        timeout: Duration,
        work: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        match tokio::time::timeout(queries::backstop(timeout), work).await {
            Ok(result) => result,
            Err(_) => Err(queries::timed_out(timeout)),
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub async fn finish(self) {
        self.inner.finish().await;
    }
}
