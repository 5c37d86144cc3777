//! The operator's fleet of managed servers (`nobregas-panel server …`): registering, listing,
//! draining and removing the servers beyond the default one. Accounts are placed by
//! `managed::fleet::place`.
use crate::domain::time;
use crate::managed::fleet::{self, DEFAULT_NAME, Fleet};
use crate::services::health;
use crate::store::Store;
use app::error::AppError;
use sqlx::ConnectOptions;

/// One line of `server list`.
pub struct ServerInfo {
    pub name: String,
    /// Host and port the panel connects to (never a password).
    pub address: String,
    pub public_host: String,
    pub draining: bool,
    pub accounts: i64,
    pub up: bool,
}

/// Registers a server after checking that the credentials log in. The URL carries no password:
/// it comes from stdin or a file, so that it never shows in `ps` or a shell history.
pub async fn add(store: &Store, name: &str, url: &str, password: &str, public_host: Option<&str>) -> Result<(), AppError> {
    let valid_name = (1..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid_name || name == DEFAULT_NAME {
        return Err(AppError::validation(format!(
            "A server name is 1-32 lowercase letters, digits or '-', starting with a letter, and not {DEFAULT_NAME:?}."
        )));
    }
    let parsed: sqlx::mysql::MySqlConnectOptions =
        url.parse().map_err(|_| AppError::validation("The URL must look like mysql://user@host:port."))?;
    if url::Url::parse(url).is_ok_and(|u| u.password().is_some()) {
        return Err(AppError::validation("Leave the password out of the URL: pass it with --password-stdin or --password-file."));
    }
    if let Some(host) = public_host {
        if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_')) {
            return Err(AppError::validation(format!("{host:?} is not a host name or an IP address.")));
        }
    }
    let options = fleet::connect_options(url, password).map_err(|err| AppError::validation(err.to_string()))?;
    let unreachable = |err: sqlx::Error| AppError::unavailable(format!("Could not log in to {}:{}: {err}", parsed.get_host(), parsed.get_port()));
    let mut conn = options.connect().await.map_err(unreachable)?;
    sqlx::query("SELECT 1").execute(&mut conn).await.map_err(unreachable)?;
    let _ = sqlx::Connection::close(conn).await;
    sqlx::query("INSERT INTO servers (name, url, password, public_host, draining, created_at) VALUES (?, ?, ?, ?, 0, ?)")
        .bind(name)
        .bind(url)
        .bind(password)
        .bind(public_host)
        .bind(time::now())
        .execute(store)
        .await
        .map_err(|err| match AppError::from(err) {
            conflict if conflict.code == app::error::ErrorCode::Conflict => AppError::conflict(format!("A server named {name} exists.")),
            other => other,
        })?;
    Ok(())
}

/// Every server, the default one first, with its accounts and whether it answers now.
pub async fn list(store: &Store, fleet: &Fleet) -> Result<Vec<ServerInfo>, AppError> {
    let counts: Vec<(Option<i64>, i64)> =
        sqlx::query_as("SELECT server_id, COUNT(*) FROM accounts GROUP BY server_id").fetch_all(store).await?;
    let rows = fleet::rows(store).await?;
    let mut infos = Vec::new();
    for server in fleet.all(store).await? {
        let options = server.pool.connect_options();
        infos.push(ServerInfo {
            name: server.name.clone(),
            address: format!("{}:{}", options.get_host(), options.get_port()),
            public_host: server.public.0.clone(),
            draining: rows.iter().any(|row| Some(row.id) == server.id && row.draining),
            accounts: counts.iter().find(|(id, _)| *id == server.id).map_or(0, |(_, n)| *n),
            up: health::mysql_up(&server.pool).await,
        });
    }
    Ok(infos)
}

/// Stops (or, with `draining = false`, resumes) placing new accounts on the server; its accounts
/// stay where they are.
pub async fn drain(store: &Store, name: &str, draining: bool) -> Result<(), AppError> {
    let done = sqlx::query("UPDATE servers SET draining = ? WHERE name = ?").bind(i64::from(draining)).bind(name).execute(store).await?;
    if done.rows_affected() == 0 && !fleet::rows(store).await?.iter().any(|row| row.name == name) {
        return Err(no_such_server(name));
    }
    Ok(())
}

/// Forgets a server that no account lives on any more.
pub async fn remove(store: &Store, name: &str) -> Result<(), AppError> {
    let row = fleet::rows(store).await?.into_iter().find(|row| row.name == name).ok_or_else(|| no_such_server(name))?;
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE server_id = ?").bind(row.id).fetch_one(store).await?;
    if accounts > 0 {
        return Err(AppError::conflict(format!("{accounts} account(s) live on {name}; only an empty server can be removed.")));
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
    if name == DEFAULT_NAME {
        AppError::conflict("The default server (NOBREGAS_MYSQL_URL) is set in the panel's environment, not registered.")
    } else {
        AppError::not_found(format!("No managed server named {name}."))
    }
}
