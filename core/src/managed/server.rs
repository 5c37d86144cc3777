//! One managed server, and how the panel reaches it: its admin pool, and the way an account's
//! own identity logs in (customer SQL, backups, restores, imports) — through the server's Unix
//! socket when the panel shares its machine and the operator said so, over TCP (TLS as the admin
//! pool has it) from the panel's own address otherwise.
use sqlx::MySqlPool;
use sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};
use std::path::PathBuf;
use tokio::sync::OnceCell;
use types::error::AppError;

/// One managed server.
pub struct Server {
    /// `None`: the default server.
    pub id: Option<i64>,
    pub name: String,
    pub pool: MySqlPool,
    /// Host and port customers connect to (the Connect tab).
    pub public: (String, u16),
    /// Its Unix socket, when the operator set it (the default server: `NOBREGAS_MYSQL_SOCKET`).
    pub socket: Option<PathBuf>,
    /// Without `socket`: ask the server for its socket (`@@socket`) and use it when it is on this
    /// machine — the default server on loopback.
    pub ask_socket: bool,
    /// How the admin pool (and every identity session over TCP) is protected.
    pub tls: ServerTls,
    /// Where the panel's instances connect from, as MySQL host patterns (`server add
    /// --panel-host`); empty: the address this instance's admin session shows.
    pub panel_hosts: Vec<String>,
    /// The admin's login again, for the one session sqlx cannot hold: the binary log stream.
    admin: AdminLogin,
    route: OnceCell<Route>,
}

/// The user and password of a server's admin connection.
#[derive(Clone, Default)]
pub struct AdminLogin {
    pub user: String,
    pub password: String,
}

impl AdminLogin {
    /// The login a `mysql://user:password@host` URL names (the password also from `password`).
    pub fn from_url(url: &str, password: Option<&str>) -> Self {
        let parsed = url::Url::parse(url).ok();
        let decode = |raw: &str| {
            percent_encoding::percent_decode_str(raw)
                .decode_utf8_lossy()
                .into_owned()
        };
        Self {
            user: parsed
                .as_ref()
                .map_or_else(String::new, |u| decode(u.username())),
            password: password.map_or_else(
                || {
                    parsed
                        .as_ref()
                        .and_then(|u| u.password().map(decode))
                        .unwrap_or_default()
                },
                str::to_owned,
            ),
        }
    }
}

/// How a session as an account's identity reaches the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The server's Unix socket on this machine; the identity exists at 'localhost'.
    Socket(PathBuf),
    /// TCP to the admin pool's host and port; the identity exists at each of `identity_hosts`
    /// (the panel's address(es) as the server sees them).
    Tcp {
        host: String,
        port: u16,
        identity_hosts: Vec<String>,
    },
}

impl Route {
    /// The hosts the identity is created at.
    pub fn identity_hosts(&self) -> Vec<String> {
        match self {
            Self::Socket(_) => vec!["localhost".to_owned()],
            Self::Tcp { identity_hosts, .. } => identity_hosts.clone(),
        }
    }
}

/// How the panel's connections to a server are protected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerTls {
    /// TLS with the server's certificate checked against this CA (PEM) and its host name.
    Verified { ca_pem: String },
    /// TLS without any certificate check: the operator said `--tls-insecure`.
    Insecure,
    /// A server on this machine (loopback): TLS only if the server offers it.
    Loopback,
}

impl ServerTls {
    /// What `server list` shows.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Verified { .. } => "verified",
            Self::Insecure => "INSECURE",
            Self::Loopback => "loopback",
        }
    }

    pub fn apply(&self, options: MySqlConnectOptions) -> MySqlConnectOptions {
        match self {
            Self::Verified { ca_pem } => options
                .ssl_mode(MySqlSslMode::VerifyIdentity)
                .ssl_ca_from_pem(ca_pem.clone().into_bytes()),
            Self::Insecure => options.ssl_mode(MySqlSslMode::Required),
            Self::Loopback => options,
        }
    }

    /// The same protection for a mysql_async session (customer SQL, restores, imports).
    fn ssl_opts(&self) -> Option<mysql_async::SslOpts> {
        match self {
            Self::Verified { ca_pem } => Some(
                mysql_async::SslOpts::default()
                    .with_root_certs(vec![ca_pem.clone().into_bytes().into()])
                    .with_disable_built_in_roots(true),
            ),
            Self::Insecure => Some(
                mysql_async::SslOpts::default()
                    .with_danger_accept_invalid_certs(true)
                    .with_danger_skip_domain_validation(true),
            ),
            Self::Loopback => None,
        }
    }
}

/// Whether the panel reaches `host` without crossing a network.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

impl Server {
    pub fn new(
        (id, name): (Option<i64>, String),
        pool: MySqlPool,
        public: (String, u16),
        (socket, ask_socket): (Option<PathBuf>, bool),
        (tls, admin): (ServerTls, AdminLogin),
        panel_hosts: Vec<String>,
    ) -> Self {
        Self {
            id,
            name,
            pool,
            public,
            socket,
            ask_socket,
            tls,
            panel_hosts,
            admin,
            route: OnceCell::new(),
        }
    }

    /// Host and port of the admin connection.
    pub fn address(&self) -> (String, u16) {
        let options = self.pool.connect_options();
        (options.get_host().to_owned(), options.get_port())
    }

    /// How identity sessions reach the server, found out once per process: the operator's
    /// socket; for the default server on this machine, the socket it names (`@@socket`) when
    /// that file is here;
    /// otherwise TCP from the address the admin session shows (`USER()`'s host part).
    pub async fn route(&self) -> Result<&Route, AppError> {
        self.route.get_or_try_init(|| self.find_route()).await
    }

    async fn find_route(&self) -> Result<Route, AppError> {
        if let Some(socket) = &self.socket {
            return Ok(Route::Socket(socket.clone()));
        }
        let (host, port) = self.address();
        if self.ask_socket {
            let socket: Option<String> = sqlx::query_scalar("SELECT @@socket")
                .fetch_one(&self.pool)
                .await?;
            if let Some(socket) = socket.filter(|s| std::path::Path::new(s).exists()) {
                return Ok(Route::Socket(socket.into()));
            }
        }
        let identity_hosts = if self.panel_hosts.is_empty() {
            let seen: String = sqlx::query_scalar("SELECT SUBSTRING_INDEX(USER(), '@', -1)")
                .fetch_one(&self.pool)
                .await?;
            vec![seen]
        } else {
            self.panel_hosts.clone()
        };
        Ok(Route::Tcp {
            host,
            port,
            identity_hosts,
        })
    }

    /// The server's socket when identity sessions use it (the Connect tab shows it).
    pub async fn local_socket(&self) -> Option<PathBuf> {
        match self.route().await {
            Ok(Route::Socket(path)) => Some(path.clone()),
            _ => None,
        }
    }

    /// A mysql_async session's options to log in as `user` along the server's route.
    pub async fn session_options(
        &self,
        user: &str,
        password: &str,
    ) -> Result<mysql_async::OptsBuilder, AppError> {
        let options = mysql_async::OptsBuilder::default()
            .user(Some(user))
            .pass(Some(password));
        Ok(match self.route().await? {
            Route::Socket(path) => options.socket(Some(path.to_string_lossy())),
            Route::Tcp { host, port, .. } => options
                .ip_or_hostname(host.clone())
                .tcp_port(*port)
                // mysql_async would otherwise switch to the socket the server names.
                .prefer_socket(false)
                .ssl_opts(self.tls.ssl_opts()),
        })
    }

    /// A mysql_async session as the server's admin, over TCP to the admin pool's address with its
    /// TLS (the binary log stream).
    pub fn admin_session_options(&self) -> mysql_async::OptsBuilder {
        let (host, port) = self.address();
        mysql_async::OptsBuilder::default()
            .user(Some(self.admin.user.clone()))
            .pass((!self.admin.password.is_empty()).then(|| self.admin.password.clone()))
            .ip_or_hostname(host)
            .tcp_port(port)
            .prefer_socket(false)
            .ssl_opts(self.tls.ssl_opts())
    }
}
