use crate::config::TrustedProxies;
use crate::domain::caller::Caller;
use crate::limits::buckets::ApiLimits;
use crate::limits::login::LoginLimiter;
use crate::store::Store;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::MySqlPool;
use std::sync::Arc;
use types::error::AppError;
use types::model::ConnectionInfo;

/// Everything a request may need, shared by the Leptos routes, server functions and REST. One
/// `Arc`: every middleware and handler that takes `State<AppState>` clones it, and cloning the
/// fields one by one (the Leptos options' strings among them) cost 7% of a cheap API request.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The metrics layer counts into the registry alone.
impl FromRef<AppState> for Arc<crate::metrics::Metrics> {
    fn from_ref(state: &AppState) -> Self {
        state.metrics.clone()
    }
}

impl FromRef<AppState> for crate::metrics::Scrape {
    fn from_ref(state: &AppState) -> Self {
        Self {
            metrics: state.metrics.clone(),
            token: state.metrics_token.clone(),
            fleet: state.fleet.clone(),
        }
    }
}

/// The backup, restore and import services and their handlers work with these alone.
impl FromRef<AppState> for crate::services::backups::Context {
    fn from_ref(state: &AppState) -> Self {
        state.backup_context()
    }
}

/// The Tables service and its handlers work with these alone.
impl FromRef<AppState> for crate::services::tables::context::Context {
    fn from_ref(state: &AppState) -> Self {
        state.tables()
    }
}

/// leptos_axum finds its options in the router's state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub struct Shared {
    pub leptos_options: LeptosOptions,
    /// The panel's own store (accounts, keys, sessions, audit log).
    pub store: Store,
    /// Admin connection to the default managed MySQL/MariaDB server; an account's own server is
    /// `mysql_for` (the fleet).
    pub mysql: MySqlPool,
    pub fleet: Arc<crate::managed::fleet::Fleet>,
    pub login_limiter: Arc<LoginLimiter>,
    pub api_limits: Arc<ApiLimits>,
    pub trusted_proxies: Arc<TrustedProxies>,
    /// Opens the store's sealed secrets (TOTP secrets; identity and server passwords go through
    /// `queries` and `fleet`, which hold it too).
    pub sealer: Arc<crate::domain::seal::Sealer>,
    /// Customer SQL: the accounts' slots and running statements.
    pub queries: Arc<crate::services::queries::Queries>,
    /// Valid API keys as last read from the store, checked against it on every use.
    pub store_cache: Arc<crate::store_cache::StoreCache>,
    /// Backup, restore and import jobs: their files and slots.
    pub backups: Arc<crate::services::backups::files::Backups>,
    /// Encrypted copies of backups and binary log files in the operator's bucket.
    pub offsite: Option<Arc<crate::services::backups::offsite::Offsite>>,
    /// Webhooks and alert emails: the operator's settings and SMTP server.
    pub alerts: crate::services::alerts::Config,
    /// The panel serves HTTPS itself.
    pub tls: bool,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// `/metrics` answers only with this Bearer token; `None`: it does not exist.
    pub metrics_token: Option<Arc<str>>,
}

impl Shared {
    pub fn tables(&self) -> crate::services::tables::context::Context {
        crate::services::tables::context::Context {
            store: self.store.clone(),
            fleet: self.fleet.clone(),
            queries: self.queries.clone(),
        }
    }

    pub fn backup_context(&self) -> crate::services::backups::Context {
        crate::services::backups::Context {
            store: self.store.clone(),
            fleet: self.fleet.clone(),
            queries: self.queries.clone(),
            backups: self.backups.clone(),
            metrics: self.metrics.clone(),
            offsite: self.offsite.clone(),
        }
    }

    /// The admin pool of the server the caller's account lives on.
    pub async fn mysql_for(&self, caller: &Caller) -> Result<MySqlPool, AppError> {
        self.fleet.pool_for(&self.store, caller.account_id).await
    }

    /// The server the caller's account lives on (its pool, and how its identity reaches it).
    pub async fn server_for(
        &self,
        caller: &Caller,
    ) -> Result<Arc<crate::managed::fleet::Server>, AppError> {
        self.fleet.for_account(&self.store, caller.account_id).await
    }

    /// Host, port and socket of the caller's server for the Connect tab and
    /// `GET /api/databases/{name}`. The socket is left out when the server has none (or does not
    /// answer).
    pub async fn connection_info(&self, caller: &Caller) -> Result<ConnectionInfo, AppError> {
        let server = self
            .fleet
            .for_account(&self.store, caller.account_id)
            .await?;
        let (host, port) = server.public.clone();
        let socket = server
            .local_socket()
            .await
            .map(|path| path.to_string_lossy().into_owned());
        Ok(ConnectionInfo { host, port, socket })
    }
}
