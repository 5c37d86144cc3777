//! The operator's moves: `account move` (one account) and `server drain` (every account off a
//! server, one at a time). The work is `services::moves`; this prints its progress and outcome.
use crate::managed::fleet;
use crate::services::{accounts, moves};
use anyhow::bail;
use app::validate::Email;

/// `nobregas-panel account move --email … --to …`.
pub async fn account(
    ctx: &moves::Context,
    email: &Email,
    to: &str,
    keep_source: bool,
) -> anyhow::Result<()> {
    let Some(account_id) = accounts::find_id_by_email(&ctx.store, email).await? else {
        bail!("No account with email {email}.");
    };
    let moved = moves::move_account(ctx, account_id, to, keep_source, &print).await?;
    eprintln!(
        "Moved {email} from {} to {}: {} database(s), {} table(s), {} copied; its database users \
         were locked for {:.1} s.{}",
        moved.from,
        moved.to,
        moved.databases,
        moved.tables,
        types::model::human_size(moved.bytes),
        moved.locked.as_secs_f64(),
        if keep_source {
            format!(" The old copy stays on {} (its users locked).", moved.from)
        } else {
            String::new()
        }
    );
    Ok(())
}

/// `nobregas-panel server drain <name>`: the server is already marked draining, so placement
/// picks another server for each account.
pub async fn drain(ctx: &moves::Context, name: &str) -> anyhow::Result<()> {
    let server = ctx.fleet.named(&ctx.store, name).await?;
    let accounts: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, email FROM accounts WHERE server_id = ? OR (server_id IS NULL AND ? IS NULL) ORDER BY id",
    )
    .bind(server.id)
    .bind(server.id)
    .fetch_all(&ctx.store)
    .await?;
    eprintln!(
        "{name} takes no new accounts; moving its {} account(s).",
        accounts.len()
    );
    let (mut moved, mut failed) = (Vec::new(), Vec::new());
    for (account_id, email) in accounts {
        let to = ctx
            .fleet
            .server(&ctx.store, fleet::place(&ctx.store, None).await?)
            .await?;
        if to.id == server.id {
            bail!("No other server takes accounts: add one, or stop draining another.");
        }
        eprintln!("{email} → {}", to.name);
        match moves::move_account(ctx, account_id, &to.name, false, &print).await {
            Ok(done) => moved.push(format!(
                "{email} → {} ({}, locked {:.1} s)",
                done.to,
                types::model::human_size(done.bytes),
                done.locked.as_secs_f64()
            )),
            Err(err) => failed.push(format!("{email}: {err}")),
        }
    }
    eprintln!(
        "Drained {name}: {} moved, {} failed.",
        moved.len(),
        failed.len()
    );
    for line in &moved {
        eprintln!("  moved   {line}");
    }
    for line in &failed {
        eprintln!("  FAILED  {line}");
    }
    if !failed.is_empty() {
        bail!(
            "{} account(s) are still on {name}; run the drain again.",
            failed.len()
        );
    }
    Ok(())
}

fn print(line: String) {
    eprintln!("  {line}");
}
