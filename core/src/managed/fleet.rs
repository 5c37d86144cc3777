//! The managed servers: the default one (`NOBREGAS_MYSQL_URL`) and those operators registered
//! (`nobregas-panel server add`, rows of `servers`). Each account lives on one server, chosen when
//! it is created; every operation of the account goes to that server's pool.
//!
//! Placement changes when the operator moves an account (`account move`, `server drain`): every
//! instance reads it from the store (one indexed row), so a switch holds everywhere at once.
use crate::config::Settings;
use crate::domain::seal::Sealer;
use crate::domain::sealed_columns;
use crate::store::{Store, Text};
use sqlx::MySqlPool;
use sqlx::mysql::MySqlConnectOptions;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use types::error::AppError;

/// The name the default server goes by in `server list`, `/healthz` and metrics.
pub const DEFAULT_NAME: &str = "default";

pub use super::server::{AdminLogin, Route, Server, ServerTls, is_loopback};

pub struct Fleet {
    default: Arc<Server>,
    settings: Settings,
    /// Opens the registered servers' admin passwords, sealed in the store.
    sealer: Arc<Sealer>,
    servers: RwLock<HashMap<i64, Arc<Server>>>,
}

/// A registered server's row.
pub struct ServerRow {
    pub id: i64,
    pub name: String,
    pub url: String,
    /// Sealed (`domain::seal`): open it with `Fleet`'s sealer.
    pub sealed_password: String,
    pub public_host: Option<String>,
    pub draining: bool,
    pub tls: ServerTls,
    /// MySQL host patterns the panel connects from (`--panel-host`); empty: detected.
    pub panel_hosts: Vec<String>,
    /// The default server's socket (`@@socket`: ask it); `None`: TCP.
    pub socket: Option<String>,
}

impl Fleet {
    pub fn new(
        default_pool: MySqlPool,
        settings: &Settings,
        sealer: Arc<Sealer>,
    ) -> anyhow::Result<Arc<Self>> {
        let public = settings.public_mysql_address()?;
        let ask_socket = is_loopback(default_pool.connect_options().get_host());
        let default = Server::new(
            (None, DEFAULT_NAME.into()),
            default_pool,
            public,
            (settings.mysql_socket.clone(), ask_socket),
            (
                super::default_tls(settings)?,
                AdminLogin::from_url(&settings.mysql_url, None),
            ),
            Vec::new(),
        );
        Ok(Arc::new(Self {
            default: Arc::new(default),
            settings: settings.clone(),
            sealer,
            servers: Default::default(),
        }))
    }

    pub fn default_server(&self) -> &Arc<Server> {
        &self.default
    }

    /// The admin pool of the server the account lives on.
    pub async fn pool_for(&self, store: &Store, account_id: i64) -> Result<MySqlPool, AppError> {
        Ok(self.for_account(store, account_id).await?.pool.clone())
    }

    /// The server the account lives on.
    pub async fn for_account(
        &self,
        store: &Store,
        account_id: i64,
    ) -> Result<Arc<Server>, AppError> {
        let server_id: Option<i64> =
            sqlx::query_scalar("SELECT server_id FROM accounts WHERE id = ?")
                .bind(account_id)
                .fetch_optional(store)
                .await?
                .flatten();
        self.server(store, server_id).await
    }

    /// The server `id` (`None`: the default one), its pool made on first use.
    pub async fn server(&self, store: &Store, id: Option<i64>) -> Result<Arc<Server>, AppError> {
        let Some(id) = id else {
            return Ok(self.default.clone());
        };
        if let Some(server) = self.servers.read().expect("servers").get(&id) {
            return Ok(server.clone());
        }
        let row = rows(store)
            .await?
            .into_iter()
            .find(|row| row.id == id)
            .ok_or_else(|| {
                AppError::internal(format!(
                    "the account's managed server {id} is not registered any more"
                ))
            })?;
        let server = Arc::new(self.connect(row)?);
        Ok(self
            .servers
            .write()
            .expect("servers")
            .entry(id)
            .or_insert(server)
            .clone())
    }

    /// The server called `name`.
    pub async fn named(&self, store: &Store, name: &str) -> Result<Arc<Server>, AppError> {
        let id = rows(store)
            .await?
            .into_iter()
            .find(|row| row.name == name)
            .map(|row| row.id)
            .ok_or_else(|| AppError::not_found(format!("No managed server named {name}.")))?;
        self.server(store, Some(id)).await
    }

    /// Whether the operator is draining the server (it takes no new accounts).
    pub async fn is_draining(&self, store: &Store, server: &Server) -> Result<bool, AppError> {
        Ok(match server.id {
            None => false,
            Some(id) => rows(store)
                .await?
                .iter()
                .any(|row| row.id == id && row.draining),
        })
    }

    /// The default server and those this process has connected to so far (no I/O).
    pub fn loaded(&self) -> Vec<Arc<Server>> {
        let mut loaded = vec![self.default.clone()];
        loaded.extend(self.servers.read().expect("servers").values().cloned());
        loaded
    }

    /// Every server: the `default` row first, then the others by name. A store without rows (an
    /// older one before its first start with this version) has the environment's server only.
    pub async fn all(&self, store: &Store) -> Result<Vec<Arc<Server>>, AppError> {
        let rows = rows(store).await?;
        if rows.is_empty() {
            return Ok(vec![self.default.clone()]);
        }
        let mut all = Vec::with_capacity(rows.len());
        for row in rows {
            all.push(self.server(store, Some(row.id)).await?);
        }
        Ok(all)
    }

    fn connect(&self, row: ServerRow) -> Result<Server, AppError> {
        let password = self
            .sealer
            .open_text(
                &sealed_columns::server_password(&row.name),
                &row.sealed_password,
            )
            .map_err(|err| sealed_columns::unopenable("a server's admin password", err))?;
        let options = row
            .tls
            .apply(connect_options(&row.url, &password).map_err(AppError::internal)?);
        let public = (
            row.public_host
                .unwrap_or_else(|| options.get_host().to_owned()),
            options.get_port(),
        );
        let pool = super::pool_with(options, &self.settings);
        // A registered server is reached over TCP, even on this machine: its socket is not the
        // panel's to use. The default server's row says which socket it has.
        let socket = match row.socket.as_deref() {
            Some(super::default_server::ASK_THE_SERVER) => (None, true),
            Some(path) => (Some(path.into()), false),
            None => (None, false),
        };
        Ok(Server::new(
            (Some(row.id), row.name),
            pool,
            public,
            socket,
            (row.tls, AdminLogin::from_url(&row.url, Some(&password))),
            row.panel_hosts,
        ))
    }
}

/// A registered server's URL (without password) and its password, as options.
pub fn connect_options(url: &str, password: &str) -> anyhow::Result<MySqlConnectOptions> {
    let options: MySqlConnectOptions = url
        .parse()
        .map_err(|err| anyhow::anyhow!("{url} is not a mysql:// URL: {err}"))?;
    Ok(if password.is_empty() {
        options
    } else {
        options.password(password)
    })
}

/// The registered servers, by name.
pub async fn rows(store: &Store) -> Result<Vec<ServerRow>, AppError> {
    type Row = (
        i64,
        String,
        String,
        String,
        Option<String>,
        i64,
        Option<Text>,
        i64,
        Option<Text>,
        Option<Text>,
    );
    let rows: Vec<Row> =
        sqlx::query_as("SELECT id, name, url, password, public_host, draining, ca_pem, tls_insecure, panel_hosts, socket FROM servers
         ORDER BY CASE WHEN name = 'default' THEN 0 ELSE 1 END, name")
            .fetch_all(store)
            .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                name,
                url,
                sealed_password,
                public_host,
                draining,
                ca_pem,
                tls_insecure,
                panel_hosts,
                socket,
            )| {
                let tls = match (ca_pem, tls_insecure != 0) {
                    (Some(Text(ca_pem)), _) => ServerTls::Verified { ca_pem },
                    (None, true) => ServerTls::Insecure,
                    (None, false) => ServerTls::Loopback,
                };
                ServerRow {
                    id,
                    name,
                    url,
                    sealed_password,
                    public_host,
                    draining: draining != 0,
                    tls,
                    panel_hosts: panel_hosts
                        .map(|Text(hosts)| hosts)
                        .unwrap_or_default()
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                    socket: socket.map(|Text(socket)| socket),
                }
            },
        )
        .collect())
}

/// Where a new account goes: the named server, or the open (not draining) server whose databases
/// hold the fewest bytes as last measured (`server_usage`), then the one with the fewest accounts;
/// the `default` row wins a tie. `None`: the environment's server (a store without rows).
pub async fn place(store: &Store, named: Option<&str>) -> Result<Option<i64>, AppError> {
    let servers = rows(store).await?;
    if servers.is_empty() {
        return Ok(None);
    }
    if let Some(name) = named {
        let server = servers
            .iter()
            .find(|row| row.name == name)
            .ok_or_else(|| AppError::not_found(format!("No managed server named {name}.")))?;
        if server.draining {
            return Err(AppError::conflict(format!(
                "The server {name} is draining: it takes no new accounts."
            )));
        }
        return Ok(Some(server.id));
    }
    let counts: Vec<(Option<i64>, i64)> =
        sqlx::query_as("SELECT server_id, COUNT(*) FROM accounts GROUP BY server_id")
            .fetch_all(store)
            .await?;
    let bytes: Vec<(String, i64)> = sqlx::query_as("SELECT server, bytes FROM server_usage")
        .fetch_all(store)
        .await?;
    let load = |row: &ServerRow| {
        (
            bytes
                .iter()
                .find(|(name, _)| *name == row.name)
                .map_or(0, |(_, b)| *b),
            counts
                .iter()
                .find(|(server, _)| *server == Some(row.id))
                .map_or(0, |(_, n)| *n),
        )
    };
    // `rows` lists the default first: `min_by_key` keeps the first of equals.
    servers
        .iter()
        .filter(|row| !row.draining)
        .min_by_key(|row| load(row))
        .map(|row| Some(row.id))
        .ok_or_else(|| {
            AppError::conflict("Every managed server is draining: none takes new accounts.")
        })
}
