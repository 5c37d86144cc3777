//! The periodic work — finishing interrupted whitelist changes, starting scheduled backups,
//! failing the jobs of instances that stopped — done by whichever instance holds the maintenance
//! lease (`instance`). Every instance renews its heartbeat and tries for the lease; when the holder
//! dies, another one takes over within the lease's length and reconciles at once.
use crate::instance;
use crate::services::backups::offsite::{self, Offsite};
use crate::services::backups::{catalog, schedule};
use crate::services::{alerts, binlog, usage, whitelist};
use crate::state::AppState;
use crate::store::{self, Engine};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

const RECONCILE_EVERY: Duration = Duration::from_secs(300);
/// How often a batch of databases is measured (`usage::MEASURED_PER_PASS` each time).
const MEASURE_EVERY: Duration = Duration::from_secs(60);
/// How often off-site copies whose file is gone are looked for and removed.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Runs until the process ends.
pub async fn run(state: AppState, schedule_tick: Duration, lease: Duration) {
    // A SQLite store belongs to one process: a holder left behind by its previous run is dead.
    let force = store::engine(&state.store) == Engine::Sqlite;
    let (renew_every, try_every) = (instance::renew_every(lease), instance::try_every(lease));
    let copy_every = state
        .offsite
        .as_ref()
        .map_or(schedule_tick, |offsite| offsite.every);
    let mut tick = tokio::time::interval(
        try_every
            .min(schedule_tick)
            .min(copy_every)
            .min(state.alerts.tick),
    );
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut holds, mut next_renewal) = (false, Instant::now());
    let (mut next_reconcile, mut next_schedule) = (Instant::now(), Instant::now());
    let mut next_measure = Instant::now();
    let mut measuring: Option<JoinHandle<()>> = None;
    let mut reconciling: Option<JoinHandle<()>> = None;
    let mut scheduling: Option<JoinHandle<()>> = None;
    let mut sweeping: Option<JoinHandle<()>> = None;
    let (mut alerting, mut next_alerts): (Option<JoinHandle<()>>, _) = (None, Instant::now());
    let mut copying: Option<JoinHandle<()>> = None;
    let (mut next_copy, mut next_sweep) = (Instant::now(), Instant::now() + SWEEP_EVERY);
    // One binary log archiver per managed server, on the lease holder only.
    let mut archivers: HashMap<String, JoinHandle<()>> = HashMap::new();
    loop {
        tick.tick().await;
        let now = Instant::now();
        if now >= next_renewal {
            let held = holds;
            holds = renew(&state, lease, force).await;
            next_renewal = now + if holds { renew_every } else { try_every };
            if holds && !held {
                tracing::info!(
                    instance = instance::id(),
                    "took the maintenance lease: reconciling now"
                );
                next_reconcile = now;
            } else if held && !holds {
                tracing::warn!(instance = instance::id(), "lost the maintenance lease");
            }
            if holds {
                keep_archiving(&state, &mut archivers).await;
            } else {
                archivers.drain().for_each(|(_, task)| task.abort());
            }
            if holds && is_idle(&sweeping) {
                let state = state.clone();
                sweeping = Some(spawn(async move {
                    if let Err(err) = fail_jobs_of_stopped_instances(&state, lease, false).await {
                        tracing::warn!(error = %err, "could not look for jobs of stopped instances");
                    }
                }));
            }
        }
        if !holds {
            continue;
        }
        if now >= next_reconcile && is_idle(&reconciling) {
            next_reconcile = now + RECONCILE_EVERY;
            reconciling = Some(spawn(reconcile(state.clone())));
        }
        if now >= next_schedule && is_idle(&scheduling) {
            next_schedule = now + schedule_tick;
            let state = state.clone();
            scheduling = Some(spawn(async move {
                if let Err(err) =
                    schedule::run_due(&state.backup_context(), crate::domain::time::now()).await
                {
                    tracing::warn!(error = %err, "the backup scheduler could not look for due backups; will retry");
                }
            }));
        }
        if let Some(offsite) = &state.offsite
            && now >= next_copy
            && is_idle(&copying)
        {
            next_copy = now + offsite.every;
            let sweep = now >= next_sweep;
            if sweep {
                next_sweep = now + SWEEP_EVERY;
            }
            copying = Some(spawn(copy_off_site(state.clone(), offsite.clone(), sweep)));
        }
        if now >= next_alerts && is_idle(&alerting) {
            next_alerts = now + state.alerts.tick;
            let state = state.clone();
            alerting = Some(spawn(async move {
                alerts::send_due(&state.store, &state.sealer, &state.alerts).await;
            }));
        }
        if now >= next_measure && is_idle(&measuring) {
            next_measure = now + MEASURE_EVERY;
            let state = state.clone();
            measuring = Some(spawn(async move {
                let measured = usage::measure_pass(&state.store, &state.fleet).await;
                if let Err(err) = measured {
                    tracing::warn!(error = %err, "could not measure databases' storage; will retry");
                }
            }));
        }
    }
}

/// Starts an archiver for each server that has none (new servers, or one whose task ended).
async fn keep_archiving(state: &AppState, archivers: &mut HashMap<String, JoinHandle<()>>) {
    let Ok(servers) = state.fleet.all(&state.store).await else {
        return;
    };
    archivers.retain(|name, task| {
        let known = servers.iter().any(|server| &server.name == name);
        if !known {
            task.abort();
        }
        known && !task.is_finished()
    });
    for server in servers {
        if archivers.contains_key(&server.name) {
            continue;
        }
        let metrics = state.metrics.clone();
        let archiver = binlog::archive::Archiver {
            store: state.store.clone(),
            dir: state.backups.binlog_dir(&server.name),
            retention: state.backups.binlog_retention,
            on_lag: std::sync::Arc::new(move |server: &str, lag: i64| {
                metrics.binlog_archive_lag(server, lag);
            }),
            server: server.clone(),
        };
        archivers.insert(server.name.clone(), spawn(archiver.run()));
    }
}

/// Uploads what has no off-site copy yet; now and then removes copies of files no longer kept.
async fn copy_off_site(state: AppState, offsite: Arc<Offsite>, sweep: bool) {
    match offsite::copies::round(&offsite, &state.store, &state.backups).await {
        Ok(round) if round != offsite::copies::Round::default() => {
            tracing::info!(
                backups = round.backups,
                binlog_files = round.binlog_files,
                "copied files off-site"
            );
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(error = %err, "could not copy backups off-site; will retry"),
    }
    if sweep {
        match offsite::copies::sweep(&offsite, &state.store, &state.backups).await {
            Ok(0) => {}
            Ok(removed) => {
                tracing::info!(removed, "removed off-site copies of files no longer kept")
            }
            Err(err) => {
                tracing::warn!(error = %err, "could not tidy the off-site copies; will retry")
            }
        }
    }
}

/// Heartbeat and lease in one go; a store that does not answer means not holding it.
async fn renew(state: &AppState, lease: Duration, force: bool) -> bool {
    if let Err(err) = instance::heartbeat(&state.store).await {
        tracing::warn!(error = %err, "could not renew this instance's heartbeat");
    }
    instance::hold(&state.store, instance::MAINTENANCE, lease, force)
        .await
        .unwrap_or_else(|err| {
            tracing::warn!(error = %err, "could not renew the maintenance lease");
            false
        })
}

async fn reconcile(state: AppState) {
    if let Err(err) = whitelist::reconcile(&state.store, &state.fleet).await {
        tracing::warn!(error = %err, "whitelist reconciliation did not finish; will retry");
    }
    if let Err(err) = crate::services::database_index::sync_all(&state.store, &state.fleet).await {
        tracing::warn!(error = %err, "the database index could not be brought up to date; will retry");
    }
    let purged =
        crate::services::closing::purge_due(&state.backup_context(), crate::domain::time::now())
            .await;
    if let Err(err) = purged {
        tracing::warn!(error = %err, "could not purge closed accounts; will retry");
    }
    alerts::watch(&state.store, &state.alerts).await;
    match crate::services::api_keys::retire_unused(&state.store).await {
        Ok(0) => {}
        Ok(retired) => tracing::info!(retired, "revoked API keys unused past their owners' limit"),
        Err(err) => tracing::warn!(error = %err, "could not retire unused API keys; will retry"),
    }
    if let Err(err) = crate::services::api_keys::remind_expiring(&state.store).await {
        tracing::warn!(error = %err, "could not remind owners of expiring API keys; will retry");
    }
    // Placement reads these figures, and /metrics shows them.
    let _ = crate::services::servers::measure_all(&state.store, &state.fleet).await;
    if let Ok(usage) = crate::services::servers::recorded_usage(&state.store).await {
        for (server, used) in usage {
            state
                .metrics
                .server_usage(&server, used.databases, used.bytes);
        }
    }
}

/// Jobs whose instance stopped renewing its heartbeat are failed and their half files removed.
/// On a SQLite store (one process) that is every job of a previous run, and at start-up every
/// half file there is (uploads that never became jobs too).
pub async fn fail_jobs_of_stopped_instances(
    state: &AppState,
    lease: Duration,
    at_start: bool,
) -> anyhow::Result<()> {
    let shared = store::engine(&state.store) != Engine::Sqlite;
    let alive = if shared {
        instance::alive(&state.store, lease).await?
    } else {
        vec![instance::id().to_owned()]
    };
    let failed = catalog::fail_interrupted(&state.store, &alive).await?;
    let every_leftover = at_start && !shared;
    let removed = state
        .backups
        .remove_leftovers((!every_leftover).then_some(&failed[..]))?;
    if !failed.is_empty() || removed > 0 {
        tracing::warn!(
            failed = failed.len(),
            removed,
            "jobs of a stopped panel process were marked failed"
        );
    }
    Ok(())
}

fn is_idle(task: &Option<JoinHandle<()>>) -> bool {
    task.as_ref().is_none_or(JoinHandle::is_finished)
}

fn spawn(work: impl Future<Output = ()> + Send + 'static) -> JoinHandle<()> {
    tokio::spawn(work)
}
