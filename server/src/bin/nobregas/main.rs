//! `nobregas`: the Nobregas MySQL Panel from scripts and terminals, through the REST API and an
//! API key. It uses `app`'s model types, the same ones the server answers with, so the two cannot
//! drift apart; nothing else of the server is used.
mod api;
mod backups;
mod output;
mod query;
mod resources;

use api::{Api, Failure, KeySource};
use clap::{Args, CommandFactory, Parser, Subcommand};
use output::Output;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "Exit codes: 0 success · 1 the API said no (its message is printed) · 2 usage (bad arguments, \
not confirmed, plain http refused) · 3 could not reach the panel · 4 authentication failed (no valid API key)";

#[derive(Parser)]
#[command(name = "nobregas", version, about = "Manage your Nobregas MySQL Panel databases from the command line",
    long_about = "Manage your Nobregas MySQL Panel databases from the command line.\n\n\
        The API key is read from NOBREGAS_API_KEY (Profile → API Key), --api-key-file or --api-key-stdin; \
        never from an argument, where other users could see it in the process list.",
    after_help = EXIT_CODES)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// The panel's address.
    #[arg(
        long,
        env = "NOBREGAS_URL",
        default_value = "http://127.0.0.1:3000",
        global = true
    )]
    url: String,
    /// Read the API key from this file instead of NOBREGAS_API_KEY.
    #[arg(long, global = true, conflicts_with = "api_key_stdin")]
    api_key_file: Option<PathBuf>,
    /// Read the API key from standard input instead of NOBREGAS_API_KEY.
    #[arg(long, global = true)]
    api_key_stdin: bool,
    /// Allow plain http to a host other than this machine (the key then crosses the network unencrypted).
    #[arg(long, global = true)]
    insecure_http: bool,
    /// `table` for people, `json` for the API's answer unchanged (for jq). (`-o` is `backups
    /// download`'s output file.)
    #[arg(long, value_enum, default_value = "table", global = true)]
    output: Output,
}

#[derive(Subcommand)]
enum Command {
    /// Your account and the masked API key.
    Account,
    /// Databases of your account.
    #[command(subcommand)]
    Databases(DatabasesCommand),
    /// Database users and their passwords.
    #[command(subcommand)]
    Users(UsersCommand),
    /// What a user may do on a database.
    #[command(subcommand)]
    Grants(GrantsCommand),
    /// Remote hosts allowed to connect to MySQL.
    #[command(subcommand)]
    Whitelist(WhitelistCommand),
    /// Run SQL on a database as your account's own MySQL identity.
    Query {
        database: String,
        /// The statement(s); `-` or nothing reads them from standard input.
        sql: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: query::Format,
        /// Rows to return per statement (1–10000; the server's default is 1000).
        #[arg(long)]
        max_rows: Option<u32>,
    },
    /// Backups: create, download, restore, delete.
    #[command(subcommand)]
    Backups(BackupsCommand),
    /// API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Print shell completions: `nobregas completions bash > /etc/bash_completion.d/nobregas`.
    Completions { shell: clap_complete::Shell },
}

#[derive(Subcommand)]
enum DatabasesCommand {
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

#[derive(Subcommand)]
enum UsersCommand {
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

#[derive(Subcommand)]
enum GrantsCommand {
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

#[derive(Subcommand)]
enum WhitelistCommand {
    List,
    Add {
        /// An IPv4 or IPv6 address, a network (203.0.113.0/24), or % (anywhere).
        host: String,
        #[arg(long)]
        note: Option<String>,
    },
    Remove {
        id: i64,
    },
}

#[derive(Subcommand)]
enum BackupsCommand {
    List {
        #[arg(long)]
        database: Option<String>,
    },
    Create {
        database: String,
        /// Wait until it is done.
        #[arg(long)]
        wait: bool,
    },
    /// Save the `.sql.gz` (default: `<id>.sql.gz`).
    Download {
        id: String,
        #[arg(short = 'o', long)]
        output_file: Option<PathBuf>,
    },
    /// Restore into a new database, or over an existing one (asked first; --yes without a terminal).
    Restore {
        id: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        wait: bool,
        #[arg(long)]
        yes: bool,
    },
    Delete {
        id: String,
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Report a key found where it should not be (read from standard input): it stops working at
    /// once. Needs no key of your own.
    RevokeLeaked,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let Global {
        url,
        api_key_file,
        api_key_stdin,
        insecure_http,
        output,
    } = cli.global;
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "nobregas",
            &mut std::io::stdout(),
        );
        return Ok(());
    }
    let base = api::base_url(&url, insecure_http)?;
    if let Command::Keys(KeysCommand::RevokeLeaked) = cli.command {
        let leaked = read_stdin_line()?;
        return resources::revoke_leaked(&Api::new(base, None)?, leaked).await;
    }
    let source = match (api_key_file, api_key_stdin) {
        (Some(path), _) => KeySource::File(path),
        (None, true) => KeySource::Stdin,
        (None, false) => KeySource::Env,
    };
    let api = Api::new(base, Some(api::read_key(&source)?))?;
    match cli.command {
        Command::Account => resources::account(&api, output).await,
        Command::Databases(command) => databases(&api, output, command).await,
        Command::Users(command) => users(&api, output, command, api_key_stdin).await,
        Command::Grants(GrantsCommand::Set {
            user,
            database,
            privileges,
        }) => resources::grants_set(&api, output, &user, &database, &privileges).await,
        Command::Grants(GrantsCommand::Revoke { user, database }) => {
            resources::grants_revoke(&api, &user, &database).await
        }
        Command::Whitelist(WhitelistCommand::List) => resources::whitelist_list(&api, output).await,
        Command::Whitelist(WhitelistCommand::Add { host, note }) => {
            resources::whitelist_add(&api, output, host, note).await
        }
        Command::Whitelist(WhitelistCommand::Remove { id }) => {
            resources::whitelist_remove(&api, id).await
        }
        Command::Query {
            database,
            sql,
            format,
            max_rows,
        } => {
            if api_key_stdin && sql.as_deref().is_none_or(|sql| sql == "-") {
                return Err(Failure::usage(
                    "Standard input holds the API key; give the SQL as an argument.",
                ));
            }
            let format = if output == Output::Json {
                query::Format::Json
            } else {
                format
            };
            query::run(&api, &database, query::statement(sql)?, format, max_rows).await
        }
        Command::Backups(command) => backup_command(&api, output, command).await,
        Command::Keys(_) | Command::Completions { .. } => unreachable!("handled above"),
    }
}

async fn databases(api: &Api, output: Output, command: DatabasesCommand) -> Result<(), Failure> {
    match command {
        DatabasesCommand::List => resources::databases_list(api, output).await,
        DatabasesCommand::Show { name } => resources::databases_show(api, output, &name).await,
        DatabasesCommand::Create {
            name,
            charset,
            collation,
        } => {
            resources::databases_create(
                api,
                output,
                types::model::CreateDatabase {
                    name,
                    charset,
                    collation,
                },
            )
            .await
        }
        DatabasesCommand::Delete { name, yes } => {
            resources::databases_delete(api, &name, yes).await
        }
    }
}

async fn users(
    api: &Api,
    output: Output,
    command: UsersCommand,
    key_on_stdin: bool,
) -> Result<(), Failure> {
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
    match command {
        UsersCommand::List => resources::users_list(api, output).await,
        UsersCommand::Create {
            name,
            password_stdin,
        } => resources::users_create(api, output, name, password(password_stdin)?).await,
        UsersCommand::Passwd {
            name,
            password_stdin,
        } => {
            let password = password(password_stdin)?.unwrap_or_default();
            resources::users_passwd(api, &name, password).await
        }
        UsersCommand::Delete { name, yes } => resources::users_delete(api, &name, yes).await,
    }
}

async fn backup_command(api: &Api, output: Output, command: BackupsCommand) -> Result<(), Failure> {
    match command {
        BackupsCommand::List { database } => backups::list(api, output, database).await,
        BackupsCommand::Create { database, wait } => {
            backups::create(api, output, &database, wait).await
        }
        BackupsCommand::Download { id, output_file } => {
            backups::download(api, &id, output_file).await
        }
        BackupsCommand::Restore { id, to, wait, yes } => {
            backups::restore(api, output, &id, to, wait, yes).await
        }
        BackupsCommand::Delete { id, yes } => backups::delete(api, &id, yes).await,
    }
}

/// One line of standard input, without its line end (a password, a leaked key).
fn read_stdin_line() -> Result<String, Failure> {
    let mut text = String::new();
    std::io::stdin().lock().read_line(&mut text)?;
    let line = text.trim_end_matches(['\r', '\n']).to_owned();
    if line.trim().is_empty() {
        return Err(Failure::usage("Expected a line on standard input."));
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// clap's own consistency checks (unique short options across global and local arguments, …),
    /// which otherwise fire only when the offending subcommand runs.
    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
