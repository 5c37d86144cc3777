//! The `nobregas-panel` command line: serve, and operator tasks on the panel store.
use crate::config::TrustedProxies;
use crate::config::{Settings, TlsFiles};
use crate::domain::caller::Actor;
use crate::domain::password::Argon2Gate;
use crate::domain::seal::Sealer;
use crate::domain::secret::random_base62;
use crate::managed::fleet::Fleet;
use crate::services::{
    accounts, api_keys, audit, secrets, servers, sessions, suspension, two_factor,
};
use crate::startup::Application;
use crate::{managed, store};
use anyhow::{Context, bail};
use app::activity::Action;
use app::validate::{Email, Password, Prefix};
use clap::{Args, Parser, Subcommand};
use std::io::BufRead;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use types::key_policy::{KeyAccess, KeyOptions};

mod closing;
mod offsite;
mod plans;

#[derive(Parser)]
#[command(
    name = "nobregas-panel",
    version,
    about = "Nobregas MySQL Panel: a control panel for MySQL/MariaDB databases"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args)]
pub struct GlobalArgs {
    /// Holds the panel's own SQLite database (and, later, backups).
    #[arg(
        long,
        env = "NOBREGAS_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Admin connection to the managed MySQL/MariaDB server.
    #[arg(
        long,
        env = "NOBREGAS_MYSQL_URL",
        default_value = "mysql://root@127.0.0.1:3306",
        global = true,
        hide_env_values = true
    )]
    pub mysql_url: String,
    /// The panel store: unset is SQLite in the data dir (one instance); `mysql://user@host/db` is a
    /// MySQL/MariaDB database several panel instances share.
    #[arg(
        long,
        env = "NOBREGAS_STORE_URL",
        global = true,
        hide_env_values = true
    )]
    pub store_url: Option<String>,
    /// The key that seals the store's secrets (identity and server passwords, TOTP secrets); made
    /// (0600) on first start. Every instance sharing a store needs the same file. Default:
    /// `<data dir>/secret.key`.
    #[arg(long, env = "NOBREGAS_SECRET_KEY_FILE", global = true)]
    pub secret_key_file: Option<PathBuf>,
    /// PEM file of the CA that signed the default server's certificate: the panel then connects
    /// to NOBREGAS_MYSQL_URL over TLS and checks the certificate and the host name.
    #[arg(long, env = "NOBREGAS_MYSQL_CA", global = true)]
    pub mysql_ca: Option<PathBuf>,
}

impl GlobalArgs {
    fn settings(&self, listen: SocketAddr) -> Settings {
        let mut settings = Settings::new(listen, self.data_dir.clone(), self.mysql_url.clone());
        settings.store_url = self.store_url.clone().filter(|url| !url.is_empty());
        settings.mysql_ca = self.mysql_ca.clone();
        if let Some(file) = &self.secret_key_file {
            settings.secret_key_file = file.clone();
        }
        settings
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the web panel and the REST API.
    Serve(Box<ServeArgs>),
    /// Manage customer accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Manage the plans accounts are on (their limits).
    #[command(subcommand)]
    Plan(plans::PlanCommand),
    /// Manage the fleet of MySQL/MariaDB servers accounts are placed on.
    #[command(subcommand)]
    Server(ServerCommand),
    /// Manage the key that seals the store's secrets.
    #[command(subcommand)]
    Secrets(SecretsCommand),
}

#[derive(Subcommand)]
pub enum SecretsCommand {
    /// Re-seal every secret of the store under a new key. Stop every instance first; afterwards
    /// point NOBREGAS_SECRET_KEY_FILE of every instance at the new file (or move it over the old one).
    RotateKey {
        /// The new key: created (0600, random) when it does not exist yet.
        #[arg(long)]
        new_key_file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum ServerCommand {
    /// Register a managed server; its admin password is read from stdin or a file, never an argument.
    Add {
        /// 1-32 lowercase letters, digits or '-' (not "default": that is NOBREGAS_MYSQL_URL's server).
        #[arg(long)]
        name: String,
        /// mysql://user@host:port of an admin account (CREATE USER, GRANT OPTION), without the password.
        #[arg(long)]
        url: String,
        /// Read the admin password as one line from standard input.
        #[arg(long, conflicts_with = "password_file")]
        password_stdin: bool,
        /// Read the admin password from this file's first line.
        #[arg(long)]
        password_file: Option<PathBuf>,
        /// The host name customers' applications connect to (the Connect tab); default: the URL's host.
        #[arg(long)]
        public_host: Option<String>,
        /// PEM file of the CA that signed the server's certificate: the panel then connects over TLS
        /// and checks the certificate and the host name. Required for a server off this machine.
        #[arg(long, conflicts_with = "tls_insecure")]
        ca: Option<PathBuf>,
        /// Connect over TLS without checking the certificate (anyone on the path can pose as the
        /// server and read the admin password). Shown in `server list`.
        #[arg(long)]
        tls_insecure: bool,
        /// An address the panel connects from, as the server sees it (an IP, or an IPv4 network
        /// such as 10.0.0.0/24); repeat it for several panel instances. Each account's MySQL
        /// identity exists at these hosts only. Default: the address the server sees now.
        #[arg(long = "panel-host", value_name = "IP|CIDR")]
        panel_hosts: Vec<String>,
    },
    /// List the servers with their accounts and whether they answer.
    List,
    /// Place no new accounts on the server and move every account off it, one at a time, to the
    /// least used other servers; --mark-only only stops new placements, --undo places them again.
    Drain {
        /// The server's name (`server list`).
        #[arg(required_unless_present = "name")]
        server: Option<String>,
        /// The same, as an option (earlier releases).
        #[arg(long, conflicts_with = "server")]
        name: Option<String>,
        #[arg(long, conflicts_with = "mark_only")]
        undo: bool,
        #[arg(long)]
        mark_only: bool,
    },
    /// Forget a server no account lives on.
    Remove {
        #[arg(long)]
        name: String,
    },
}

#[derive(Args)]
pub struct ServeArgs {
    #[arg(long, env = "NOBREGAS_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, env = "NOBREGAS_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "NOBREGAS_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Start on a non-loopback --listen address without TLS and without trusted proxies. Remote
    /// clients still get 403 https_required for anything carrying credentials.
    #[arg(long, env = "NOBREGAS_ALLOW_PLAIN_HTTP")]
    pub allow_plain_http: bool,
    /// Reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For/-Proto are believed.
    #[arg(long, env = "NOBREGAS_TRUSTED_PROXIES", default_value = "", value_parser = TrustedProxies::parse)]
    pub trusted_proxies: TrustedProxies,
    /// API requests per minute per account (API key or session).
    #[arg(long, env = "NOBREGAS_API_RATE_LIMIT", default_value_t = NonZeroU32::new(Settings::DEFAULT_API_RATE_LIMIT).unwrap())]
    pub api_rate_limit: NonZeroU32,
    /// API requests per minute per client IP without valid credentials.
    #[arg(long, env = "NOBREGAS_IP_RATE_LIMIT", default_value_t = NonZeroU32::new(Settings::DEFAULT_IP_RATE_LIMIT).unwrap())]
    pub ip_rate_limit: NonZeroU32,
    /// The managed server's host name as customers' applications should use it (shown on each
    /// database's Connect tab); default: the host of --mysql-url.
    #[arg(long, env = "NOBREGAS_PUBLIC_MYSQL_HOST")]
    pub public_mysql_host: Option<String>,
    /// Serve /metrics (Prometheus) to scrapers that send this as a Bearer token; unset: no /metrics.
    #[arg(long, env = "NOBREGAS_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Seconds the maintenance lease lasts: when the instance holding it dies, another takes over
    /// reconciliation and scheduled backups within this time.
    #[arg(long, env = "NOBREGAS_LEASE_SECS", default_value_t = Settings::DEFAULT_LEASE_SECS, value_parser = clap::value_parser!(u64).range(2..=3600))]
    pub lease_secs: u64,
    /// Alert emails (the events webhooks get) to each account's address through this SMTP server:
    /// smtp://user:password@host:587?tls=required&from=panel@example.com, or smtps://…:465?from=…
    #[arg(long, env = "NOBREGAS_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Let webhooks point at loopback, private and link-local addresses (refused by default: the
    /// panel would post into its own network for whoever adds a webhook).
    #[arg(long, env = "NOBREGAS_WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: bool,
    /// Hours a scheduled database may go without a completed backup before `backup.missing`.
    #[arg(long, env = "NOBREGAS_BACKUP_MISSING_HOURS", default_value_t = Settings::DEFAULT_BACKUP_MISSING_HOURS, value_parser = clap::value_parser!(u64).range(1..))]
    pub backup_missing_hours: u64,
    #[command(flatten)]
    pub managed: ManagedLimits,
    #[command(flatten)]
    pub offsite: offsite::OffsiteArgs,
}

impl ServeArgs {
    fn settings(self, global: &GlobalArgs) -> anyhow::Result<Settings> {
        let mut settings = global.settings(self.listen);
        settings.allow_plain_http = self.allow_plain_http;
        settings.tls = self
            .tls_cert
            .zip(self.tls_key)
            .map(|(cert, key)| TlsFiles { cert, key });
        settings.trusted_proxies = self.trusted_proxies;
        settings.api_rate_limit_per_minute = self.api_rate_limit;
        settings.ip_rate_limit_per_minute = self.ip_rate_limit;
        settings.public_mysql_host = self.public_mysql_host;
        settings.metrics_token = self.metrics_token;
        settings.lease = std::time::Duration::from_secs(self.lease_secs);
        settings.smtp_url = self.smtp_url;
        settings.webhook_allow_private = self.webhook_allow_private;
        settings.backup_missing_after = Duration::from_secs(self.backup_missing_hours * 3600);
        self.managed.apply(&mut settings);
        self.offsite.apply(&mut settings)?;
        Ok(settings)
    }
}

/// Limits on what the panel does to the managed server.
#[derive(Args)]
pub struct ManagedLimits {
    /// Seconds an admin statement waits for a lock (e.g. a customer's open transaction) before answering 409.
    #[arg(long, env = "NOBREGAS_MYSQL_LOCK_WAIT_TIMEOUT", default_value_t = Settings::DEFAULT_LOCK_WAIT_TIMEOUT.as_secs())]
    pub mysql_lock_wait_timeout: u64,
    /// Seconds any admin statement may run before it is cancelled (503); default: the lock wait + 5.
    #[arg(long, env = "NOBREGAS_MYSQL_STATEMENT_DEADLINE")]
    pub mysql_statement_deadline: Option<u64>,
    /// MAX_USER_CONNECTIONS of every database user (0: no limit).
    #[arg(long, env = "NOBREGAS_MAX_USER_CONNECTIONS", default_value_t = Settings::DEFAULT_MAX_USER_CONNECTIONS)]
    pub max_user_connections: u32,
    /// The managed server's Unix socket (customer SQL runs as `<prefix>-panel`@localhost, reachable
    /// only through it); default: what the server reports as @@socket.
    #[arg(long, env = "NOBREGAS_MYSQL_SOCKET")]
    pub mysql_socket: Option<PathBuf>,
    /// Statements one account may run at once (more get 429).
    #[arg(long, env = "NOBREGAS_QUERIES_PER_ACCOUNT", default_value_t = Settings::DEFAULT_QUERIES_PER_ACCOUNT)]
    pub queries_per_account: usize,
    /// Bytes of backups (and pending imports) one account may keep (507 beyond).
    #[arg(long, env = "NOBREGAS_BACKUP_QUOTA", default_value_t = Settings::DEFAULT_BACKUP_QUOTA_BYTES)]
    pub backup_quota: u64,
    /// The largest import file accepted, in bytes (413 beyond), and the most SQL it may decompress to.
    #[arg(long, env = "NOBREGAS_IMPORT_LIMIT", default_value_t = app::backups::DEFAULT_IMPORT_LIMIT_BYTES)]
    pub import_limit: u64,
    /// Backup, restore and import jobs running at once (each account runs one at a time).
    #[arg(long, env = "NOBREGAS_BACKUP_JOBS", default_value_t = Settings::DEFAULT_BACKUP_JOBS)]
    pub backup_jobs: usize,
    /// Seconds a restore or import may run; then its connection is killed and it fails (job_timeout).
    #[arg(long, env = "NOBREGAS_JOB_TIMEOUT", default_value_t = Settings::DEFAULT_JOB_TIMEOUT_SECS)]
    pub job_timeout: u64,
    /// Days archived binary log files are kept: how far back a database can be restored to a
    /// point in time.
    #[arg(long, env = "NOBREGAS_BINLOG_RETENTION_DAYS", default_value_t = Settings::DEFAULT_BINLOG_RETENTION_DAYS)]
    pub binlog_retention_days: u64,
}

impl ManagedLimits {
    fn apply(&self, settings: &mut Settings) {
        settings.mysql_lock_wait_timeout = Duration::from_secs(self.mysql_lock_wait_timeout.max(1));
        settings.mysql_statement_deadline = self.mysql_statement_deadline.map_or_else(
            || Settings::deadline_for(settings.mysql_lock_wait_timeout),
            |secs| Duration::from_secs(secs.max(1)),
        );
        settings.max_user_connections = self.max_user_connections;
        settings.mysql_socket = self.mysql_socket.clone();
        settings.queries_per_account = self.queries_per_account.max(1);
        settings.backup_quota_bytes = self.backup_quota;
        settings.import_limit_bytes = self.import_limit;
        settings.backup_jobs = self.backup_jobs.max(1);
        settings.job_timeout = Duration::from_secs(self.job_timeout.max(1));
        settings.binlog_retention = Duration::from_secs(self.binlog_retention_days.max(1) * 86_400);
    }
}

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Create an account; the password is read as one line from standard input.
    Create {
        #[arg(long)]
        email: String,
        /// 2–16 chars: a lowercase letter, then lowercase letters/digits; not test, mysql, sys,
        /// performance or information, and no database or user on the server may start with `<prefix>_`.
        #[arg(long)]
        prefix: String,
        /// Read the password from stdin (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// The managed server to place the account on (`server list`); default: the least loaded
        /// one that is not draining.
        #[arg(long)]
        server: Option<String>,
        /// The account's plan (`plan list`); default: the plan named `default`.
        #[arg(long)]
        plan: Option<String>,
        /// An operator: the account gets the Admin area and `/api/admin/*`.
        #[arg(long)]
        operator: bool,
    },
    /// Make an account an operator: it gets the Admin area and `/api/admin/*`.
    Promote {
        #[arg(long)]
        email: String,
    },
    /// Put an account on another plan; its limits apply to what it creates next.
    SetPlan {
        #[arg(long)]
        email: String,
        #[arg(long)]
        plan: String,
    },
    /// Suspend an account (unpaid, abuse): every MySQL user of the account is locked and its
    /// connections ended, scheduled backups wait, and its key and sessions get 403
    /// account_suspended except to read why and download existing backups. Data is not touched.
    Suspend {
        #[arg(long)]
        email: String,
        /// Shown to the customer on Profile and in every refusal.
        #[arg(long)]
        reason: String,
    },
    /// Undo `account suspend`: the users are unlocked, backups and the API work again.
    Resume {
        #[arg(long)]
        email: String,
    },
    /// Close an account: a final backup of every database, kept --keep-backups-days days, then
    /// its databases, database users, query identity, key and sessions are dropped; its prefix and
    /// email stay taken until the backups go. Confirm by typing the account's email on stdin.
    Delete {
        #[arg(long)]
        email: String,
        #[arg(
            long,
            env = "NOBREGAS_CLOSED_BACKUP_DAYS",
            default_value_t = crate::services::closing::DEFAULT_KEEP_DAYS
        )]
        keep_backups_days: u32,
    },
    /// Set an account's panel password (read as one line from standard input); every session of
    /// the account is signed out.
    SetPassword {
        #[arg(long)]
        email: String,
        /// Read the password from stdin (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Turn two-factor sign-in off for an account that lost its authenticator and its recovery
    /// codes; its sessions stay, its next sign-in asks for the password only.
    #[command(name = "reset-2fa")]
    ResetTwoFactor {
        #[arg(long)]
        email: String,
    },
    /// Move the account to another managed server: every database, database user (same
    /// password), grant and whitelist host is copied and checked, then the account switches over
    /// and the source copy is dropped. Changes through the panel wait (423) meanwhile, and the
    /// account's database users are locked. Run it again after a failure: it starts cleanly.
    Move {
        #[arg(long)]
        email: String,
        /// The server's name (`server list`).
        #[arg(long)]
        to: String,
        /// Keep the databases and users on the old server (the users stay locked there).
        #[arg(long)]
        keep_source: bool,
    },
    /// Create a first account with a generated password, only if no account exists yet.
    EnsureFirst {
        #[arg(
            long,
            env = "NOBREGAS_FIRST_EMAIL",
            default_value = "admin@example.com"
        )]
        email: String,
        #[arg(long, env = "NOBREGAS_FIRST_PREFIX", default_value = "admin")]
        prefix: String,
    },
}

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Replace the account's API key (the old one stops working) and print only the new key.
    /// Without options the key is today's: no expiry, any address, full access.
    Regenerate {
        #[arg(long)]
        email: String,
        /// When the key stops working (RFC 3339, in the future).
        #[arg(long)]
        expires_at: Option<String>,
        /// An address or network the key may be used from (IPv4/IPv6, CIDR); repeat for more.
        #[arg(long = "allow", value_name = "IP|CIDR")]
        allow: Vec<String>,
        /// The key may read but change nothing (403 `api_key_read_only`).
        #[arg(long)]
        read_only: bool,
        /// Revoke the key once it has gone this many days without a request.
        #[arg(long, value_name = "DAYS")]
        revoke_after_unused_days: Option<u32>,
    },
}

/// The account an operator command names by its email.
async fn account_id_of(store: &store::Store, email: &Email) -> anyhow::Result<i64> {
    match accounts::find_id_by_email(store, email).await? {
        Some(account_id) => Ok(account_id),
        None => bail!("No account with email {email}."),
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    match cli.command {
        Command::Serve(args) => {
            let settings = args.settings(&global)?;
            let app = Application::build(&settings).await?;
            let scheme = if settings.tls.is_some() {
                "https"
            } else {
                "http"
            };
            tracing::info!(
                "Nobregas MySQL Panel listening on {scheme}://{}:{}",
                settings.listen.ip(),
                app.port()
            );
            app.run_until_stopped()
                .await
                .context("The server stopped with an error")
        }
        Command::Account(AccountCommand::Create {
            email,
            prefix,
            password_stdin: _,
            server,
            plan,
            operator,
        }) => {
            let (email, prefix) = (Email::parse(&email)?, Prefix::parse(&prefix)?);
            let password = Password::parse(&read_password_line()?)?;
            let panel = Operator::open(&global).await?;
            // Looked up first: an unknown plan creates nothing.
            if let Some(plan) = &plan {
                crate::services::plans::find(&panel.store, plan).await?;
            }
            let account_id = accounts::create(
                &panel.store,
                &panel.fleet,
                &Argon2Gate::default(),
                (&email, &prefix),
                password,
                server.as_deref(),
            )
            .await?;
            if let Some(plan) = &plan {
                crate::services::plans::assign(&panel.store, account_id, plan).await?;
            }
            if operator {
                crate::services::admin::promote(&panel.store, account_id, Actor::Cli).await?;
            }
            let role = if operator { " (an operator)" } else { "" };
            eprintln!(
                "Created account {email} with prefix {}{role}.",
                prefix.as_str()
            );
            Ok(())
        }
        Command::Account(AccountCommand::Promote { email }) => {
            let email = Email::parse(&email)?;
            let panel = Operator::open(&global).await?;
            let account_id = account_id_of(&panel.store, &email).await?;
            crate::services::admin::promote(&panel.store, account_id, Actor::Cli).await?;
            eprintln!("{email} is an operator: it has the Admin area and /api/admin.");
            Ok(())
        }
        Command::Account(AccountCommand::SetPlan { email, plan }) => {
            let email = Email::parse(&email)?;
            let panel = Operator::open(&global).await?;
            let account_id = account_id_of(&panel.store, &email).await?;
            crate::services::plan_changes::set_plan(&panel.store, &panel.fleet, account_id, &plan)
                .await?;
            eprintln!("{email} is now on plan {}.", plan.trim());
            Ok(())
        }
        Command::Account(AccountCommand::Suspend { email, reason }) => {
            let email = Email::parse(&email)?;
            let panel = Operator::open(&global).await?;
            let account_id = account_id_of(&panel.store, &email).await?;
            suspension::suspend(&panel.store, &panel.fleet, account_id, &reason).await?;
            eprintln!(
                "{email} is suspended: its database users are locked and their connections ended."
            );
            Ok(())
        }
        Command::Account(AccountCommand::Resume { email }) => {
            let email = Email::parse(&email)?;
            let panel = Operator::open(&global).await?;
            let account_id = account_id_of(&panel.store, &email).await?;
            suspension::resume(&panel.store, &panel.fleet, account_id).await?;
            eprintln!("{email} is resumed: its database users are unlocked.");
            Ok(())
        }
        Command::Account(AccountCommand::Delete {
            email,
            keep_backups_days,
        }) => {
            let panel = Operator::open(&global).await?;
            closing::run(&panel, &Email::parse(&email)?, keep_backups_days).await
        }
        Command::Plan(command) => {
            let panel = Operator::open(&global).await?;
            plans::run(&panel.store, &panel.fleet, command).await
        }
        Command::Account(AccountCommand::SetPassword {
            email,
            password_stdin: _,
        }) => {
            let email = Email::parse(&email)?;
            let password = Password::parse(&read_password_line()?)?;
            let store = Operator::open(&global).await?.store;
            let account_id = account_id_of(&store, &email).await?;
            accounts::set_password(&store, &Argon2Gate::default(), account_id, password).await?;
            let signed_out = sessions::revoke_others(&store, account_id, None).await?;
            let entry = audit::Entry {
                account_id: Some(account_id),
                actor: &Actor::Cli,
                ip: None,
                action: Action::PasswordChanged,
                details: vec![],
            };
            audit::record(&store, entry.with("signed_out", signed_out.to_string())).await;
            eprintln!("Set the password of {email}; {signed_out} session(s) signed out.");
            Ok(())
        }
        Command::Account(AccountCommand::ResetTwoFactor { email }) => {
            let email = Email::parse(&email)?;
            let store = Operator::open(&global).await?.store;
            let account_id = account_id_of(&store, &email).await?;
            if two_factor::reset(&store, account_id).await? {
                eprintln!(
                    "Two-factor sign-in is now off for {email}; its recovery codes are void."
                );
            } else {
                eprintln!("Two-factor sign-in was not on for {email}; nothing changed.");
            }
            Ok(())
        }
        Command::Account(AccountCommand::Move {
            email,
            to,
            keep_source,
        }) => {
            let panel = Operator::open(&global).await?;
            crate::moving::account(&panel.moves(), &Email::parse(&email)?, &to, keep_source).await
        }
        Command::Account(AccountCommand::EnsureFirst { email, prefix }) => {
            let (email, prefix) = (Email::parse(&email)?, Prefix::parse(&prefix)?);
            let panel = Operator::open(&global).await?;
            if accounts::exists_any(&panel.store).await? {
                eprintln!("An account already exists; not creating a first one.");
                return Ok(());
            }
            let password = random_base62(20);
            let argon2 = Argon2Gate::default();
            accounts::create(
                &panel.store,
                &panel.fleet,
                &argon2,
                (&email, &prefix),
                Password::parse(&password)?,
                None,
            )
            .await?;
            println!("Created the first account (the password is shown only now):");
            println!("  email:    {email}");
            println!("  password: {password}");
            Ok(())
        }
        Command::Key(KeyCommand::Regenerate {
            email,
            expires_at,
            allow,
            read_only,
            revoke_after_unused_days,
        }) => {
            let email = Email::parse(&email)?;
            let store = Operator::open(&global).await?.store;
            let account_id = account_id_of(&store, &email).await?;
            let options = KeyOptions {
                expires_at,
                allowed_networks: allow,
                access: if read_only {
                    KeyAccess::ReadOnly
                } else {
                    KeyAccess::Full
                },
                revoke_after_unused_days,
            };
            let new = api_keys::regenerate(&store, account_id, &Actor::Cli, None, &options).await?;
            // The policy on stderr; the key alone and last on stdout, as scripts read it.
            let policy = &new.info.policy();
            if policy != &KeyOptions::default() {
                eprintln!(
                    "access: {}; expires: {}; allowed from: {}; revoked after unused: {}",
                    policy.access.as_str(),
                    policy.expires_at.as_deref().unwrap_or("never"),
                    if policy.allowed_networks.is_empty() {
                        "anywhere".to_owned()
                    } else {
                        policy.allowed_networks.join(", ")
                    },
                    policy
                        .revoke_after_unused_days
                        .map_or_else(|| "never".to_owned(), |days| format!("{days} days")),
                );
            }
            println!("{}", new.key);
            Ok(())
        }
        Command::Server(command) => server_command(&Operator::open(&global).await?, command).await,
        Command::Secrets(SecretsCommand::RotateKey { new_key_file }) => {
            let panel = Operator::open(&global).await?;
            let new = if new_key_file.exists() {
                Sealer::load_or_create(&new_key_file)?
            } else {
                Sealer::create(&new_key_file)?
            };
            if new.id() == panel.sealer.id() {
                bail!(
                    "{} holds the key already in use; give a new file (it is created when missing).",
                    new_key_file.display()
                );
            }
            let resealed = secrets::rotate(&panel.store, &panel.sealer, &new).await?;
            eprintln!(
                "Re-sealed {resealed} secret(s) under the key in {} (key id {}). Point NOBREGAS_SECRET_KEY_FILE of every \
                 instance at it (or move it over {}) before starting them again: the old key no longer opens the store.",
                new_key_file.display(),
                new.id(),
                panel.settings.secret_key_file.display()
            );
            Ok(())
        }
    }
}

/// What an operator command works with: the store (its secrets' key checked) and the fleet.
struct Operator {
    settings: Settings,
    store: store::Store,
    sealer: Arc<Sealer>,
    fleet: Arc<Fleet>,
}

impl Operator {
    /// What moving accounts between servers works with.
    fn moves(&self) -> crate::services::moves::Context {
        crate::services::moves::Context {
            store: self.store.clone(),
            fleet: self.fleet.clone(),
            queries: crate::services::queries::Queries::new(&self.settings, self.sealer.clone()),
        }
    }

    async fn open(global: &GlobalArgs) -> anyhow::Result<Self> {
        let mut settings = global.settings(SocketAddr::from(([127, 0, 0, 1], 0)));
        // `plan update` and `account set-plan` give users the lower of the plan's connection limit
        // and the panel's cap: the same cap `serve` has from the environment.
        if let Some(cap) = std::env::var("NOBREGAS_MAX_USER_CONNECTIONS")
            .ok()
            .and_then(|cap| cap.parse().ok())
        {
            settings.max_user_connections = cap;
        }
        let (store, sealer) = crate::startup::open_store(&settings).await?;
        let fleet = Fleet::new(managed::pool(&settings)?, &settings, sealer.clone())?;
        Ok(Self {
            settings,
            store,
            sealer,
            fleet,
        })
    }
}

async fn server_command(panel: &Operator, command: ServerCommand) -> anyhow::Result<()> {
    let (store, fleet) = (&panel.store, &panel.fleet);
    match command {
        ServerCommand::Add {
            name,
            url,
            password_stdin,
            password_file,
            public_host,
            ca,
            tls_insecure,
            panel_hosts,
        } => {
            let password = match (password_stdin, password_file) {
                (true, _) => read_line_allowing_empty()?,
                (false, Some(file)) => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("Failed to read {}", file.display()))?;
                    text.lines().next().unwrap_or_default().to_owned()
                }
                (false, None) => bail!(
                    "Give the admin password with --password-stdin or --password-file (never as an argument)."
                ),
            };
            let ca_pem = match ca {
                Some(file) => Some(
                    std::fs::read_to_string(&file)
                        .with_context(|| format!("Failed to read {}", file.display()))?,
                ),
                None => None,
            };
            let new = servers::NewServer {
                name: &name,
                url: &url,
                password: &password,
                public_host: public_host.as_deref(),
                ca_pem,
                tls_insecure,
                panel_hosts: &panel_hosts,
            };
            servers::add(store, &panel.sealer, new).await?;
            if let Err(err) = servers::scan_new(store, fleet, &name).await {
                eprintln!(
                    "warning: could not read {name}'s databases yet ({err}); the panel does every 5 minutes."
                );
            }
            eprintln!("Registered the server {name}.");
            match servers::missing_for_recovery(fleet, store, &name).await {
                Ok(missing) if missing.is_empty() => eprintln!(
                    "Its binary log is archived from now on: point-in-time recovery works for its databases."
                ),
                Ok(missing) => eprintln!(
                    "warning: {}. Daily backups work; fix it and the archive starts within a minute.",
                    crate::services::binlog::requirements::explain(&name, &missing)
                ),
                Err(err) => eprintln!("warning: could not check its binary log ({err})."),
            }
        }
        ServerCommand::List => {
            println!(
                "{:<16} {:<28} {:<28} {:>8} {:>9} {:>10}  {:<6} {:<8} {:<24} {:<9} ARCHIVE",
                "NAME",
                "ADDRESS",
                "PUBLIC HOST",
                "ACCOUNTS",
                "DATABASES",
                "BYTES",
                "STATUS",
                "STATE",
                "VERSION",
                "TLS"
            );
            let servers = servers::list(store, fleet).await?;
            for server in &servers {
                let status = if server.up { "up" } else { "down" };
                let state = if server.draining { "draining" } else { "open" };
                println!(
                    "{:<16} {:<28} {:<28} {:>8} {:>9} {:>10}  {:<6} {state:<8} {:<24} {:<9} {}",
                    server.name,
                    server.address,
                    server.public_host,
                    server.accounts,
                    server.usage.databases,
                    types::model::human_size(u64::try_from(server.usage.bytes).unwrap_or(0)),
                    status,
                    server.version.as_deref().unwrap_or("-"),
                    server.tls,
                    server.archive
                );
            }
            for server in servers
                .iter()
                .filter(|server| server.archive_detail.is_some())
            {
                eprintln!(
                    "{}: {}",
                    server.name,
                    server.archive_detail.as_deref().unwrap_or_default()
                );
            }
        }
        ServerCommand::Drain {
            server,
            name,
            undo,
            mark_only,
        } => {
            let name = server.or(name).unwrap_or_default();
            servers::drain(store, &name, !undo).await?;
            if undo || mark_only {
                eprintln!(
                    "{name} {}",
                    if undo {
                        "takes new accounts again."
                    } else {
                        "takes no new accounts; its accounts stay."
                    }
                );
            } else {
                crate::moving::drain(&panel.moves(), &name).await?;
            }
        }
        ServerCommand::Remove { name } => {
            servers::remove(store, &name).await?;
            eprintln!("Removed the server {name}.");
        }
    }
    Ok(())
}

/// A password line that may be empty (a test server's root has none).
fn read_line_allowing_empty() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("Failed to read the password from stdin")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

fn read_password_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("Failed to read the password from stdin")?;
    let password = line.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        bail!(
            "No password on stdin: pipe one line, e.g. `echo \"$PASSWORD\" | nobregas-panel account create ...`"
        );
    }
    Ok(password.to_owned())
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
