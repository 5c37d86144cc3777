//! `nobregas-panel account delete`: closes an account once the operator has typed its email.
use super::{Operator, account_id_of};
use crate::domain::time;
use crate::services::backups;
use crate::services::closing;
use crate::services::queries::Queries;
use anyhow::{Context, bail};
use app::validate::Email;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

pub async fn run(panel: &Operator, email: &Email, keep_days: u32) -> anyhow::Result<()> {
    let account_id = account_id_of(&panel.store, email).await?;
    confirm(email)?;
    let ctx = backups::Context {
        store: panel.store.clone(),
        fleet: panel.fleet.clone(),
        queries: Queries::new(&panel.settings, panel.sealer.clone()),
        backups: backups::Backups::new(&panel.settings),
        metrics: Arc::default(),
        offsite: None,
    };
    let closed = closing::close(&ctx, account_id, keep_days).await?;
    let until = time::rfc3339(closed.purge_after);
    eprintln!(
        "Closed {email}: its databases, database users, key and sessions are gone. Final backups, kept until {until}:"
    );
    for (database, file) in &closed.backups {
        println!("{database}\t{}", file.display());
    }
    eprintln!("Its prefix and email are free again after {until}.");
    Ok(())
}

/// The operator types the account's email (a line on standard input; prompted on a terminal).
fn confirm(email: &Email) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!(
            "This takes a final backup of every database of {email}, then drops them, its database users, key and sessions.\nType the account's email to confirm: "
        );
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("Failed to read the confirmation from stdin")?;
    if line.trim() != email.as_str() {
        bail!(
            "Not confirmed: type the account's email ({email}) on stdin, e.g. `echo {email} | nobregas-panel account delete --email {email}`. Nothing changed."
        );
    }
    Ok(())
}
