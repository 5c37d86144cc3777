//! `nobregas`: the Nobregas MySQL Panel from scripts and terminals, through the REST API and an
//! API key. It calls the typed client (`nobregas-client`) with the `types` crate's requests and
//! answers, the ones the server uses, so the two cannot drift apart; nothing else of the server is
//! used. Each resource's module holds its subcommands and what each one does.
mod account;
mod api;
mod backups;
mod databases;
mod grants;
mod output;
mod query;
mod rows;
mod tables;
mod users;
mod webhooks;
mod whitelist;

use api::{Api, Failure, KeySource};
use backups::BackupsCommand;
use clap::{Args, CommandFactory, Parser, Subcommand};
use databases::DatabasesCommand;
use grants::GrantsCommand;
use output::{Output, read_stdin_line};
use query::QueryCommand;
use rows::RowsCommand;
use std::path::PathBuf;
use std::process::ExitCode;
use tables::TablesCommand;
use users::UsersCommand;
use webhooks::WebhooksCommand;
use whitelist::WhitelistCommand;

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
    /// `table` for people, `json` for the API's answer unchanged (for jq). (`-o` is the output
    /// file of `backups download` and `rows export`.)
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
    /// Webhooks: where your alerts (failed backups, new key addresses, …) are posted.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// Run SQL on a database as your account's own MySQL identity.
    Query(QueryCommand),
    /// A database's tables: list, show, create, drop, rename, truncate, columns and indexes.
    #[command(subcommand)]
    Tables(TablesCommand),
    /// A table's rows: list page by page, insert, update, delete, export, import.
    #[command(subcommand)]
    Rows(RowsCommand),
    /// Backups: create, download, restore, delete.
    #[command(subcommand)]
    Backups(BackupsCommand),
    /// Restore a database to a point in time (from its last backup and the binary log).
    Restore(backups::RestoreAt),
    /// API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Print shell completions: `nobregas completions bash > /etc/bash_completion.d/nobregas`.
    Completions { shell: clap_complete::Shell },
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
        return account::revoke_leaked(&Api::new(base, None)?, leaked).await;
    }
    let source = match (api_key_file, api_key_stdin) {
        (Some(path), _) => KeySource::File(path),
        (None, true) => KeySource::Stdin,
        (None, false) => KeySource::Env,
    };
    let api = Api::new(base, Some(api::read_key(&source)?))?;
    match cli.command {
        Command::Account => account::show_account(&api, output).await,
        Command::Databases(command) => command.run(&api, output).await,
        Command::Users(command) => command.run(&api, output, api_key_stdin).await,
        Command::Grants(command) => command.run(&api, output).await,
        Command::Whitelist(command) => command.run(&api, output).await,
        Command::Webhooks(command) => command.run(&api, output, api_key_stdin).await,
        Command::Query(command) => command.run(&api, output, api_key_stdin).await,
        Command::Tables(command) => command.run(&api, output, api_key_stdin).await,
        Command::Rows(command) => command.run(&api, output, api_key_stdin).await,
        Command::Backups(command) => command.run(&api, output).await,
        Command::Restore(command) => command.run(&api, output).await,
        Command::Keys(_) | Command::Completions { .. } => unreachable!("handled above"),
    }
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
