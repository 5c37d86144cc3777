//! `nobregas databases …`: each command with what it does, one arm each.
use crate::api::{Api, Body, Failure};
use crate::output::{Output, confirm, show, size, table};
use clap::Subcommand;
use types::model::CreateDatabase;

#[derive(Subcommand)]
pub enum DatabasesCommand {
    List,
    Show {
        name: String,
    },
    Create {
        /// `<prefix>_<name>`.
        name: String,
        #[arg(long)]
        charset: Option<String>,
        #[arg(long)]
        collation: Option<String>,
    },
    Delete {
        name: String,
        /// Do not ask (needed without a terminal).
        #[arg(long)]
        yes: bool,
    },
}

impl DatabasesCommand {
    pub async fn run(self, api: &Api, output: Output) -> Result<(), Failure> {
        let client = api.client();
        match self {
            Self::List => {
                let answer = client.list_databases().await?;
                show(output, &Body::from(&answer), || {
                    let rows = answer.value.databases.into_iter().map(|db| {
                        [
                            db.name,
                            size(db.size_bytes),
                            db.tables.to_string(),
                            db.charset,
                            db.collation,
                        ]
                    });
                    Ok(table(
                        ["NAME", "SIZE", "TABLES", "CHARSET", "COLLATION"],
                        rows,
                    ))
                })
            }
            Self::Show { name } => {
                let answer = client.get_database(&name).await?;
                show(output, &Body::from(&answer), || {
                    let detail = answer.value;
                    let db = &detail.database;
                    let connection = &detail.connection;
                    let facts = table(
                        [
                            "NAME",
                            "SIZE",
                            "TABLES",
                            "CHARSET",
                            "COLLATION",
                            "HOST",
                            "PORT",
                        ],
                        [[
                            db.name.clone(),
                            size(db.size_bytes),
                            db.tables.to_string(),
                            db.charset.clone(),
                            db.collation.clone(),
                            connection.host.clone(),
                            connection.port.to_string(),
                        ]],
                    );
                    let tables = table(
                        ["TABLE", "ROWS", "SIZE"],
                        detail
                            .table_list
                            .iter()
                            .map(|t| [t.name.clone(), t.rows.to_string(), size(t.size_bytes)]),
                    );
                    let users = table(
                        ["USER", "PRIVILEGES"],
                        detail
                            .users
                            .iter()
                            .map(|u| [u.user.clone(), u.privileges.join(", ")]),
                    );
                    Ok(format!("{facts}\n\n{tables}\n\n{users}"))
                })
            }
            Self::Create {
                name,
                charset,
                collation,
            } => {
                let request = CreateDatabase {
                    name,
                    charset,
                    collation,
                };
                let answer = client.create_database(&request).await?;
                show(output, &Body::from(&answer), || {
                    Ok(format!("Created database {}.", request.name))
                })
            }
            Self::Delete { name, yes } => {
                confirm(
                    &format!("Delete database {name} and everything in it?"),
                    yes,
                )?;
                client.delete_database(&name).await?;
                eprintln!("Deleted database {name}.");
                Ok(())
            }
        }
    }
}
