//! The operator's fleet of managed servers (`nobregas-panel server …`): registering, listing,
//! draining and removing the servers beyond the default one. Accounts are placed by
//! `managed::fleet::place`.
use crate::domain::seal::Sealer;
use crate::domain::sealed_columns;
use crate::domain::time;
use crate::managed::fleet::{self, DEFAULT_NAME, Fleet, ServerTls, is_loopback};
use crate::services::{binlog, health};
use crate::store::Store;
use sqlx::ConnectOptions;
use types::error::AppError;

/// A server's use: its databases (the system schemas aside) and their bytes (data and indexes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub databases: i64,
    pub bytes: i64,
}

/// The server's use from the store, recorded for placement: the databases the index has for the
/// accounts on it, and their bytes as the storage measurement last left them (`usage`, a few
/// databases at a time). Never `information_schema.TABLES` over the whole server, which opens
/// every table's metadata and stalls it (docs/PERFORMANCE.md, issue 26).
pub async fn measure_usage(store: &Store, server: &fleet::Server) -> Result<Usage, AppError> {
    let (databases, bytes): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), CAST(SUM(COALESCE(z.bytes, 0)) AS SIGNED) FROM account_databases d
         JOIN accounts a ON a.id = d.account_id
         LEFT JOIN database_sizes z ON z.account_id = d.account_id AND z.name = d.name
         WHERE a.server_id = ? OR (a.server_id IS NULL AND ? IS NULL)",
    )
    .bind(server.id)
    .bind(server.id)
    .fetch_one(store)
    .await?;
    let bytes = bytes.unwrap_or(0);
    sqlx::query(crate::store::dialect(
        store,
        "INSERT INTO server_usage (server, database_count, bytes, measured_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (server) DO UPDATE SET database_count = excluded.database_count, bytes = excluded.bytes, measured_at = excluded.measured_at",
        "INSERT INTO server_usage (server, database_count, bytes, measured_at) VALUES (?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE database_count = VALUES(database_count), bytes = VALUES(bytes), measured_at = VALUES(measured_at)",
    ))
    .bind(&server.name)
    .bind(databases)
    .bind(bytes)
    .bind(time::now())
    .execute(store)
    .await?;
    Ok(Usage { databases, bytes })
}

/// Every server's use as last measured, by name.
pub async fn recorded_usage(store: &Store) -> Result<Vec<(String, Usage)>, AppError> {
    let rows: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT server, database_count, bytes FROM server_usage")
            .fetch_all(store)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(name, databases, bytes)| (name, Usage { databases, bytes }))
        .collect())
}

/// The maintenance loop's pass: every server measured (one that does not answer keeps its last
/// figures).
pub async fn measure_all(store: &Store, fleet: &Fleet) -> Result<(), AppError> {
    for server in fleet.all(store).await? {
        if let Err(err) = measure_usage(store, &server).await {
            tracing::warn!(server = server.name, error = %err, "could not measure the server's use");
        }
    }
    Ok(())
}

/// One line of `server list`.
pub struct ServerInfo {
    pub name: String,
    /// Host and port the panel connects to (never a password).
    pub address: String,
    pub public_host: String,
    pub draining: bool,
    pub accounts: i64,
    pub up: bool,
    /// How the admin connection is protected: verified, INSECURE, loopback.
    pub tls: &'static str,
    /// `VERSION()` as the server says it; `None` while it does not answer.
    pub version: Option<String>,
    /// Its accounts' databases and bytes as last measured (`measure_usage`).
    pub usage: Usage,
    /// Its binary log archive (point-in-time recovery): `2 s behind`, `off`, `error`, `not started`.
    pub archive: String,
    /// Why it is `off` or in `error`.
    pub archive_detail: Option<String>,
}

/// `server add`'s request.
pub struct NewServer<'a> {
    pub name: &'a str,
    /// `mysql://user@host:port`, without the password.
    pub url: &'a str,
    pub password: &'a str,
    pub public_host: Option<&'a str>,
    /// The PEM of the CA that signed the server's certificate: TLS verified against it.
    pub ca_pem: Option<String>,
    /// TLS without checking the certificate (spelled out by the operator, shown in `server list`).
    pub tls_insecure: bool,
    /// Where the panel's instances connect from (IPs or IPv4 networks), for the accounts'
    /// identities; empty: the address the server sees this instance's admin session come from.
    pub panel_hosts: &'a [String],
}

/// Registers a server after checking that the credentials log in. The URL carries no password:
/// it comes from stdin or a file, so that it never shows in `ps` or a shell history. A server off
/// this machine is reached over TLS only: verified against `--ca`, or (`--tls-insecure`) not.
pub async fn add(store: &Store, sealer: &Sealer, new: NewServer<'_>) -> Result<(), AppError> {
    let NewServer {
        name,
        url,
        password,
        public_host,
        ..
    } = new;
    let valid_name = (1..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid_name || name == DEFAULT_NAME {
        return Err(AppError::validation(format!(
            "A server name is 1-32 lowercase letters, digits or '-', starting with a letter, and not {DEFAULT_NAME:?}."
        )));
    }
    let parsed: sqlx::mysql::MySqlConnectOptions = url
        .parse()
        .map_err(|_| AppError::validation("The URL must look like mysql://user@host:port."))?;
    if url::Url::parse(url).is_ok_and(|u| u.password().is_some()) {
        return Err(AppError::validation(
            "Leave the password out of the URL: pass it with --password-stdin or --password-file.",
        ));
    }
    if password.len() > 256 {
        return Err(AppError::validation(
            "The admin password may be at most 256 characters.",
        ));
    }
    if let Some(host) = public_host
        && (host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_')))
    {
        return Err(AppError::validation(format!(
            "{host:?} is not a host name or an IP address."
        )));
    }
    let tls = tls_for(parsed.get_host(), new.ca_pem, new.tls_insecure)?;
    let panel_hosts = new
        .panel_hosts
        .iter()
        .map(|raw| match types::host::HostPattern::parse(raw) {
            Ok(types::host::HostPattern::Any) | Err(_) => Err(AppError::validation(format!(
                "--panel-host {raw:?} must be the panel's IP address or an IPv4 network (10.0.0.0/24), not %."
            ))),
            Ok(pattern) => Ok(pattern.mysql_host()),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let options = tls.apply(
        fleet::connect_options(url, password)
            .map_err(|err| AppError::validation(err.to_string()))?,
    );
    let unreachable = |err: sqlx::Error| {
        let said = err.to_string();
        let why = match &tls {
            ServerTls::Verified { .. } if said.contains("certificate") => format!(
                "its certificate was not accepted — the --ca file did not sign it, or it is not issued for {}",
                parsed.get_host()
            ),
            _ => said.clone(),
        };
        AppError::unavailable(format!(
            "Could not log in to {}:{}: {why} ({said})",
            parsed.get_host(),
            parsed.get_port()
        ))
    };
    let mut conn = options.connect().await.map_err(unreachable)?;
    sqlx::query("SELECT 1")
        .execute(&mut conn)
        .await
        .map_err(unreachable)?;
    let _ = sqlx::Connection::close(conn).await;
    let (ca_pem, tls_insecure) = match &tls {
        ServerTls::Verified { ca_pem } => (Some(ca_pem.as_str()), false),
        ServerTls::Insecure => (None, true),
        ServerTls::Loopback => (None, false),
    };
    sqlx::query(
        "INSERT INTO servers (name, url, password, public_host, draining, created_at, ca_pem, tls_insecure, panel_hosts) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)",
    )
    .bind(name)
    .bind(url)
    .bind(sealer.seal(&sealed_columns::server_password(name), password.as_bytes()))
    .bind(public_host)
    .bind(time::now())
    .bind(ca_pem)
    .bind(i64::from(tls_insecure))
    .bind((!panel_hosts.is_empty()).then(|| panel_hosts.join(" ")))
    .execute(store)
    .await
    .map_err(|err| match AppError::from(err) {
        conflict if conflict.code == types::error::ErrorCode::Conflict => AppError::conflict(format!("A server named {name} exists.")),
        other => other,
    })?;
    Ok(())
}

/// What the server lacks for point-in-time recovery (`server add` says it; the server is
/// registered all the same, and its daily backups work).
pub async fn missing_for_recovery(
    fleet: &Fleet,
    store: &Store,
    name: &str,
) -> Result<Vec<String>, AppError> {
    let server = fleet.named(store, name).await?;
    Ok(binlog::requirements::missing(&server.pool).await?)
}

/// What `add` registered, scanned once: placement and `account create` read it from the store.
pub async fn scan_new(store: &Store, fleet: &Fleet, name: &str) -> Result<(), AppError> {
    let server = fleet.named(store, name).await?;
    crate::services::server_prefixes::scan(store, &server).await?;
    measure_usage(store, &server).await.map(|_| ())
}

/// A server off loopback needs `--ca` (verified TLS) or an explicit `--tls-insecure`: the admin
/// login and every `IDENTIFIED BY` would otherwise cross the network readable by anyone on it.
fn tls_for(host: &str, ca_pem: Option<String>, insecure: bool) -> Result<ServerTls, AppError> {
    match (ca_pem, insecure) {
        (Some(_), true) => Err(AppError::validation(
            "Give either --ca or --tls-insecure, not both.",
        )),
        (Some(pem), false) if !pem.contains("-----BEGIN CERTIFICATE-----") => {
            Err(AppError::validation(
                "The --ca file holds no PEM certificate (-----BEGIN CERTIFICATE-----).",
            ))
        }
        (Some(ca_pem), false) => Ok(ServerTls::Verified { ca_pem }),
        (None, true) => Ok(ServerTls::Insecure),
        (None, false) if is_loopback(host) => Ok(ServerTls::Loopback),
        (None, false) => Err(AppError::validation(format!(
            "{host} is not on this machine, so the admin password and every password the panel sets would cross the network. \
             Give the CA certificate that signed the server's certificate with --ca FILE (TLS, certificate and host name verified), \
             or --tls-insecure to encrypt without checking who answers."
        ))),
    }
}

/// Every server, the default one first, with its accounts and whether it answers now.
pub async fn list(store: &Store, fleet: &Fleet) -> Result<Vec<ServerInfo>, AppError> {
    let counts: Vec<(Option<i64>, i64)> =
        sqlx::query_as("SELECT server_id, COUNT(*) FROM accounts GROUP BY server_id")
            .fetch_all(store)
            .await?;
    let rows = fleet::rows(store).await?;
    let archives = binlog::status::all(store).await?;
    let mut infos = Vec::new();
    for server in fleet.all(store).await? {
        let options = server.pool.connect_options();
        let archive = archives
            .iter()
            .find(|(name, _)| *name == server.name)
            .map(|(_, archive)| archive);
        infos.push(ServerInfo {
            name: server.name.clone(),
            address: format!("{}:{}", options.get_host(), options.get_port()),
            public_host: server.public.0.clone(),
            draining: rows
                .iter()
                .any(|row| Some(row.id) == server.id && row.draining),
            accounts: counts
                .iter()
                .find(|(id, _)| *id == server.id)
                .map_or(0, |(_, n)| *n),
            up: health::mysql_up(&server.pool).await,
            version: sqlx::query_scalar("SELECT VERSION()")
                .fetch_one(&server.pool)
                .await
                .ok(),
            usage: match measure_usage(store, &server).await {
                Ok(usage) => usage,
                Err(_) => recorded_usage(store)
                    .await?
                    .into_iter()
                    .find(|(name, _)| *name == server.name)
                    .map(|(_, usage)| usage)
                    .unwrap_or_default(),
            },
            tls: match &server.tls {
                ServerTls::Loopback if !is_loopback(options.get_host()) => "from URL",
                tls => tls.label(),
            },
            archive: archive.map_or_else(
                || "not started".to_owned(),
                |archive| archive.describe(time::now()),
            ),
            archive_detail: archive
                .filter(|archive| archive.state != binlog::status::ARCHIVING)
                .map(|archive| archive.state.clone()),
        });
    }
    Ok(infos)
}

/// Stops (or, with `draining = false`, resumes) placing new accounts on the server; its accounts
/// stay where they are.
pub async fn drain(store: &Store, name: &str, draining: bool) -> Result<(), AppError> {
    let done = sqlx::query("UPDATE servers SET draining = ? WHERE name = ?")
        .bind(i64::from(draining))
        .bind(name)
        .execute(store)
        .await?;
    if done.rows_affected() == 0 && !fleet::rows(store).await?.iter().any(|row| row.name == name) {
        return Err(no_such_server(name));
    }
    Ok(())
}

/// Forgets a server that no account lives on any more.
pub async fn remove(store: &Store, name: &str) -> Result<(), AppError> {
    let row = fleet::rows(store)
        .await?
        .into_iter()
        .find(|row| row.name == name)
        .ok_or_else(|| no_such_server(name))?;
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE server_id = ?")
        .bind(row.id)
        .fetch_one(store)
        .await?;
    if accounts > 0 {
        return Err(AppError::conflict(format!(
            "{accounts} account(s) live on {name}; only an empty server can be removed."
        )));
    }
    // The same condition in the statement: an account placed meanwhile keeps its server.
    sqlx::query("DELETE FROM servers WHERE id = ? AND NOT EXISTS (SELECT 1 FROM accounts WHERE server_id = ?)")
        .bind(row.id)
        .bind(row.id)
        .execute(store)
        .await?;
    Ok(())
}

fn no_such_server(name: &str) -> AppError {
    AppError::not_found(format!("No managed server named {name}."))
}
