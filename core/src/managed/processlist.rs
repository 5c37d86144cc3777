//! Open sessions of database users, so that taking access away takes effect at once: MariaDB checks
//! an account's existence and most grants only when a session starts, so a session opened before a
//! removal would otherwise keep working.
use super::{admin_exec_expecting, sql};
use sqlx::MySqlPool;
use std::net::IpAddr;
use types::error::AppError;

/// MariaDB's ER_NO_SUCH_THREAD: the session ended on its own in the meantime.
pub const NO_SUCH_THREAD: u16 = 1094;

pub struct Session {
    pub id: u64,
    pub user: String,
    /// The client's address; `None` for the Unix socket ('localhost').
    pub ip: Option<IpAddr>,
}

/// The sessions of users whose names start with `user_prefix` (e.g. `acme_`), or of exactly one user.
pub async fn sessions(mysql: &MySqlPool, user_like: &str) -> Result<Vec<Session>, AppError> {
    let rows: Vec<(u64, String, String)> = sqlx::query_as(
        "SELECT CAST(ID AS UNSIGNED), CONVERT(USER USING utf8mb4), CONVERT(HOST USING utf8mb4)
         FROM information_schema.PROCESSLIST WHERE USER LIKE ? ESCAPE '!'",
    )
    .bind(user_like)
    .fetch_all(mysql)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, user, host)| Session {
            id,
            user,
            ip: client_ip(&host),
        })
        .collect())
}

/// Sessions of the users `<prefix>_…`.
pub async fn sessions_of_prefix(mysql: &MySqlPool, prefix: &str) -> Result<Vec<Session>, AppError> {
    sessions(mysql, &sql::like_starts_with(&format!("{prefix}_"))).await
}

/// Sessions of one user.
pub async fn sessions_of_user(mysql: &MySqlPool, user: &str) -> Result<Vec<Session>, AppError> {
    sessions(mysql, &sql::like_exact(user)).await
}

/// Ends the sessions (their running statement included); ones already gone are no error.
pub async fn kill(
    mysql: &MySqlPool,
    sessions: impl IntoIterator<Item = Session>,
) -> Result<(), AppError> {
    for session in sessions {
        admin_exec_expecting(
            mysql,
            &format!("KILL CONNECTION {}", session.id),
            |number| (number == NO_SUCH_THREAD).then_some(Ok(())),
        )
        .await?;
    }
    Ok(())
}

/// PROCESSLIST's HOST: `203.0.113.5:52144`, `[2001:db8::1]:52144` or `2001:db8::1:52144` for TCP
/// (no names: the server runs with skip_name_resolve), `localhost` for the socket.
fn client_ip(host: &str) -> Option<IpAddr> {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest
            .split_once(']')
            .and_then(|(ip, _)| ip.parse::<IpAddr>().ok())
            .map(|ip| ip.to_canonical());
    }
    let without_port = host.rsplit_once(':').map(|(ip, _)| ip);
    without_port
        .and_then(|ip| ip.parse::<IpAddr>().ok())
        .or_else(|| host.parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::client_ip;

    #[test]
    fn client_addresses_are_read_from_processlist_hosts() {
        assert_eq!(
            client_ip("127.0.0.5:41234"),
            Some("127.0.0.5".parse().unwrap())
        );
        assert_eq!(
            client_ip("[2001:db8::1]:41234"),
            Some("2001:db8::1".parse().unwrap())
        );
        assert_eq!(
            client_ip("2001:db8::1:41234"),
            Some("2001:db8::1".parse().unwrap())
        );
        assert_eq!(
            client_ip("::ffff:127.0.0.5:41234"),
            Some("127.0.0.5".parse().unwrap())
        );
        assert_eq!(client_ip("127.0.0.5"), Some("127.0.0.5".parse().unwrap()));
        assert_eq!(client_ip("localhost"), None);
        assert_eq!(client_ip(""), None);
    }
}
