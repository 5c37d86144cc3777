//! The IP whitelist: hosts from which the account's database users may connect. MariaDB enforces
//! it: every user exists at 'localhost' and at each active host, with the same password and grants.
use crate::domain::caller::Caller;
use crate::domain::time;
use crate::managed::fleet::Fleet;
use crate::managed::processlist;
use crate::services::audit;
use crate::services::plans::{self, Counted};
use crate::services::user_hosts::LOOPBACK_HOSTS;
use crate::services::{account_lock, db_users, drift};
use crate::store::{self, Store};
use sqlx::MySqlPool;
use types::activity::Action;
use types::error::AppError;
use types::host::{HostPattern, parse_note};
use types::model::{NewWhitelistEntry, WhitelistEntry};
use types::validate::Prefix;

pub const MAX_ENTRIES: i64 = 100;

type Row = (i64, String, String, i64);

fn entry((id, host, note, created_at): Row) -> WhitelistEntry {
    WhitelistEntry {
        id,
        host,
        note,
        created_at: time::rfc3339(created_at),
    }
}

pub async fn list(store: &Store, caller: &Caller) -> Result<Vec<WhitelistEntry>, AppError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, host, note, created_at FROM whitelist WHERE account_id = ? AND state = 'active' ORDER BY id",
    )
    .bind(caller.account_id)
    .fetch_all(store)
    .await?;
    Ok(rows.into_iter().map(entry).collect())
}

/// Records the entry as 'adding', creates the host's account for every user, then marks it active.
/// Retrying after a failure re-applies (every step is idempotent). Holds the account's lock, so
/// the limit is counted and the accounts made with no removal or reconciliation in between.
pub async fn add(
    store: &Store,
    mysql: &MySqlPool,
    caller: &Caller,
    request: &NewWhitelistEntry,
) -> Result<WhitelistEntry, AppError> {
    let pattern = HostPattern::parse(&request.host)?;
    let note = parse_note(request.note.as_deref())?;
    let mysql_host = pattern.mysql_host();
    if LOOPBACK_HOSTS.contains(&mysql_host.as_str()) {
        // A conflict, not a bad request: the address is valid, and already allowed.
        return Err(AppError::conflict(format!(
            "{} is always allowed: every database user can already connect from 127.0.0.1 and ::1 on the database server itself.",
            request.host.trim()
        )));
    }
    let _account = account_lock::lock(store, &caller.prefix).await?;
    let existing: Option<(i64, String)> =
        sqlx::query_as("SELECT id, state FROM whitelist WHERE account_id = ? AND mysql_host = ?")
            .bind(caller.account_id)
            .bind(&mysql_host)
            .fetch_optional(store)
            .await?;
    let id = match existing {
        Some((_, state)) if state == "active" => {
            return Err(AppError::conflict(format!(
                "{} is already on the whitelist.",
                request.host.trim()
            )));
        }
        Some((id, _)) => {
            sqlx::query("UPDATE whitelist SET state = 'adding', note = ?, host = ? WHERE id = ?")
                .bind(&note)
                .bind(request.host.trim())
                .bind(id)
                .execute(store)
                .await?;
            id
        }
        None => {
            let used: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM whitelist WHERE account_id = ?")
                    .bind(caller.account_id)
                    .fetch_one(store)
                    .await?;
            let used = usize::try_from(used).unwrap_or(0);
            plans::check_room(store, caller.account_id, Counted::WhitelistHosts, used).await?;
            insert(store, caller, request.host.trim(), &mysql_host, &note).await?
        }
    };
    let limits = db_users::limits_of(mysql, store, caller.account_id).await?;
    for user in db_users::names(mysql, caller).await? {
        db_users::sync_host(mysql, &user, &mysql_host, limits).await?;
    }
    sqlx::query("UPDATE whitelist SET state = 'active' WHERE id = ?")
        .bind(id)
        .execute(store)
        .await?;
    let row: Row = sqlx::query_as("SELECT id, host, note, created_at FROM whitelist WHERE id = ?")
        .bind(id)
        .fetch_one(store)
        .await?;
    let added = entry(row);
    audit::record(
        store,
        audit::Entry::by(caller, Action::WhitelistAdded).with("host", added.host.as_str()),
    )
    .await;
    Ok(added)
}

/// Counts and inserts in one statement, so the limit holds even without the account lock.
async fn insert(
    store: &Store,
    caller: &Caller,
    host: &str,
    mysql_host: &str,
    note: &str,
) -> Result<i64, AppError> {
    let insert = store::returning_id(store, store::dialect(
        store,
        "INSERT INTO whitelist (account_id, host, mysql_host, note, state, created_at)
         SELECT ?, ?, ?, ?, 'adding', ? WHERE (SELECT COUNT(*) FROM whitelist WHERE account_id = ?) < ?",
        "INSERT INTO whitelist (account_id, host, mysql_host, note, state, created_at)
         SELECT ?, ?, ?, ?, 'adding', ? FROM DUAL WHERE (SELECT COUNT(*) FROM whitelist WHERE account_id = ?) < ?",
    ));
    let insert = sqlx::query(&insert)
        .bind(caller.account_id)
        .bind(host)
        .bind(mysql_host)
        .bind(note)
        .bind(time::now())
        .bind(caller.account_id)
        .bind(MAX_ENTRIES);
    let id = store::inserted_id(store, insert).await?;
    id.ok_or_else(|| {
        AppError::validation(format!(
            "The whitelist holds at most {MAX_ENTRIES} entries; remove one first."
        ))
    })
}

/// Marks the entry 'removing' (it stops being reported at once), drops the host's accounts, ends
/// the sessions they opened, then deletes the row. Another account's id, or an unknown one, is 404.
/// Under the account's lock: once this returns, nothing running concurrently can bring them back.
pub async fn remove(
    store: &Store,
    mysql: &MySqlPool,
    caller: &Caller,
    id: i64,
) -> Result<(), AppError> {
    let _account = account_lock::lock(store, &caller.prefix).await?;
    let hosts: Option<(String, String)> =
        sqlx::query_as("SELECT host, mysql_host FROM whitelist WHERE id = ? AND account_id = ?")
            .bind(id)
            .bind(caller.account_id)
            .fetch_optional(store)
            .await?;
    if hosts.is_some() {
        sqlx::query("UPDATE whitelist SET state = 'removing' WHERE id = ?")
            .bind(id)
            .execute(store)
            .await?;
    }
    let (host, mysql_host) = hosts
        .ok_or_else(|| AppError::not_found(format!("No whitelist entry {id} in your account.")))?;
    finish_removal(store, mysql, caller, id, (&host, &mysql_host)).await?;
    audit::record(
        store,
        audit::Entry::by(caller, Action::WhitelistRemoved).with("host", host),
    )
    .await;
    Ok(())
}

/// Drops every user's account at the host (whether or not it still exists at 'localhost'), ends
/// the users' sessions from addresses the entry admitted, then deletes the row.
async fn finish_removal(
    store: &Store,
    mysql: &MySqlPool,
    caller: &Caller,
    id: i64,
    (host, mysql_host): (&str, &str),
) -> Result<(), AppError> {
    for (user, _) in db_users::remote_accounts(mysql, caller)
        .await?
        .into_iter()
        .filter(|(_, at)| at == mysql_host)
    {
        db_users::drop_host(mysql, &user, mysql_host).await?;
    }
    end_sessions_from(mysql, caller, host).await?;
    sqlx::query("DELETE FROM whitelist WHERE id = ?")
        .bind(id)
        .execute(store)
        .await?;
    Ok(())
}

/// Kills the account's users' sessions whose client address the entry (as entered) matches.
async fn end_sessions_from(mysql: &MySqlPool, caller: &Caller, host: &str) -> Result<(), AppError> {
    let Ok(pattern) = HostPattern::parse(host) else {
        return Ok(()); // not an entry the panel wrote: nothing it admitted
    };
    let sessions = processlist::sessions_of_prefix(mysql, caller.prefix.as_str()).await?;
    processlist::kill(
        mysql,
        sessions
            .into_iter()
            .filter(|s| s.ip.is_some_and(|ip| pattern.contains(ip))),
    )
    .await
}

/// Brings MySQL in line with every account's list: finishes interrupted additions and removals,
/// makes every user exist at every active host with the password hash, limit and grants of
/// 'localhost', and drops host accounts no entry asks for. A failing account or row is logged and
/// skipped; the first error is returned once everything else is done.
/// Each account on its own managed server; a server that is down fails only its accounts' steps.
pub async fn reconcile(store: &Store, fleet: &Fleet) -> Result<(), AppError> {
    let accounts: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, prefix FROM accounts ORDER BY id")
            .fetch_all(store)
            .await?;
    let entries: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT account_id, mysql_host, state FROM whitelist")
            .fetch_all(store)
            .await?;
    let mut hosts: std::collections::HashMap<i64, Vec<(String, String)>> = Default::default();
    for (account_id, mysql_host, state) in entries {
        hosts
            .entry(account_id)
            .or_default()
            .push((mysql_host, state));
    }
    // Each server is read once (`drift::Snapshot`); only accounts that differ get the slow pass.
    let mut snapshots: std::collections::HashMap<Option<i64>, Option<drift::Snapshot>> =
        Default::default();
    let plans = plans::per_user_limits_of_every_account(store).await?;
    let mut outcome = Outcome::default();
    for (account_id, prefix) in accounts {
        match Prefix::parse_existing(&prefix) {
            Ok(prefix) => {
                let caller = Caller::system(account_id, prefix);
                match fleet.for_account(store, account_id).await {
                    Ok(server) => {
                        if let std::collections::hash_map::Entry::Vacant(slot) =
                            snapshots.entry(server.id)
                        {
                            let read = drift::Snapshot::read(&server.pool).await;
                            if let Err(err) = &read {
                                tracing::warn!(server = server.name, error = %err, "could not read the server's users at once; checking each account");
                            }
                            slot.insert(read.ok());
                        }
                        let in_line = snapshots[&server.id].as_ref().is_some_and(|snapshot| {
                            !snapshot.drifted(
                                caller.prefix.as_str(),
                                hosts.get(&account_id).map_or(&[][..], Vec::as_slice),
                                &plans.get(&account_id).cloned().unwrap_or_default(),
                            )
                        });
                        if !in_line {
                            reconcile_account(store, &server.pool, &caller, &mut outcome).await;
                        }
                    }
                    Err(err) => outcome.note(caller.prefix.as_str(), Err(err)),
                }
            }
            Err(err) => outcome.note(&prefix, Err(err)),
        }
    }
    outcome.into_result()
}

async fn mark_active(store: &Store, id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE whitelist SET state = 'active' WHERE id = ?")
        .bind(id)
        .execute(store)
        .await?;
    Ok(())
}

/// The first failure of a reconciliation; the others are logged.
#[derive(Default)]
struct Outcome(Option<AppError>);

impl Outcome {
    fn note(&mut self, what: &str, result: Result<(), AppError>) {
        if let Err(err) = result {
            tracing::warn!(what, error = %err, "whitelist reconciliation skipped a step; will retry");
            self.0.get_or_insert(err);
        }
    }

    fn into_result(self) -> Result<(), AppError> {
        self.0.map_or(Ok(()), Err)
    }
}

/// One account, under its lock, from rows read under that lock: a removal that finished a moment
/// ago is not re-created from a stale read.
async fn reconcile_account(
    store: &Store,
    mysql: &MySqlPool,
    caller: &Caller,
    outcome: &mut Outcome,
) {
    let what = caller.prefix.as_str();
    let _account = match account_lock::lock(store, &caller.prefix).await {
        Ok(guard) => guard,
        Err(err) => return outcome.note(what, Err(err)),
    };
    let rows: Vec<(i64, String, String, String)> = match sqlx::query_as(
        "SELECT id, host, mysql_host, state FROM whitelist WHERE account_id = ? ORDER BY id",
    )
    .bind(caller.account_id)
    .fetch_all(store)
    .await
    {
        Ok(rows) => rows,
        Err(err) => return outcome.note(what, Err(err.into())),
    };
    let users = match db_users::names(mysql, caller).await {
        Ok(users) => users,
        Err(err) => return outcome.note(what, Err(err)),
    };
    let limits = match db_users::limits_of(mysql, store, caller.account_id).await {
        Ok(limits) => limits,
        Err(err) => return outcome.note(what, Err(err)),
    };
    for user in &users {
        outcome.note(
            user.as_str(),
            db_users::sync_limit(mysql, user, limits).await,
        );
        // Users made before the loopback accounts existed get them here (start-up), and any that
        // drifted are repaired.
        for host in LOOPBACK_HOSTS {
            outcome.note(
                &format!("{}@{host}", user.as_str()),
                db_users::sync_host(mysql, user, host, limits).await,
            );
        }
    }
    for (id, host, mysql_host, state) in &rows {
        if state == "removing" {
            outcome.note(
                host,
                finish_removal(store, mysql, caller, *id, (host, mysql_host)).await,
            );
            continue;
        }
        let mut all_synced = true;
        for user in &users {
            let synced = db_users::sync_host(mysql, user, mysql_host, limits).await;
            all_synced &= synced.is_ok();
            outcome.note(&format!("{}@{mysql_host}", user.as_str()), synced);
        }
        if all_synced && state != "active" {
            outcome.note(host, mark_active(store, *id).await);
        }
    }
    let wanted: Vec<&str> = rows
        .iter()
        .filter(|(.., state)| state != "removing")
        .map(|(_, _, mysql_host, _)| mysql_host.as_str())
        .collect();
    match db_users::remote_accounts(mysql, caller).await {
        Ok(accounts) => {
            for (user, host) in accounts
                .iter()
                .filter(|(_, host)| !wanted.contains(&host.as_str()))
            {
                tracing::info!(
                    user = user.as_str(),
                    host,
                    "dropping a host account no whitelist entry asks for"
                );
                outcome.note(host, db_users::drop_host(mysql, user, host).await);
            }
        }
        Err(err) => outcome.note(what, Err(err)),
    }
}
