//! The store's side of withholding writes from an account over its plan's storage
//! (`services::over_storage` decides when): whether writes are withheld, and what was taken from
//! each database user, so that exactly that comes back — including privileges the customer set
//! while writes were withheld, which are applied without INSERT, UPDATE and CREATE and kept here.
use crate::domain::time;
use crate::store::{self, Store};
use types::error::AppError;
use types::privilege::Privilege;

/// What an account over its storage loses; SELECT, DELETE and DROP stay, so it can clean up.
pub const WITHHELD: [Privilege; 3] = [Privilege::Insert, Privilege::Update, Privilege::Create];

/// Since when the account's writes are withheld (a Unix time), if they are.
pub async fn withheld_since(store: &Store, account_id: i64) -> Result<Option<i64>, AppError> {
    let since: Option<Option<i64>> =
        sqlx::query_scalar("SELECT writes_withheld_at FROM accounts WHERE id = ?")
            .bind(account_id)
            .fetch_optional(store)
            .await?;
    Ok(since.flatten())
}

/// MariaDB's ER_TABLEACCESS_DENIED_ERROR and ER_DBACCESS_DENIED_ERROR: what a withheld write meets.
const REFUSALS: [u16; 2] = [1142, 1044];

/// A refusal of the account's SQL, with the reason when it is the plan's storage: MariaDB only
/// says "INSERT command denied".
pub async fn explain(store: &Store, account_id: i64, mut err: AppError) -> AppError {
    if err.mysql_errno.is_some_and(|n| REFUSALS.contains(&n))
        && matches!(withheld_since(store, account_id).await, Ok(Some(_)))
    {
        err.message.push_str(
            " Your account is over its plan's storage for longer than the grace period, so \
             INSERT, UPDATE and CREATE are refused until its databases are back under the limit \
             (see Plan and usage on your Profile); SELECT, DELETE and DROP still work.",
        );
    }
    err
}

/// `wanted` split into what may be granted now and what waits (nothing waits unless withheld).
pub fn split(wanted: &[Privilege], withheld: bool) -> (Vec<Privilege>, Vec<Privilege>) {
    if !withheld {
        return (wanted.to_vec(), Vec::new());
    }
    wanted.iter().partition(|p| !WITHHELD.contains(p))
}

/// Marks the account's writes withheld from now on.
pub async fn mark(store: &Store, account_id: i64, withheld: bool) -> Result<(), AppError> {
    sqlx::query("UPDATE accounts SET writes_withheld_at = ? WHERE id = ?")
        .bind(withheld.then(time::now))
        .bind(account_id)
        .execute(store)
        .await?;
    Ok(())
}

/// Adds `privileges` to what `user` gets back on `pattern`.
pub async fn keep(
    store: &Store,
    account_id: i64,
    user: &str,
    pattern: &str,
    privileges: &[Privilege],
) -> Result<(), AppError> {
    let mut all = kept(store, account_id, user, pattern).await?;
    all.extend_from_slice(privileges);
    replace(store, account_id, user, pattern, &all).await
}

/// Makes what `user` gets back on `pattern` exactly `privileges` (the customer set them anew).
pub async fn replace(
    store: &Store,
    account_id: i64,
    user: &str,
    pattern: &str,
    privileges: &[Privilege],
) -> Result<(), AppError> {
    let mut privileges = privileges.to_vec();
    privileges.sort();
    privileges.dedup();
    if privileges.is_empty() {
        return forget(store, account_id, Some(user), Some(pattern)).await;
    }
    let list = types::privilege::names(&privileges).join(",");
    sqlx::query(store::dialect(
        store,
        "INSERT INTO withheld_privileges (account_id, user_name, pattern, privileges) VALUES (?, ?, ?, ?)
         ON CONFLICT (account_id, user_name, pattern) DO UPDATE SET privileges = excluded.privileges",
        "INSERT INTO withheld_privileges (account_id, user_name, pattern, privileges) VALUES (?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE privileges = VALUES(privileges)",
    ))
    .bind(account_id)
    .bind(user)
    .bind(pattern)
    .bind(list)
    .execute(store)
    .await?;
    Ok(())
}

async fn kept(
    store: &Store,
    account_id: i64,
    user: &str,
    pattern: &str,
) -> Result<Vec<Privilege>, AppError> {
    let list: Option<String> = sqlx::query_scalar(
        "SELECT privileges FROM withheld_privileges WHERE account_id = ? AND user_name = ? AND pattern = ?",
    )
    .bind(account_id)
    .bind(user)
    .bind(pattern)
    .fetch_optional(store)
    .await?;
    Ok(parse(list.as_deref().unwrap_or("")))
}

fn parse(list: &str) -> Vec<Privilege> {
    list.split(',').filter_map(Privilege::parse).collect()
}

/// Forgets what a user (a user deleted), a pattern (a database dropped), or both (privileges
/// revoked) would get back; `None` matches any.
pub async fn forget(
    store: &Store,
    account_id: i64,
    user: Option<&str>,
    pattern: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query(
        "DELETE FROM withheld_privileges WHERE account_id = ?
         AND (? IS NULL OR user_name = ?) AND (? IS NULL OR pattern = ?)",
    )
    .bind(account_id)
    .bind(user)
    .bind(user)
    .bind(pattern)
    .bind(pattern)
    .execute(store)
    .await?;
    Ok(())
}

/// Everything kept for the account, as (user, pattern, privileges).
pub async fn all(
    store: &Store,
    account_id: i64,
) -> Result<Vec<(String, String, Vec<Privilege>)>, AppError> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT user_name, pattern, privileges FROM withheld_privileges WHERE account_id = ?
         ORDER BY user_name, pattern",
    )
    .bind(account_id)
    .fetch_all(store)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user, pattern, list)| (user, pattern, parse(&list)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::privilege::Privilege::*;

    #[test]
    fn only_withheld_accounts_wait_and_then_only_for_the_three() {
        let wanted = [Select, Insert, Update, Delete, Create, Drop];
        assert_eq!(split(&wanted, false), (wanted.to_vec(), vec![]));
        assert_eq!(
            split(&wanted, true),
            (vec![Select, Delete, Drop], vec![Insert, Update, Create])
        );
    }
}
