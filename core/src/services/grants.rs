//! Database-level grants, read from `mysql.db` and written with GRANT/REVOKE on escaped patterns.
//! Never `*.*`, never GRANT OPTION.
//!
//! `mysql.db` rather than information_schema.SCHEMA_PRIVILEGES: the latter is built from every
//! grant on the server for each query (with 10,000 accounts, 30 ms), while `mysql.db` has an index
//! on `User` that `User LIKE '<prefix>\_%'` uses.
use crate::domain::caller::Caller;
use crate::managed::{admin_exec, sql};
use sqlx::MySqlPool;
use std::collections::BTreeMap;
use types::error::AppError;
use types::model::{DatabasePrivileges, UserPrivileges};
use types::names::{DatabaseName, DbUserName};
use types::privilege::{Privilege, names};

/// One privilege of a grantee on a pattern (as the server keeps it: `acme\_shop`).
struct Row {
    user: String,
    host: String,
    pattern: String,
    privilege: String,
}

/// Whose grants to read.
enum Grantees<'a> {
    /// Every user of the account (`<prefix>_…`), at every host.
    OfAccount(&'a str),
    /// One user at one host.
    One(&'a DbUserName, &'a str),
    /// Everyone on the server (dropping a database: a rare, whole-table read).
    Everyone,
}

/// `mysql.db`'s privilege columns and the names GRANT uses for them (GRANT OPTION is never given).
const PRIVILEGE_COLUMNS: [(&str, &str); 19] = [
    ("Select_priv", "SELECT"),
    ("Insert_priv", "INSERT"),
    ("Update_priv", "UPDATE"),
    ("Delete_priv", "DELETE"),
    ("Create_priv", "CREATE"),
    ("Drop_priv", "DROP"),
    ("References_priv", "REFERENCES"),
    ("Index_priv", "INDEX"),
    ("Alter_priv", "ALTER"),
    ("Create_tmp_table_priv", "CREATE TEMPORARY TABLES"),
    ("Lock_tables_priv", "LOCK TABLES"),
    ("Create_view_priv", "CREATE VIEW"),
    ("Show_view_priv", "SHOW VIEW"),
    ("Create_routine_priv", "CREATE ROUTINE"),
    ("Alter_routine_priv", "ALTER ROUTINE"),
    ("Execute_priv", "EXECUTE"),
    ("Event_priv", "EVENT"),
    ("Trigger_priv", "TRIGGER"),
    // MariaDB only: MySQL's mysql.db has no such column (read as absent).
    ("Delete_history_priv", "DELETE HISTORY"),
];

async fn rows(mysql: &MySqlPool, grantees: Grantees<'_>) -> Result<Vec<Row>, AppError> {
    use sqlx::Row as _;
    let select = "SELECT CONVERT(User USING utf8mb4) AS grantee_user, CONVERT(Host USING utf8mb4) AS grantee_host,
                         CONVERT(Db USING utf8mb4) AS grantee_db, d.* FROM mysql.db d";
    let raw = match grantees {
        Grantees::OfAccount(prefix) => {
            sqlx::query(&format!("{select} WHERE User LIKE ? ESCAPE '!'"))
                .bind(sql::like_starts_with(&format!("{prefix}_")))
                .fetch_all(mysql)
                .await?
        }
        Grantees::One(user, host) => {
            sqlx::query(&format!("{select} WHERE User = ? AND Host = ?"))
                .bind(user.as_str())
                .bind(host)
                .fetch_all(mysql)
                .await?
        }
        Grantees::Everyone => sqlx::query(select).fetch_all(mysql).await?,
    };
    let mut rows = Vec::new();
    for row in raw {
        let (user, host, pattern): (String, String, String) = (
            row.try_get("grantee_user")?,
            row.try_get("grantee_host")?,
            row.try_get("grantee_db")?,
        );
        for (column, privilege) in PRIVILEGE_COLUMNS {
            let granted = row
                .try_get::<String, _>(column)
                .is_ok_and(|value| value == "Y");
            if granted {
                rows.push(Row {
                    user: user.clone(),
                    host: host.clone(),
                    pattern: pattern.clone(),
                    privilege: privilege.to_owned(),
                });
            }
        }
    }
    Ok(rows)
}

/// Grants on `database` written by the panel (`acme\_shop`) or by hand (`acme_shop`).
fn on(database: &DatabaseName, row: &Row) -> bool {
    sql::unescape_grant_pattern(&row.pattern) == database.as_str()
        || row.pattern == database.as_str()
}

/// Who of the caller's users may do what on `database` (as seen at 'localhost', which every user has).
pub async fn on_database(
    mysql: &MySqlPool,
    caller: &Caller,
    database: &DatabaseName,
) -> Result<Vec<UserPrivileges>, AppError> {
    let mut by_user: BTreeMap<String, Vec<Privilege>> = BTreeMap::new();
    for row in rows(mysql, Grantees::OfAccount(caller.prefix.as_str())).await? {
        if row.host == "localhost"
            && on(database, &row)
            && DbUserName::parse(&row.user, &caller.prefix).is_ok()
        {
            by_user
                .entry(row.user)
                .or_default()
                .extend(Privilege::parse(&row.privilege));
        }
    }
    Ok(by_user
        .into_iter()
        .map(|(user, privileges)| UserPrivileges {
            user,
            privileges: sorted_names(privileges),
        })
        .collect())
}

/// Every grant of the caller's users on the caller's databases, by user.
pub async fn of_users(
    mysql: &MySqlPool,
    caller: &Caller,
) -> Result<BTreeMap<String, Vec<DatabasePrivileges>>, AppError> {
    let mut by_user: BTreeMap<String, BTreeMap<String, Vec<Privilege>>> = BTreeMap::new();
    for row in rows(mysql, Grantees::OfAccount(caller.prefix.as_str())).await? {
        let database = sql::unescape_grant_pattern(&row.pattern);
        if row.host == "localhost" && DatabaseName::parse(&database, &caller.prefix).is_ok() {
            by_user
                .entry(row.user)
                .or_default()
                .entry(database)
                .or_default()
                .extend(Privilege::parse(&row.privilege));
        }
    }
    Ok(by_user
        .into_iter()
        .map(|(user, dbs)| {
            let list = dbs
                .into_iter()
                .map(|(database, privileges)| DatabasePrivileges {
                    database,
                    privileges: sorted_names(privileges),
                })
                .collect();
            (user, list)
        })
        .collect())
}

fn sorted_names(mut privileges: Vec<Privilege>) -> Vec<String> {
    privileges.sort();
    privileges.dedup();
    names(&privileges)
}

/// The privileges `user@host` holds on `database`.
async fn held(
    mysql: &MySqlPool,
    user: &DbUserName,
    host: &str,
    database: &DatabaseName,
) -> Result<Vec<Privilege>, AppError> {
    let mut held: Vec<Privilege> = rows(mysql, Grantees::One(user, host))
        .await?
        .iter()
        .filter(|row| on(database, row))
        .filter_map(|row| Privilege::parse(&row.privilege))
        .collect();
    held.sort();
    held.dedup();
    Ok(held)
}

/// Makes `user` hold exactly `wanted` on `database` at every one of `hosts`: grants what is
/// missing first, then revokes what is extra, so a failure never leaves less than before.
/// Returns whether anything was taken away (the user's open sessions must then end).
pub async fn set(
    mysql: &MySqlPool,
    user: &DbUserName,
    hosts: &[String],
    database: &DatabaseName,
    wanted: &[Privilege],
) -> Result<bool, AppError> {
    let target = sql::grant_target(database);
    let mut narrowed = false;
    for host in hosts {
        let current = held(mysql, user, host, database).await?;
        let missing: Vec<Privilege> = wanted
            .iter()
            .copied()
            .filter(|p| !current.contains(p))
            .collect();
        let extra: Vec<Privilege> = current
            .iter()
            .copied()
            .filter(|p| !wanted.contains(p))
            .collect();
        let account = sql::account(user, host);
        if !missing.is_empty() {
            admin_exec(
                mysql,
                &format!(
                    "GRANT {} ON {target} TO {account}",
                    sql::privilege_list(&missing)
                ),
            )
            .await?;
        }
        if !extra.is_empty() {
            admin_exec(
                mysql,
                &format!(
                    "REVOKE {} ON {target} FROM {account}",
                    sql::privilege_list(&extra)
                ),
            )
            .await?;
            narrowed = true;
        }
    }
    Ok(narrowed)
}

/// Revokes everything `user` holds on `database`, at every host. Returns whether there was anything.
pub async fn revoke(
    mysql: &MySqlPool,
    user: &DbUserName,
    hosts: &[String],
    database: &DatabaseName,
) -> Result<bool, AppError> {
    let mut revoked = false;
    for host in hosts {
        revoked |= revoke_rows(
            mysql,
            rows(mysql, Grantees::One(user, host))
                .await?
                .into_iter()
                .filter(|row| on(database, row)),
        )
        .await?
            > 0;
    }
    Ok(revoked)
}

/// Revokes every grant anyone holds on `database` (once it is dropped: they would otherwise apply
/// to a future database of the same name).
pub async fn revoke_everyone(mysql: &MySqlPool, database: &DatabaseName) -> Result<(), AppError> {
    revoke_rows(
        mysql,
        rows(mysql, Grantees::Everyone)
            .await?
            .into_iter()
            .filter(|row| on(database, row)),
    )
    .await
    .map(|_| ())
}

/// Revokes each (grantee, pattern) once; returns how many.
async fn revoke_rows(
    mysql: &MySqlPool,
    rows: impl Iterator<Item = Row>,
) -> Result<usize, AppError> {
    let mut done = std::collections::HashSet::new();
    for row in rows {
        if done.insert((row.user.clone(), row.host.clone(), row.pattern.clone())) {
            let statement = format!(
                "REVOKE ALL PRIVILEGES ON {}.* FROM {}",
                sql::quote_identifier(&row.pattern),
                sql::account_raw(&row.user, &row.host)
            );
            admin_exec(mysql, &statement).await?;
        }
    }
    Ok(done.len())
}

/// The grants of `user@host` as (pattern as the server stores it → privileges).
async fn by_pattern(
    mysql: &MySqlPool,
    user: &DbUserName,
    host: &str,
) -> Result<BTreeMap<String, Vec<Privilege>>, AppError> {
    let mut map: BTreeMap<String, Vec<Privilege>> = BTreeMap::new();
    for row in rows(mysql, Grantees::One(user, host)).await? {
        map.entry(row.pattern)
            .or_default()
            .extend(Privilege::parse(&row.privilege));
    }
    Ok(map)
}

/// Makes the grants of `user@to` equal those of `user@from` (used for whitelisted hosts).
pub async fn copy(
    mysql: &MySqlPool,
    user: &DbUserName,
    from: &str,
    to: &str,
) -> Result<(), AppError> {
    let wanted = by_pattern(mysql, user, from).await?;
    let current = by_pattern(mysql, user, to).await?;
    let account = sql::account(user, to);
    for (pattern, privileges) in &wanted {
        let have = current.get(pattern).cloned().unwrap_or_default();
        let missing: Vec<Privilege> = privileges
            .iter()
            .copied()
            .filter(|p| !have.contains(p))
            .collect();
        if !missing.is_empty() {
            let target = format!("{}.*", sql::quote_identifier(pattern));
            admin_exec(
                mysql,
                &format!(
                    "GRANT {} ON {target} TO {account}",
                    sql::privilege_list(&missing)
                ),
            )
            .await?;
        }
    }
    for (pattern, privileges) in &current {
        let keep = wanted.get(pattern).cloned().unwrap_or_default();
        let extra: Vec<Privilege> = privileges
            .iter()
            .copied()
            .filter(|p| !keep.contains(p))
            .collect();
        if !extra.is_empty() {
            let target = format!("{}.*", sql::quote_identifier(pattern));
            admin_exec(
                mysql,
                &format!(
                    "REVOKE {} ON {target} FROM {account}",
                    sql::privilege_list(&extra)
                ),
            )
            .await?;
        }
    }
    Ok(())
}

/// Takes `taken` away from `user` on every database it holds any of them on, at every one of
/// `hosts`. Answers what 'localhost' held of them, by pattern as mysql.db keeps it (the other
/// hosts copy 'localhost', so that is what must come back).
pub async fn withhold(
    mysql: &MySqlPool,
    user: &DbUserName,
    hosts: &[String],
    taken: &[Privilege],
) -> Result<Vec<(String, Vec<Privilege>)>, AppError> {
    let mut at_localhost = Vec::new();
    for host in hosts {
        for (pattern, held) in by_pattern(mysql, user, host).await? {
            let mut withheld: Vec<Privilege> =
                held.into_iter().filter(|p| taken.contains(p)).collect();
            withheld.sort();
            withheld.dedup();
            if withheld.is_empty() {
                continue;
            }
            admin_exec(
                mysql,
                &format!(
                    "REVOKE {} ON {}.* FROM {}",
                    sql::privilege_list(&withheld),
                    sql::quote_identifier(&pattern),
                    sql::account(user, host)
                ),
            )
            .await?;
            if host == "localhost" {
                at_localhost.push((pattern, withheld));
            }
        }
    }
    Ok(at_localhost)
}

/// Gives `user` `privileges` on `pattern` (as mysql.db keeps it) at every one of `hosts`.
pub async fn give_back(
    mysql: &MySqlPool,
    user: &DbUserName,
    hosts: &[String],
    pattern: &str,
    privileges: &[Privilege],
) -> Result<(), AppError> {
    if privileges.is_empty() {
        return Ok(());
    }
    for host in hosts {
        admin_exec(
            mysql,
            &format!(
                "GRANT {} ON {}.* TO {}",
                sql::privilege_list(privileges),
                sql::quote_identifier(pattern),
                sql::account(user, host)
            ),
        )
        .await?;
    }
    Ok(())
}
