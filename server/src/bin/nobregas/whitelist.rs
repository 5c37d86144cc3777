//! `nobregas whitelist …`: remote hosts allowed to connect to MySQL.
use crate::api::{Api, Body, Failure};
use crate::output::{Output, show, table};
use clap::Subcommand;
use types::model::NewWhitelistEntry;

#[derive(Subcommand)]
pub enum WhitelistCommand {
    List,
    Add {
        /// An IPv4 or IPv6 address, a network (203.0.113.0/24), or % (anywhere).
        host: String,
        #[arg(long)]
        note: Option<String>,
    },
    // Not confirmed: an entry is added back as easily (its connections end, no data is lost).
    Remove {
        id: i64,
    },
}

impl WhitelistCommand {
    pub async fn run(self, api: &Api, output: Output) -> Result<(), Failure> {
        let client = api.client();
        match self {
            Self::List => {
                let answer = client.list_whitelist().await?;
                show(output, &Body::from(&answer), || {
                    let rows = answer
                        .value
                        .entries
                        .into_iter()
                        .map(|e| [e.id.to_string(), e.host, e.note, e.created_at]);
                    Ok(table(["ID", "HOST", "NOTE", "ADDED"], rows))
                })
            }
            Self::Add { host, note } => {
                let answer = client
                    .add_whitelist_entry(&NewWhitelistEntry { host, note })
                    .await?;
                show(output, &Body::from(&answer), || {
                    let entry = answer.value;
                    Ok(format!("Added {} (id {}).", entry.host, entry.id))
                })
            }
            Self::Remove { id } => {
                client.remove_whitelist_entry(id).await?;
                eprintln!("Removed whitelist entry {id}.");
                Ok(())
            }
        }
    }
}
