//! Where the account's database users exist: 'localhost' (the Unix socket), the TCP loopback
//! addresses, and each active whitelist host. Below both `db_users` (which makes a new user at
//! every one of them) and `whitelist` (which adds or removes a host for every user), so neither
//! imports the other's reading of the store.
use crate::domain::caller::Caller;
use crate::store::Store;
use types::error::AppError;

pub const LOCALHOST: &str = "localhost";

/// Applications on the database host that connect over TCP to 127.0.0.1 (JDBC, Docker's host
/// network, most `.env` templates) reach these accounts, not 'localhost' (the socket only, as the
/// server resolves no names). Kept in step with 'localhost' exactly as whitelist hosts are.
pub const LOOPBACK_HOSTS: [&str; 2] = ["127.0.0.1", "::1"];

/// Where a new user must exist: 'localhost', the loopback addresses and the account's active
/// whitelist hosts.
pub async fn wanted(store: &Store, caller: &Caller) -> Result<Vec<String>, AppError> {
    let mut hosts = vec![LOCALHOST.to_owned()];
    hosts.extend(LOOPBACK_HOSTS.map(str::to_owned));
    hosts.extend(whitelisted(store, caller.account_id).await?);
    Ok(hosts)
}

/// MySQL host spellings of the account's active whitelist entries.
async fn whitelisted(store: &Store, account_id: i64) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT mysql_host FROM whitelist WHERE account_id = ? AND state = 'active' ORDER BY id",
    )
    .bind(account_id)
    .fetch_all(store)
    .await?)
}
