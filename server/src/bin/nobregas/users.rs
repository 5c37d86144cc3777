//! `nobregas users …`: database users and their passwords.
use crate::api::{Api, Body, Failure};
use crate::output::{Output, confirm, read_stdin_line, show, table};
use clap::Subcommand;
use types::model::{CreateUser, SetPassword};

#[derive(Subcommand)]
pub enum UsersCommand {
    List,
    /// Create a user; without --password-stdin a strong password is generated and printed once.
    Create {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password, read from standard input.
    Passwd {
        name: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    Delete {
        name: String,
        #[arg(long)]
        yes: bool,
    },
}

impl UsersCommand {
    /// `key_on_stdin`: standard input already gave the API key, so it cannot give a password too.
    pub async fn run(self, api: &Api, output: Output, key_on_stdin: bool) -> Result<(), Failure> {
        let password = |wanted: bool| -> Result<Option<String>, Failure> {
            if !wanted {
                return Ok(None);
            }
            if key_on_stdin {
                return Err(Failure::usage(
                    "Standard input holds the API key; use NOBREGAS_API_KEY or --api-key-file with --password-stdin.",
                ));
            }
            read_stdin_line().map(Some)
        };
        let client = api.client();
        match self {
            Self::List => {
                let answer = client.list_users().await?;
                show(output, &Body::from(&answer), || {
                    let rows = answer.value.users.into_iter().map(|user| {
                        let grants = user
                            .databases
                            .iter()
                            .map(|d| format!("{}: {}", d.database, d.privileges.join(", ")))
                            .collect::<Vec<_>>();
                        [user.name, grants.join("; ")]
                    });
                    Ok(table(["NAME", "PRIVILEGES"], rows))
                })
            }
            Self::Create {
                name,
                password_stdin,
            } => {
                let request = CreateUser {
                    name,
                    password: password(password_stdin)?,
                };
                let answer = client.create_user(&request).await?;
                show(output, &Body::from(&answer), || {
                    let created = answer.value;
                    Ok(match created.password {
                        Some(password) => format!(
                            "Created user {}. Its password (shown only now):\n{password}",
                            created.name
                        ),
                        None => format!("Created user {}.", created.name),
                    })
                })
            }
            Self::Passwd {
                name,
                password_stdin,
            } => {
                let password = password(password_stdin)?.unwrap_or_default();
                client
                    .set_user_password(&name, &SetPassword { password })
                    .await?;
                eprintln!("Changed the password of {name}.");
                Ok(())
            }
            Self::Delete { name, yes } => {
                confirm(
                    &format!("Delete database user {name} (its open sessions end)?"),
                    yes,
                )?;
                client.delete_user(&name).await?;
                eprintln!("Deleted user {name}.");
                Ok(())
            }
        }
    }
}
