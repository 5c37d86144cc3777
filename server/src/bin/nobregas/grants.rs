//! `nobregas grants …`: what a user may do on a database.
use crate::api::{Api, Body, Failure};
use crate::output::{Output, show};
use clap::Subcommand;
use types::model::SetPrivileges;
use types::privilege::Privilege;

#[derive(Subcommand)]
pub enum GrantsCommand {
    /// Set exactly these privileges (replacing the user's others on that database).
    Set {
        user: String,
        database: String,
        /// Privilege names (`SELECT`, `"LOCK TABLES"`, …) or a preset: read-only, read-write, all.
        #[arg(required = true)]
        privileges: Vec<String>,
    },
    /// Take every privilege on the database away.
    Revoke { user: String, database: String },
}

impl GrantsCommand {
    pub async fn run(self, api: &Api, output: Output) -> Result<(), Failure> {
        let client = api.client();
        match self {
            Self::Set {
                user,
                database,
                privileges,
            } => {
                let request = SetPrivileges {
                    privileges: expand_presets(&privileges),
                };
                let answer = client.set_privileges(&user, &database, &request).await?;
                show(output, &Body::from(&answer), || {
                    let grant = answer.value;
                    Ok(format!(
                        "{} may now on {}: {}",
                        grant.user,
                        grant.database,
                        grant.privileges.join(", ")
                    ))
                })
            }
            Self::Revoke { user, database } => {
                client.revoke_privileges(&user, &database).await?;
                eprintln!("{user} has no privileges on {database} any more.");
                Ok(())
            }
        }
    }
}

/// `read-only`, `read-write` and `all` stand for the Users page's presets; anything else is a
/// privilege name as MySQL spells it (the API checks it).
fn expand_presets(privileges: &[String]) -> Vec<String> {
    let names = |list: &[Privilege]| list.iter().map(|p| p.sql().to_owned()).collect::<Vec<_>>();
    privileges
        .iter()
        .flat_map(|p| match p.to_ascii_lowercase().as_str() {
            "read-only" => names(&Privilege::READ_ONLY),
            "read-write" => names(&Privilege::READ_WRITE),
            "all" => vec!["ALL".to_owned()],
            _ => vec![p.clone()],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_expand_to_the_pages_privilege_lists() {
        assert_eq!(
            expand_presets(&["read-only".into()]),
            ["SELECT", "SHOW VIEW"]
        );
        assert_eq!(expand_presets(&["all".into()]), ["ALL"]);
        assert_eq!(
            expand_presets(&["select".into(), "INSERT".into()]),
            ["select", "INSERT"]
        );
        assert_eq!(expand_presets(&["read-write".into()]).len(), 7);
    }
}
