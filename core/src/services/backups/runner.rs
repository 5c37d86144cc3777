//! The jobs' bodies, run in the background: each waits for its turn, marks itself running,
//! reports progress every half second, and ends completed or failed with a reason.
use super::Context;
use super::catalog::{self, Failure};
use super::client;
use super::dump::{self, DumpError, Progress};
use super::{load, manifest, schedule};
use crate::domain::caller::Caller;
use crate::managed::processlist;
use crate::services::queries::identity;
use mysql_async::prelude::Queryable;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use types::backups::JobErrorCode;
use types::backups::{BackupKind, TableChecksum};
use types::names::DatabaseName;

/// Statements of a job's own session (the manifest, the checks) may run this long.
const SESSION_LIMIT: Duration = Duration::from_secs(6 * 3600);
const REPORT_EVERY: Duration = Duration::from_millis(500);

pub async fn backup(
    state: Context,
    caller: Caller,
    id: String,
    database: DatabaseName,
    kind: BackupKind,
) {
    let started = Instant::now();
    let _turn = state.backups.turn(caller.account_id).await;
    let store = &state.store;
    let outcome = match catalog::backup_running(store, &id).await {
        Ok(()) => run_backup(&state, &caller, &id, &database).await,
        Err(err) => Err(err.message),
    };
    let part = state.backups.part_path(caller.account_id, &id);
    let (completed, recorded) = match outcome {
        Ok(dumped) => {
            match std::fs::rename(&part, state.backups.backup_path(caller.account_id, &id)) {
                Ok(()) => (
                    true,
                    catalog::backup_completed(
                        store,
                        &id,
                        (dumped.bytes, dumped.size),
                        &dumped.sha256,
                        dumped.binlog_position.as_ref(),
                    )
                    .await,
                ),
                Err(err) => (
                    false,
                    catalog::backup_failed(
                        store,
                        &id,
                        &format!("Could not keep the backup file: {err}"),
                    )
                    .await,
                ),
            }
        }
        Err(message) => {
            let _ = std::fs::remove_file(&part);
            (false, catalog::backup_failed(store, &id, &message).await)
        }
    };
    state
        .metrics
        .job_finished("backup", completed, started.elapsed());
    if let Err(err) = recorded {
        tracing::error!(error = %err, backup = %id, "could not record the end of a backup");
    }
    crate::services::alerts::backup_ended(store, &id).await;
    if kind == BackupKind::Scheduled {
        schedule::prune(&state, caller.account_id, database.as_str()).await;
    }
}

async fn run_backup(
    state: &Context,
    caller: &Caller,
    id: &str,
    database: &DatabaseName,
) -> Result<dump::Dumped, String> {
    let tool = client::dump_tool()
        .ok_or("Neither mariadb-dump nor mysqldump is installed on the panel's machine.")?;
    let server = state.server_for(caller).await.map_err(|err| err.message)?;
    let mysql = server.pool.clone();
    let mut conn = identity::connect(
        &state.queries,
        &server,
        &state.store,
        caller,
        database,
        SESSION_LIMIT,
    )
    .await
    .map_err(|err| err.message)?;
    let login = identity::login(&state.queries, &server, &state.store, caller)
        .await
        .map_err(|err| err.message)?;
    let sql_failed = |err: mysql_async::Error| format!("Reading the tables failed: {err}");
    let tables = manifest::base_tables(&mut conn).await.map_err(sql_failed)?;
    manifest::lock(&mut conn, &tables)
        .await
        .map_err(sql_failed)?;
    // A second session reads beside the locking one (the read lock lets other readers in).
    let mut summing = identity::connect(
        &state.queries,
        &server,
        &state.store,
        caller,
        database,
        SESSION_LIMIT,
    )
    .await
    .map_err(|err| err.message)?;
    let measured = manifest::measure(
        &mut manifest::Sessions {
            counting: &mut conn,
            summing: &mut summing,
        },
        &tables,
    )
    .await;
    let _ = summing.disconnect().await;
    let tables = measured.map_err(sql_failed)?;
    catalog::backup_manifest(&state.store, id, &tables)
        .await
        .map_err(|err| err.message)?;
    crate::data_dir::create_private_dir(&state.backups.account_dir(caller.account_id))
        .map_err(|err| format!("Could not create the account's backup directory: {err}"))?;
    // The snapshot's place in the binary log, where a point-in-time restore starts replaying.
    let logged = sqlx::query_scalar::<_, i64>("SELECT @@log_bin")
        .fetch_one(&mysql)
        .await
        .is_ok_and(|on| on == 1);
    let child = dump::spawn(&tool, &login, database.as_str(), logged)
        .map_err(|err| format!("Could not start mariadb-dump: {err}"))?;
    let used = catalog::used_bytes(&state.store, caller.account_id)
        .await
        .map_err(|err| err.message)?;
    let quota = super::quota_of(state, caller.account_id)
        .await
        .map_err(|err| err.message)?;
    let budget = quota.saturating_sub(used);
    let progress = Arc::new(Progress::default());
    let part = state.backups.part_path(caller.account_id, id);
    let header = load::manifest_line(database.as_str(), &tables);
    let writer = {
        let progress = progress.clone();
        tokio::task::spawn_blocking(move || dump::write(child, &part, &header, &progress, budget))
    };
    let writer = async { writer.await.expect("a backup's writing thread panicked") };
    // The dump's snapshot has begun (or it ended): writers may go on.
    manifest::wait_for_snapshot(&mysql, &login.user, conn.id(), || {
        progress.finished.load(Ordering::Acquire)
    })
    .await;
    let unlocked = manifest::unlock(&mut conn).await;
    let _ = conn.disconnect().await;
    let store = state.store.clone();
    let written = report(writer, &progress, |bytes| {
        let store = store.clone();
        let id = id.to_owned();
        async move { catalog::backup_progress(&store, &id, bytes).await }
    })
    .await;
    unlocked.map_err(sql_failed)?;
    written.map_err(|err| match err {
        DumpError::Quota => super::quota_full(quota).message,
        DumpError::Failed(message) => message,
    })
}

/// Awaits the work, recording its progress meanwhile.
async fn report<T, F, Fut>(work: impl Future<Output = T>, progress: &Progress, record: F) -> T
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = Result<(), types::error::AppError>>,
{
    let mut every = tokio::time::interval(REPORT_EVERY);
    tokio::pin!(work);
    loop {
        tokio::select! {
            done = &mut work => return done,
            _ = every.tick() => {
                let _ = record(progress.bytes.load(Ordering::Relaxed)).await;
            }
        }
    }
}

async fn verify(
    state: &Context,
    caller: &Caller,
    job: &Load,
    conn: &mut mysql_async::Conn,
    tables: &[TableChecksum],
) -> Result<types::backups::Verification, Failure> {
    let failed = |err: String| Failure::new(format!("Checking the restored tables failed: {err}"));
    let server = state
        .server_for(caller)
        .await
        .map_err(|err| failed(err.message))?;
    let mut summing = identity::connect(
        &state.queries,
        &server,
        &state.store,
        caller,
        &job.database,
        SESSION_LIMIT,
    )
    .await
    .map_err(|err| failed(err.message))?;
    let verified = manifest::verify(
        &mut manifest::Sessions {
            counting: conn,
            summing: &mut summing,
        },
        tables,
    )
    .await;
    let _ = summing.disconnect().await;
    verified.map_err(|err| failed(err.to_string()))
}

/// A restore or import: `file` into `database`, then the check against the manifest.
pub struct Load {
    pub job_id: String,
    pub database: DatabaseName,
    pub file: PathBuf,
    /// The backup's manifest (a restore); an import uses the one its file carries, if any.
    pub manifest: Option<Vec<TableChecksum>>,
    /// The file is an upload: gone once the job ends.
    pub remove_after: bool,
    /// A restore to a point in time: the binary log's changes to apply after the file.
    pub replay: Option<crate::services::binlog::replay::Reading>,
}

pub async fn load(state: Context, caller: Caller, job: Load) {
    let started = Instant::now();
    let _turn = state.backups.turn(caller.account_id).await;
    let store = &state.store;
    let (completed, recorded) = match catalog::job_running(store, &job.job_id).await {
        Ok(()) => match run_load(&state, &caller, &job).await {
            Ok((bytes, verification)) => (
                true,
                catalog::job_completed(store, &job.job_id, bytes, verification.as_ref()).await,
            ),
            Err(failure) => (
                false,
                catalog::job_failed(store, &job.job_id, &failure).await,
            ),
        },
        Err(err) => (false, Err(err)),
    };
    // Uploaded files are imports; a backup's file is a restore.
    let kind = if job.remove_after {
        "import"
    } else {
        "restore"
    };
    state
        .metrics
        .job_finished(kind, completed, started.elapsed());
    if let Err(err) = recorded {
        tracing::error!(error = %err, job = %job.job_id, "could not record the end of a job");
    }
    crate::services::alerts::job_ended(store, &job.job_id).await;
    if job.remove_after {
        let _ = std::fs::remove_file(&job.file);
    }
    // A loaded file may create or drop databases of the account (CREATE DATABASE in an import).
    if let Ok(mysql) = state.mysql_for(&caller).await
        && let Err(err) = crate::services::database_index::sync(store, &mysql, &caller).await
    {
        tracing::warn!(error = %err, job = %job.job_id, "could not re-read the account's databases after a load");
    }
}

async fn run_load(
    state: &Context,
    caller: &Caller,
    job: &Load,
) -> Result<(u64, Option<types::backups::Verification>), Failure> {
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + state.backups.job_timeout;
    let server = state
        .server_for(caller)
        .await
        .map_err(|err| Failure::new(err.message))?;
    let mysql = server.pool.clone();
    let mut conn = identity::connect(
        &state.queries,
        &server,
        &state.store,
        caller,
        &job.database,
        SESSION_LIMIT,
    )
    .await
    .map_err(|err| Failure::new(err.message))?;
    let limits = load::Limits {
        decompressed_bytes: state.backups.import_limit_bytes,
        statement_bytes: statement_limit(&mut conn)
            .await
            .map_err(|err| Failure::new(format!("Reading the server's limits failed: {err}")))?,
    };
    if !job.remove_after {
        fetch_missing(state, std::slice::from_ref(&job.file)).await?;
    }
    if let Some(reading) = &job.replay {
        fetch_missing(state, &reading.files).await?;
    }
    let progress = Arc::new(Progress::default());
    let (mut statements, reader) = load::read(&job.file, limits, progress.clone());
    let thread = conn.id();
    let store = state.store.clone();
    let loading = report(
        load::execute(&mut conn, &mut statements),
        &progress,
        |bytes| {
            let store = store.clone();
            let id = job.job_id.clone();
            async move { catalog::job_progress(&store, &id, bytes).await }
        },
    );
    let loaded = tokio::time::timeout_at(deadline, loading).await;
    drop(statements);
    let carried = reader.await.unwrap_or_default();
    match loaded {
        Ok(result) => result?,
        Err(_) => return Err(timed_out(state, &mysql, thread).await),
    }
    let bytes = progress.bytes.load(Ordering::Relaxed);
    let loaded_in = started.elapsed();
    let verification = match job.manifest.clone().or(carried) {
        Some(tables) => {
            match tokio::time::timeout_at(deadline, verify(state, caller, job, &mut conn, &tables))
                .await
            {
                Ok(verified) => Some(verified?),
                Err(_) => return Err(timed_out(state, &mysql, thread).await),
            }
        }
        None => None,
    };
    tracing::info!(job = %job.job_id, bytes, ?loaded_in, verified_in = ?(started.elapsed() - loaded_in), "loaded a file into a database");
    if let Some(reading) = &job.replay {
        let replaying = crate::services::binlog::replay::run(
            &mut conn,
            caller.prefix.as_str(),
            limits.statement_bytes,
            reading.clone(),
        );
        let applied = match tokio::time::timeout_at(deadline, replaying).await {
            Ok(applied) => applied.map_err(Failure::new)?,
            Err(_) => return Err(timed_out(state, &mysql, thread).await),
        };
        tracing::info!(job = %job.job_id, ?applied, "replayed the binary log up to the point in time");
    }
    let _ = conn.disconnect().await;
    Ok((bytes, verification))
}

/// A restore's files that are gone from the panel's disk come back from their off-site copies.
async fn fetch_missing(state: &Context, files: &[PathBuf]) -> Result<(), Failure> {
    let Some(offsite) = &state.offsite else {
        return Ok(());
    };
    for file in files {
        offsite.ensure_local(file).await.map_err(|err| {
            Failure::new(format!(
                "The backup's files are not on the panel's disk and could not be fetched from the off-site copy: {err}"
            ))
        })?;
    }
    Ok(())
}

/// The longest statement the server takes: its `max_allowed_packet`, less the packet's header.
pub async fn statement_limit(conn: &mut mysql_async::Conn) -> Result<usize, mysql_async::Error> {
    let packet: Option<u64> = conn.query_first("SELECT @@max_allowed_packet").await?;
    Ok(usize::try_from(packet.unwrap_or(16 << 20).saturating_sub(1024)).unwrap_or(usize::MAX))
}

/// The job ran past `NOBREGAS_JOB_TIMEOUT`: its session is killed on the server (a statement
/// such as `SELECT SLEEP(…)` would otherwise keep running, and the job's slot taken).
async fn timed_out(state: &Context, mysql: &sqlx::MySqlPool, thread: u32) -> Failure {
    let session = processlist::Session {
        id: u64::from(thread),
        user: String::new(),
        ip: None,
    };
    if let Err(err) = processlist::kill(mysql, [session]).await {
        tracing::warn!(error = %err, thread, "could not end a timed-out job's session");
    }
    Failure::coded(
        JobErrorCode::JobTimeout,
        format!(
            "The job ran longer than {} s (NOBREGAS_JOB_TIMEOUT) and was stopped; what it had done so far stays.",
            state.backups.job_timeout.as_secs()
        ),
    )
}
