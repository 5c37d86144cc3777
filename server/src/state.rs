use crate::auth::api_limit::ApiLimits;
use crate::auth::client::TrustedProxies;
use crate::auth::rate_limit::LoginLimiter;
use app::model::ConnectionInfo;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::MySqlPool;
use crate::store::Store;
use std::sync::Arc;

/// Everything a request may need, shared by the Leptos routes, server functions and REST.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The panel's own store (accounts, keys, sessions, audit log).
    pub store: Store,
    /// Admin connection to the managed MySQL/MariaDB server.
    pub mysql: MySqlPool,
    pub login_limiter: Arc<LoginLimiter>,
    pub api_limits: Arc<ApiLimits>,
    pub trusted_proxies: Arc<TrustedProxies>,
    /// Customer SQL: the accounts' slots and running statements.
    pub queries: Arc<crate::services::queries::Queries>,
    /// Valid API keys as last read from the store, checked against it on every use.
    pub key_cache: Arc<crate::auth::key_cache::KeyCache>,
    /// Backup, restore and import jobs: their files and slots.
    pub backups: Arc<crate::services::backups::Backups>,
    /// The panel serves HTTPS itself.
    pub tls: bool,
    /// The managed server's host and port as customers should name them (the Connect tab).
    pub public_mysql: Arc<(String, u16)>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// `/metrics` answers only with this Bearer token; `None`: it does not exist.
    pub metrics_token: Option<Arc<str>>,
}

impl AppState {
    /// Host, port and socket for the Connect tab and `GET /api/databases/{name}`. The socket is
    /// left out when the server has none (or does not answer).
    pub async fn connection_info(&self) -> ConnectionInfo {
        let (host, port) = self.public_mysql.as_ref().clone();
        let socket = self.queries.socket(&self.mysql).await.ok().map(|path| path.to_string_lossy().into_owned());
        ConnectionInfo { host, port, socket }
    }
}
