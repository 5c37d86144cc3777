pub mod offsite;
mod trusted_proxies;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;
pub use trusted_proxies::TrustedProxies;

/// Where the panel listens, keeps its data and finds the managed server (flags or NOBREGAS_* env),
/// and the limits it enforces. `Settings::new` fills every limit with its documented default; tests
/// and the CLI override single fields.
// Not Debug: the MySQL URL may hold a password.
#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// The key that seals the store's secrets (`domain::seal`); several instances sharing a store
    /// must have the same one.
    pub secret_key_file: PathBuf,
    pub mysql_url: String,
    /// The panel store: `None` is SQLite in `data_dir`; a `mysql://` URL is a store several
    /// instances share.
    pub store_url: Option<String>,
    /// How long the maintenance lease lasts without renewal: how soon another instance takes over
    /// the periodic work when its holder dies.
    pub lease: Duration,
    /// Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed.
    pub trusted_proxies: TrustedProxies,
    /// Serve HTTPS with this certificate chain and key (PEM files).
    pub tls: Option<TlsFiles>,
    /// Start on a non-loopback address without TLS and without trusted proxies anyway (credentials
    /// from remote clients are still refused over plain HTTP).
    pub allow_plain_http: bool,
    /// Requests per minute per account (API key or session) on /api.
    pub api_rate_limit_per_minute: NonZeroU32,
    /// Requests per minute per client IP on /api without valid credentials.
    pub ip_rate_limit_per_minute: NonZeroU32,
    /// A request that has not produced its answer by then gets 408.
    pub request_timeout: Duration,
    /// Largest request body accepted (413 beyond).
    pub body_limit_bytes: usize,
    /// How long an admin statement waits for a lock (a customer's open transaction) before it
    /// gives up with 409. MariaDB's own default is a day, which would let one customer hold every
    /// admin connection.
    pub mysql_lock_wait_timeout: Duration,
    /// How long any admin statement may run before the panel cancels it (503).
    pub mysql_statement_deadline: Duration,
    /// `MAX_USER_CONNECTIONS` of every database user, at every host.
    pub max_user_connections: u32,
    /// The managed server's Unix socket, for the accounts' query identities (which exist at
    /// 'localhost' only); `None` asks the server (`@@socket`).
    pub mysql_socket: Option<PathBuf>,
    /// `NOBREGAS_MYSQL_CA`: the default server is reached over TLS verified against this CA.
    pub mysql_ca: Option<PathBuf>,
    /// Statements one account may run at once (the query console and API); more get 429.
    pub queries_per_account: usize,
    /// Bytes of backup files (and pending imports) one account may keep; beyond it 507.
    pub backup_quota_bytes: u64,
    /// The largest import body accepted (413 beyond).
    pub import_limit_bytes: u64,
    /// Backup, restore and import jobs running at once across all accounts (one per account).
    pub backup_jobs: usize,
    /// Wall-clock limit of a restore or import job: its connection is killed and it fails
    /// `job_timeout`.
    pub job_timeout: Duration,
    /// An import upload that sends no byte for this long is answered 408 and removed.
    pub upload_idle_timeout: Duration,
    /// How often the scheduler looks for due daily backups.
    pub backup_schedule_tick: Duration,
    /// How long archived binary log files are kept (point-in-time recovery's window).
    pub binlog_retention: Duration,
    /// The managed server's host as customers' applications should name it (the Connect tab);
    /// `None`: the host of `mysql_url`.
    pub public_mysql_host: Option<String>,
    /// `/metrics` is served only to this Bearer token; `None`: not at all.
    pub metrics_token: Option<String>,
    /// Alerts: webhooks may point at loopback, private and link-local addresses
    /// (`NOBREGAS_WEBHOOK_ALLOW_PRIVATE=1`).
    pub webhook_allow_private: bool,
    /// The waits between a failing webhook's (or email's) attempts; past the last one it is given up.
    pub alert_backoff: Vec<Duration>,
    /// How often due webhooks and emails are sent.
    pub alert_tick: Duration,
    /// A scheduled database whose last completed backup is older than this is `backup.missing`.
    pub backup_missing_after: Duration,
    /// `NOBREGAS_SMTP_URL`: alert emails through this server; `None`: none are sent.
    pub smtp_url: Option<String>,
    /// Encrypted copies of every backup and archived binary log file in an S3-compatible bucket.
    pub offsite: Option<offsite::OffsiteSettings>,
}

#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Settings {
    pub const DEFAULT_API_RATE_LIMIT: u32 = 600;
    pub const DEFAULT_IP_RATE_LIMIT: u32 = 120;
    pub const DEFAULT_LOCK_WAIT_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_MAX_USER_CONNECTIONS: u32 = 30;
    pub const DEFAULT_QUERIES_PER_ACCOUNT: usize = 4;
    pub const DEFAULT_BACKUP_QUOTA_BYTES: u64 = 20 * 1024 * 1024 * 1024;
    pub const DEFAULT_BACKUP_JOBS: usize = 2;
    pub const DEFAULT_LEASE_SECS: u64 = 30;
    pub const DEFAULT_JOB_TIMEOUT_SECS: u64 = 6 * 3600;
    pub const DEFAULT_BINLOG_RETENTION_DAYS: u64 = 7;
    pub const UPLOAD_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
    /// 10 s, 1 min, 5 min, 30 min, 2 h: six attempts over about two and a half hours.
    pub const DEFAULT_ALERT_BACKOFF_SECS: [u64; 5] = [10, 60, 300, 1800, 7200];
    pub const DEFAULT_BACKUP_MISSING_HOURS: u64 = 26;

    pub fn new(listen: SocketAddr, data_dir: PathBuf, mysql_url: impl Into<String>) -> Self {
        Self {
            listen,
            secret_key_file: data_dir.join("secret.key"),
            data_dir,
            mysql_url: mysql_url.into(),
            store_url: None,
            lease: Duration::from_secs(Self::DEFAULT_LEASE_SECS),
            trusted_proxies: TrustedProxies::default(),
            tls: None,
            allow_plain_http: false,
            api_rate_limit_per_minute: NonZeroU32::new(Self::DEFAULT_API_RATE_LIMIT)
                .expect("non-zero"),
            ip_rate_limit_per_minute: NonZeroU32::new(Self::DEFAULT_IP_RATE_LIMIT)
                .expect("non-zero"),
            request_timeout: Duration::from_secs(60),
            body_limit_bytes: 1024 * 1024,
            mysql_lock_wait_timeout: Self::DEFAULT_LOCK_WAIT_TIMEOUT,
            mysql_statement_deadline: Self::deadline_for(Self::DEFAULT_LOCK_WAIT_TIMEOUT),
            max_user_connections: Self::DEFAULT_MAX_USER_CONNECTIONS,
            mysql_socket: None,
            mysql_ca: None,
            queries_per_account: Self::DEFAULT_QUERIES_PER_ACCOUNT,
            backup_quota_bytes: Self::DEFAULT_BACKUP_QUOTA_BYTES,
            import_limit_bytes: types::backups::DEFAULT_IMPORT_LIMIT_BYTES,
            backup_jobs: Self::DEFAULT_BACKUP_JOBS,
            job_timeout: Duration::from_secs(Self::DEFAULT_JOB_TIMEOUT_SECS),
            upload_idle_timeout: Self::UPLOAD_IDLE_TIMEOUT,
            backup_schedule_tick: Duration::from_secs(30),
            binlog_retention: Duration::from_secs(Self::DEFAULT_BINLOG_RETENTION_DAYS * 86_400),
            public_mysql_host: None,
            metrics_token: None,
            webhook_allow_private: false,
            alert_backoff: Self::DEFAULT_ALERT_BACKOFF_SECS
                .map(Duration::from_secs)
                .to_vec(),
            alert_tick: Duration::from_secs(5),
            backup_missing_after: Duration::from_secs(Self::DEFAULT_BACKUP_MISSING_HOURS * 3600),
            smtp_url: None,
            offsite: None,
        }
    }

    /// The host (checked: a DNS name or an IP address, so it can sit in the Connect tab's snippets
    /// as is) and port customers connect to.
    pub fn public_mysql_address(&self) -> anyhow::Result<(String, u16)> {
        let options: sqlx::mysql::MySqlConnectOptions = self
            .mysql_url
            .parse()
            .map_err(|err| anyhow::anyhow!("NOBREGAS_MYSQL_URL is not a MySQL URL: {err}"))?;
        let host = self
            .public_mysql_host
            .clone()
            .unwrap_or_else(|| options.get_host().to_owned());
        let plausible = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
        anyhow::ensure!(
            plausible,
            "NOBREGAS_PUBLIC_MYSQL_HOST must be a host name or an IP address, not {host:?}"
        );
        Ok((host, options.get_port()))
    }

    /// Credentials must not reach a panel that remote clients talk to in the clear: on an address
    /// other than loopback, serve TLS or sit behind a trusted (TLS-terminating) proxy, unless the
    /// operator says `--allow-plain-http`.
    pub fn check_transport(&self) -> anyhow::Result<()> {
        let exposed = !self.listen.ip().to_canonical().is_loopback();
        if exposed
            && self.tls.is_none()
            && self.trusted_proxies.is_empty()
            && !self.allow_plain_http
        {
            anyhow::bail!(
                "Refusing to serve plain HTTP on {}: API keys, session cookies and passwords would cross the network \
                 unencrypted. Serve HTTPS (--tls-cert and --tls-key), or put a TLS-terminating proxy in front and list \
                 it in --trusted-proxies, or listen on 127.0.0.1. To start anyway, pass --allow-plain-http (remote \
                 clients still get 403 https_required for anything that carries credentials).",
                self.listen
            );
        }
        Ok(())
    }

    /// The statement deadline that goes with a lock wait: long enough for MariaDB to answer the
    /// lock wait itself (a clearer 409) in the common case.
    pub fn deadline_for(lock_wait: Duration) -> Duration {
        lock_wait + Duration::from_secs(5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_on_a_public_address_needs_tls_a_proxy_or_an_explicit_yes() {
        let settings = |listen: &str| {
            Settings::new(
                listen.parse().unwrap(),
                PathBuf::from("/nonexistent"),
                "mysql://root@127.0.0.1",
            )
        };
        assert!(settings("127.0.0.1:3000").check_transport().is_ok());
        assert!(settings("[::1]:3000").check_transport().is_ok());
        let public = settings("0.0.0.0:3000");
        let refused = public.check_transport().unwrap_err().to_string();
        assert!(
            refused.contains("--allow-plain-http") && refused.contains("--tls-cert"),
            "{refused}"
        );
        let mut allowed = public.clone();
        allowed.allow_plain_http = true;
        assert!(allowed.check_transport().is_ok());
        let mut proxied = public.clone();
        proxied.trusted_proxies = TrustedProxies::parse("10.0.0.1").unwrap();
        assert!(proxied.check_transport().is_ok());
        let mut tls = public;
        tls.tls = Some(TlsFiles {
            cert: "c".into(),
            key: "k".into(),
        });
        assert!(tls.check_transport().is_ok());
    }
}
