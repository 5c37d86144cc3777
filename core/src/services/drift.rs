//! Which accounts on a server differ from what the panel keeps them as, found from a few bulk
//! reads of the server's `mysql.user` and `mysql.db` instead of a dozen statements per user: at
//! 10,000 accounts the periodic reconciliation then touches only the accounts that drifted.
//!
//! An account is in line when every whitelist entry of it is `active`, and each of its users
//! (`<prefix>_…` at 'localhost') exists at exactly 'localhost', the loopback addresses and the
//! active whitelist hosts, each with the password hash and authentication plugin of 'localhost',
//! the connection and query limits of the account's plan, and the same database grants.
use crate::managed;
use crate::services::plans::{Limits, UserLimits};
use crate::services::user_hosts::LOOPBACK_HOSTS;
use sqlx::{MySqlPool, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use types::error::AppError;

const LOCALHOST: &str = "localhost";

/// One user at one host, as the server has it.
#[derive(Default, PartialEq, Eq, Debug)]
struct Login {
    plugin: String,
    hash: String,
    max_user_connections: i64,
    max_questions: i64,
    /// Database grants: the database pattern → its privilege columns, in column order.
    grants: BTreeMap<String, String>,
}

/// What the server has, for every account.
pub struct Snapshot {
    /// prefix → user → host → login.
    users: HashMap<String, BTreeMap<String, BTreeMap<String, Login>>>,
    /// The panel's `MAX_USER_CONNECTIONS` cap on this server, which a plan can only lower.
    cap: u32,
}

impl Snapshot {
    /// Three reads, whatever the number of accounts.
    pub async fn read(mysql: &MySqlPool) -> Result<Self, AppError> {
        let cap = managed::max_user_connections(mysql).await?;
        let mut users: HashMap<String, BTreeMap<String, BTreeMap<String, Login>>> = HashMap::new();
        let rows: Vec<(String, String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT CONVERT(User USING utf8mb4), CONVERT(Host USING utf8mb4), CONVERT(plugin USING utf8mb4),
                    CONVERT(authentication_string USING utf8mb4), CAST(max_user_connections AS SIGNED),
                    CAST(max_questions AS SIGNED)
             FROM mysql.user WHERE User LIKE '%!_%' ESCAPE '!'",
        )
        .fetch_all(mysql)
        .await?;
        for (user, host, plugin, hash, max_user_connections, max_questions) in rows {
            let Some((prefix, _)) = user.split_once('_') else {
                continue;
            };
            users
                .entry(prefix.to_owned())
                .or_default()
                .entry(user.clone())
                .or_default()
                .insert(
                    host,
                    Login {
                        plugin,
                        hash,
                        max_user_connections,
                        max_questions,
                        grants: BTreeMap::new(),
                    },
                );
        }
        // Every privilege column, whatever this server's version has (`*_priv`).
        for row in sqlx::raw_sql("SELECT * FROM mysql.db WHERE User LIKE '%!_%' ESCAPE '!'")
            .fetch_all(mysql)
            .await?
        {
            let text = |name: &str| -> Result<String, sqlx::Error> {
                let bytes: Vec<u8> = row.try_get(name)?;
                Ok(String::from_utf8_lossy(&bytes).into_owned())
            };
            let (user, host, db) = (text("User")?, text("Host")?, text("Db")?);
            let mut privileges = String::new();
            for column in sqlx::Row::columns(&row) {
                let name = sqlx::Column::name(column);
                if name.ends_with("_priv") {
                    privileges.push_str(&text(name)?);
                }
            }
            let Some((prefix, _)) = user.split_once('_') else {
                continue;
            };
            if let Some(login) = users
                .get_mut(prefix)
                .and_then(|by_user| by_user.get_mut(&user))
                .and_then(|by_host| by_host.get_mut(&host))
            {
                login.grants.insert(db, privileges);
            }
        }
        Ok(Self { users, cap })
    }

    /// Whether the account needs the per-account reconciliation. `hosts` are its whitelist rows'
    /// MySQL hosts with their state; `plan`, the limits of its plan.
    pub fn drifted(&self, prefix: &str, hosts: &[(String, String)], plan: &Limits) -> bool {
        let limits = UserLimits::new(self.cap, plan);
        if hosts.iter().any(|(_, state)| state != "active") {
            return true;
        }
        let wanted: BTreeSet<&str> = std::iter::once(LOCALHOST)
            .chain(LOOPBACK_HOSTS)
            .chain(hosts.iter().map(|(host, _)| host.as_str()))
            .collect();
        let Some(users) = self.users.get(prefix) else {
            return false;
        };
        users.values().any(|at| {
            let Some(local) = at.get(LOCALHOST) else {
                // A user without its 'localhost' row is a leftover the reconciliation drops.
                return true;
            };
            let limited = |login: &Login| {
                (login.max_user_connections, login.max_questions)
                    == (limits.connections, limits.queries_per_hour)
            };
            !limited(local)
                || at.keys().map(String::as_str).collect::<BTreeSet<_>>() != wanted
                || at.values().any(|login| {
                    (&login.plugin, &login.hash, &login.grants)
                        != (&local.plugin, &local.hash, &local.grants)
                        || !limited(login)
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: &Limits = &Limits {
        max_databases: None,
        max_users: None,
        max_storage: None,
        max_backup_storage: None,
        max_user_connections: None,
        max_queries_per_hour: None,
        max_whitelist: None,
        storage_grace_hours: None,
    };

    fn login(hash: &str, grants: &[(&str, &str)]) -> Login {
        Login {
            plugin: "mysql_native_password".into(),
            hash: hash.into(),
            max_user_connections: 30,
            max_questions: 0,
            grants: grants
                .iter()
                .map(|(db, privileges)| ((*db).to_owned(), (*privileges).to_owned()))
                .collect(),
        }
    }

    fn snapshot(hosts: &[(&str, Login)]) -> Snapshot {
        let mut at = BTreeMap::new();
        for (host, login) in hosts {
            at.insert(
                (*host).to_owned(),
                Login {
                    grants: login.grants.clone(),
                    plugin: login.plugin.clone(),
                    hash: login.hash.clone(),
                    max_user_connections: login.max_user_connections,
                    max_questions: login.max_questions,
                },
            );
        }
        let mut users = HashMap::new();
        users.insert(
            "acme".to_owned(),
            BTreeMap::from([("acme_app".to_owned(), at)]),
        );
        Snapshot { users, cap: 30 }
    }

    #[test]
    fn only_an_account_that_differs_needs_the_slow_pass() {
        let grants = [("acme\\_shop", "YYN")];
        let whitelist = [("198.51.100.7".to_owned(), "active".to_owned())];
        let all = |remote: Login| {
            snapshot(&[
                ("localhost", login("*A", &grants)),
                ("127.0.0.1", login("*A", &grants)),
                ("::1", login("*A", &grants)),
                ("198.51.100.7", remote),
            ])
        };
        assert!(!all(login("*A", &grants)).drifted("acme", &whitelist, LIMITS));
        assert!(
            all(login("*B", &grants)).drifted("acme", &whitelist, LIMITS),
            "password"
        );
        assert!(
            all(login("*A", &[("acme\\_shop", "YNN")])).drifted("acme", &whitelist, LIMITS),
            "grants"
        );
        assert!(
            all(login("*A", &grants)).drifted("acme", &[], LIMITS),
            "a host no entry asks for"
        );
        let pending = [("198.51.100.7".to_owned(), "pending".to_owned())];
        assert!(all(login("*A", &grants)).drifted("acme", &pending, LIMITS));
        let missing = snapshot(&[("localhost", login("*A", &grants))]);
        assert!(
            missing.drifted("acme", &[], LIMITS),
            "the loopback hosts are missing"
        );
        assert!(
            !missing.drifted("other", &[], LIMITS),
            "an account without users"
        );
        let smaller_plan = Limits {
            max_user_connections: Some(5),
            max_queries_per_hour: Some(1000),
            ..Limits::default()
        };
        assert!(
            all(login("*A", &grants)).drifted("acme", &whitelist, &smaller_plan),
            "the plan's limits changed"
        );
    }
}
