//! The account's database users on a server: every `<prefix>_…` at every host (localhost, the
//! loopback addresses, the whitelist hosts), locked and unlocked together, and copied to another
//! server as the source server describes them (`SHOW CREATE USER` carries the stored password
//! hash, so each user keeps its password; `SHOW GRANTS` its privileges).
use crate::managed::{admin_exec, processlist, sql};
use sqlx::{MySqlPool, Row};
use types::error::AppError;
use types::validate::Prefix;

/// One MySQL account: a user at a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbAccount {
    pub user: String,
    pub host: String,
}

impl DbAccount {
    fn quoted(&self) -> String {
        sql::account_raw(&self.user, &self.host)
    }
}

/// The account's users at every host (not its identity, whose name has a `-`).
pub async fn list(mysql: &MySqlPool, prefix: &Prefix) -> Result<Vec<DbAccount>, AppError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(User AS CHAR), CAST(Host AS CHAR) FROM mysql.user
         WHERE User LIKE ? ESCAPE '!' ORDER BY User, Host",
    )
    .bind(sql::like_starts_with(&format!("{}_", prefix.as_str())))
    .fetch_all(mysql)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user, host)| DbAccount { user, host })
        .collect())
}

/// `ACCOUNT LOCK` (new logins refused) and their open sessions ended; or `ACCOUNT UNLOCK`.
pub async fn set_locked(
    mysql: &MySqlPool,
    prefix: &Prefix,
    accounts: &[DbAccount],
    locked: bool,
) -> Result<(), AppError> {
    let word = if locked { "LOCK" } else { "UNLOCK" };
    for account in accounts {
        admin_exec(
            mysql,
            &format!("ALTER USER {} ACCOUNT {word}", account.quoted()),
        )
        .await?;
    }
    if locked {
        processlist::kill(
            mysql,
            processlist::sessions_of_prefix(mysql, prefix.as_str()).await?,
        )
        .await?;
    }
    Ok(())
}

/// The statements that make `accounts` again elsewhere: `CREATE USER … IDENTIFIED BY PASSWORD
/// '<hash>' …` and each `GRANT`, as the server prints them. Each is checked to be about that
/// account before it is kept: the text comes from the server, but it is run as the admin.
pub async fn definitions(
    mysql: &MySqlPool,
    accounts: &[DbAccount],
) -> Result<Vec<String>, AppError> {
    let mut statements = Vec::new();
    for account in accounts {
        let quoted = account.quoted();
        let created = sqlx::raw_sql(&format!("SHOW CREATE USER {quoted}"))
            .fetch_one(mysql)
            .await?;
        statements.push(expect_about(
            created.try_get::<String, _>(0)?,
            "CREATE USER ",
            account,
        )?);
        for grant in sqlx::raw_sql(&format!("SHOW GRANTS FOR {quoted}"))
            .fetch_all(mysql)
            .await?
        {
            statements.push(expect_about(
                grant.try_get::<String, _>(0)?,
                "GRANT ",
                account,
            )?);
        }
    }
    Ok(statements)
}

/// The statement must be one statement of the expected kind about `account`.
fn expect_about(statement: String, kind: &str, account: &DbAccount) -> Result<String, AppError> {
    let named = format!(
        "{}@{}",
        sql::quote_identifier(&account.user),
        sql::quote_identifier(&account.host)
    );
    let plain = sql::account_raw(&account.user, &account.host);
    if statement.starts_with(kind)
        && !statement.contains(';')
        && (statement.contains(&named) || statement.contains(&plain))
    {
        Ok(statement)
    } else {
        Err(AppError::internal(format!(
            "The source server described {} unexpectedly: {statement}",
            account.user
        )))
    }
}

/// Runs the statements `definitions` produced on the target.
pub async fn create(mysql: &MySqlPool, statements: &[String]) -> Result<(), AppError> {
    for statement in statements {
        admin_exec(mysql, statement).await?;
    }
    Ok(())
}

/// Drops the accounts (their sessions ended first).
pub async fn drop_all(
    mysql: &MySqlPool,
    prefix: &Prefix,
    accounts: &[DbAccount],
) -> Result<(), AppError> {
    processlist::kill(
        mysql,
        processlist::sessions_of_prefix(mysql, prefix.as_str()).await?,
    )
    .await?;
    for account in accounts {
        admin_exec(mysql, &format!("DROP USER IF EXISTS {}", account.quoted())).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_statements_about_the_account_are_replayed() {
        let account = DbAccount {
            user: "acme_app".into(),
            host: "198.51.100.7".into(),
        };
        let grant = "GRANT SELECT ON `acme\\_shop`.* TO `acme_app`@`198.51.100.7`".to_owned();
        assert_eq!(
            expect_about(grant.clone(), "GRANT ", &account).unwrap(),
            grant
        );
        for wrong in [
            "GRANT ALL ON *.* TO `root`@`%`",
            "GRANT SELECT ON x.* TO `acme_app`@`198.51.100.7`; DROP DATABASE y",
            "DROP USER `acme_app`@`198.51.100.7`",
        ] {
            assert!(
                expect_about(wrong.into(), "GRANT ", &account).is_err(),
                "{wrong}"
            );
        }
    }
}
