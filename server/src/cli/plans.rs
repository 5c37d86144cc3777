//! `nobregas-panel plan create|update|list|delete`: the plans a provider sells.
use crate::managed::fleet::Fleet;
use crate::services::plan_changes;
use crate::services::plans::{self, LimitChanges, Limits, Plan};
use crate::store::Store;
use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum PlanCommand {
    /// Create a plan. A limit left out is no limit.
    Create {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Change the limits given (`unlimited` lifts one); the others stay. Applies at once to every
    /// account on the plan (`default`: also every account given no plan).
    Update {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Every plan, its limits and how many accounts are on it.
    List,
    /// Delete a plan no account is on (`default` cannot be deleted).
    Delete {
        #[arg(long)]
        name: String,
    },
}

/// A limit as typed: a number, or `unlimited`.
#[derive(Debug, Clone, Copy)]
pub struct Limit(Option<i64>);

/// Counts: `5`, or `unlimited`.
fn count(raw: &str) -> Result<Limit, String> {
    if is_unlimited(raw) {
        return Ok(Limit(None));
    }
    raw.trim()
        .parse::<u32>()
        .map(|n| Limit(Some(i64::from(n))))
        .map_err(|_| format!("{raw:?} is not a count (0 to {}) or `unlimited`", u32::MAX))
}

/// Sizes: bytes (`1073741824`), or with a unit — `KiB`, `MiB`, `GiB`, `TiB` (and `K`, `M`, `G`,
/// `T`) are powers of 1024, `KB`, `MB`, `GB`, `TB` powers of 1000 — or `unlimited`.
fn bytes(raw: &str) -> Result<Limit, String> {
    if is_unlimited(raw) {
        return Ok(Limit(None));
    }
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let scale: i64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => {
            return Err(format!(
                "{raw:?}: the unit is one of B, KiB, MiB, GiB, TiB, KB, MB, GB, TB"
            ));
        }
    };
    number
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .map(|n| Limit(Some(n)))
        .ok_or_else(|| format!("{raw:?} is not a size such as 1GiB, 500MB or `unlimited`"))
}

/// Hours: `24`, or `default` (72).
fn hours(raw: &str) -> Result<Limit, String> {
    if raw.trim().eq_ignore_ascii_case("default") {
        return Ok(Limit(None));
    }
    raw.trim()
        .parse::<u32>()
        .map(|n| Limit(Some(i64::from(n))))
        .map_err(|_| format!("{raw:?} is a number of hours or `default`"))
}

fn is_unlimited(raw: &str) -> bool {
    matches!(
        raw.trim().to_ascii_lowercase().as_str(),
        "unlimited" | "none"
    )
}

#[derive(Args)]
pub struct LimitArgs {
    /// Databases the account may have.
    #[arg(long, value_parser = count)]
    max_databases: Option<Limit>,
    /// Database users the account may have.
    #[arg(long, value_parser = count)]
    max_users: Option<Limit>,
    /// All of the account's databases together, e.g. 1GiB.
    #[arg(long, value_parser = bytes)]
    max_storage: Option<Limit>,
    /// The account's backups together, e.g. 5GiB.
    #[arg(long, value_parser = bytes)]
    max_backup_storage: Option<Limit>,
    /// Connections at once per database user (MariaDB's MAX_USER_CONNECTIONS).
    #[arg(long, value_parser = count)]
    max_user_connections: Option<Limit>,
    /// Queries per hour per database user (MariaDB's MAX_QUERIES_PER_HOUR).
    #[arg(long, value_parser = count)]
    max_queries_per_hour: Option<Limit>,
    /// Remote hosts on the account's whitelist.
    #[arg(long, value_parser = count)]
    max_whitelist: Option<Limit>,
    /// Hours an account may stay over --max-storage before its database users lose INSERT,
    /// UPDATE and CREATE until it is back under (`default`: 72; 0: at once).
    #[arg(long, value_parser = hours)]
    storage_grace_hours: Option<Limit>,
}

impl LimitArgs {
    fn changes(&self) -> LimitChanges {
        let change = |limit: Option<Limit>| limit.map(|Limit(value)| value);
        LimitChanges {
            max_databases: change(self.max_databases),
            max_users: change(self.max_users),
            max_storage: change(self.max_storage),
            max_backup_storage: change(self.max_backup_storage),
            max_user_connections: change(self.max_user_connections),
            max_queries_per_hour: change(self.max_queries_per_hour),
            max_whitelist: change(self.max_whitelist),
            storage_grace_hours: change(self.storage_grace_hours),
        }
    }

    fn limits(&self) -> Limits {
        let mut limits = Limits::default();
        self.changes().apply(&mut limits);
        limits
    }
}

pub async fn run(store: &Store, fleet: &Fleet, command: PlanCommand) -> anyhow::Result<()> {
    match command {
        PlanCommand::Create { name, limits } => {
            plans::create(store, &name, &limits.limits()).await?;
            eprintln!("Created plan {}.", name.trim());
        }
        PlanCommand::Update { name, limits } => {
            let (plan, pending) =
                plan_changes::update_plan(store, fleet, &name, limits.changes()).await?;
            eprintln!(
                "Updated plan {} ({} account(s) on it).",
                plan.name, plan.accounts
            );
            if pending > 0 {
                eprintln!(
                    "{pending} account(s) are on a server that did not answer: their database users get the new limits at the next reconciliation."
                );
            }
        }
        PlanCommand::List => print_table(&plans::list(store).await?),
        PlanCommand::Delete { name } => {
            plans::delete(store, &name).await?;
            eprintln!("Deleted plan {}.", name.trim());
        }
    }
    Ok(())
}

fn print_table(plans: &[Plan]) {
    println!(
        "{:<20} {:>8} {:>9} {:>6} {:>10} {:>10} {:>11} {:>10} {:>9} {:>8}",
        "NAME",
        "ACCOUNTS",
        "DATABASES",
        "USERS",
        "STORAGE",
        "BACKUPS",
        "CONNECTIONS",
        "QUERIES/H",
        "WHITELIST",
        "GRACE(H)"
    );
    for plan in plans {
        let limits = &plan.limits;
        println!(
            "{:<20} {:>8} {:>9} {:>6} {:>10} {:>10} {:>11} {:>10} {:>9} {:>8}",
            plan.name,
            plan.accounts,
            shown(limits.max_databases),
            shown(limits.max_users),
            shown_bytes(limits.max_storage),
            shown_bytes(limits.max_backup_storage),
            shown(limits.max_user_connections),
            shown(limits.max_queries_per_hour),
            shown(limits.max_whitelist),
            limits.grace_hours()
        );
    }
}

fn shown(limit: Option<i64>) -> String {
    limit.map_or_else(|| "-".to_owned(), |n| n.to_string())
}

/// Exact when a whole number of GiB/MiB/KiB, else bytes: the table is read back by scripts too.
fn shown_bytes(limit: Option<i64>) -> String {
    let Some(n) = limit else {
        return "-".to_owned();
    };
    for (unit, scale) in [
        ("TiB", 1_i64 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ] {
        if n >= scale && n % scale == 0 {
            return format!("{}{unit}", n / scale);
        }
    }
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_binary_and_decimal_units() {
        let read = |raw| bytes(raw).unwrap().0;
        assert_eq!(read("1GiB"), Some(1 << 30));
        assert_eq!(read("1G"), Some(1 << 30));
        assert_eq!(read("500MB"), Some(500_000_000));
        assert_eq!(read("1024"), Some(1024));
        assert_eq!(read("unlimited"), None);
        assert!(bytes("1 parsec").is_err());
        assert!(bytes("99999999999TiB").is_err());
        assert_eq!(shown_bytes(Some(1 << 30)), "1GiB");
        assert_eq!(shown_bytes(Some(1000)), "1000");
    }

    #[test]
    fn counts_are_whole_numbers_or_unlimited() {
        assert_eq!(count("5").unwrap().0, Some(5));
        assert_eq!(count("unlimited").unwrap().0, None);
        assert!(count("-1").is_err());
        assert!(count("five").is_err());
    }
}
