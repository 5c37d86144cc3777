//! Daily backups: each database may have one, at a time of day (UTC), keeping the newest `keep`
//! scheduled backups. The scheduler claims a due schedule for the day before starting its backup,
//! so a restart or a second tick never runs it twice.
use super::Context;
use super::catalog;
use crate::domain::caller::Caller;
use crate::domain::time;
use crate::services::audit;
use crate::store;
use types::activity::Action;
use types::backups::{BackupKind, BackupSchedule, ScheduleRequest};
use types::error::AppError;
use types::names::DatabaseName;
use types::validate::Prefix;

const DAY: i64 = 86_400;

/// When the schedule runs next: today at its minute if it has not run today, else tomorrow.
fn next_run(minute_utc: i64, last_run_day: Option<i64>, now: i64) -> i64 {
    let today = now.div_euclid(DAY);
    let day = if last_run_day.is_some_and(|day| day >= today) {
        today + 1
    } else {
        today
    };
    day * DAY + minute_utc * 60
}

fn schedule_of(
    database: String,
    minute_utc: i64,
    keep: i64,
    last_run_day: Option<i64>,
) -> BackupSchedule {
    BackupSchedule {
        database,
        time_utc: format!("{:02}:{:02}", minute_utc / 60, minute_utc % 60),
        keep: keep as u32,
        next_run_at: time::rfc3339(next_run(minute_utc, last_run_day, time::now())),
    }
}

pub async fn get(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
) -> Result<Option<BackupSchedule>, AppError> {
    let row: Option<(i64, i64, Option<i64>)> =
        sqlx::query_as("SELECT minute_utc, keep, last_run_day FROM backup_schedules WHERE account_id = ? AND `database` = ?")
            .bind(caller.account_id)
            .bind(database.as_str())
            .fetch_optional(&state.store)
            .await?;
    Ok(row
        .map(|(minute, keep, last)| schedule_of(database.as_str().to_owned(), minute, keep, last)))
}

/// Every schedule of the account, by database name.
pub async fn list(state: &Context, caller: &Caller) -> Result<Vec<BackupSchedule>, AppError> {
    let rows: Vec<(String, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT `database`, minute_utc, keep, last_run_day FROM backup_schedules WHERE account_id = ? ORDER BY `database`",
    )
    .bind(caller.account_id)
    .fetch_all(&state.store)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(database, minute, keep, last)| schedule_of(database, minute, keep, last))
        .collect())
}

/// Creates or replaces the database's schedule. A time already past today starts tomorrow.
pub async fn set(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
    request: &ScheduleRequest,
) -> Result<BackupSchedule, AppError> {
    let minute = i64::from(request.validate()?);
    crate::services::databases::find(&state.mysql_for(caller).await?, database).await?;
    let now = time::now();
    let today = now.div_euclid(DAY);
    let last_run_day = (minute * 60 <= now.rem_euclid(DAY)).then_some(today);
    sqlx::query(store::dialect(
        &state.store,
        "INSERT INTO backup_schedules (account_id, `database`, minute_utc, keep, last_run_day) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id, `database`) DO UPDATE SET minute_utc = excluded.minute_utc, keep = excluded.keep,
             last_run_day = excluded.last_run_day",
        "INSERT INTO backup_schedules (account_id, `database`, minute_utc, keep, last_run_day) VALUES (?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE minute_utc = VALUES(minute_utc), keep = VALUES(keep), last_run_day = VALUES(last_run_day)",
    ))
    .bind(caller.account_id)
    .bind(database.as_str())
    .bind(minute)
    .bind(i64::from(request.keep))
    .bind(last_run_day)
    .execute(&state.store)
    .await?;
    audit::record(
        &state.store,
        audit::Entry::by(caller, Action::BackupScheduleSet)
            .with("database", database.as_str())
            .with("time_utc", &request.time_utc)
            .with("keep", request.keep.to_string()),
    )
    .await;
    prune(state, caller.account_id, database.as_str()).await;
    Ok(schedule_of(
        database.as_str().to_owned(),
        minute,
        i64::from(request.keep),
        last_run_day,
    ))
}

/// Removes the schedule, if there is one (the database must exist); the backups it made stay.
pub async fn delete(
    state: &Context,
    caller: &Caller,
    database: &DatabaseName,
) -> Result<(), AppError> {
    crate::services::databases::find(&state.mysql_for(caller).await?, database).await?;
    let removed =
        sqlx::query("DELETE FROM backup_schedules WHERE account_id = ? AND `database` = ?")
            .bind(caller.account_id)
            .bind(database.as_str())
            .execute(&state.store)
            .await?
            .rows_affected();
    if removed == 0 {
        return Ok(());
    }
    audit::record(
        &state.store,
        audit::Entry::by(caller, Action::BackupScheduleRemoved).with("database", database.as_str()),
    )
    .await;
    Ok(())
}

/// Starts every backup due at `now` (Unix seconds); answers how many it started. Suspended
/// accounts' schedules wait: their database users are locked.
pub async fn run_due(state: &Context, now: i64) -> Result<usize, AppError> {
    let today = now.div_euclid(DAY);
    let due: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT s.account_id, s.`database`, a.prefix FROM backup_schedules s JOIN accounts a ON a.id = s.account_id
         WHERE (s.last_run_day IS NULL OR s.last_run_day < ?) AND s.minute_utc * 60 <= ?
           AND a.suspended_at IS NULL AND a.closed_at IS NULL",
    )
    .bind(today)
    .bind(now.rem_euclid(DAY))
    .fetch_all(&state.store)
    .await?;
    let mut started = 0;
    for (account_id, database, prefix) in due {
        let claimed = sqlx::query(
            "UPDATE backup_schedules SET last_run_day = ? WHERE account_id = ? AND `database` = ?
             AND (last_run_day IS NULL OR last_run_day < ?)",
        )
        .bind(today)
        .bind(account_id)
        .bind(&database)
        .bind(today)
        .execute(&state.store)
        .await?
        .rows_affected();
        if claimed == 0 {
            continue;
        }
        let Ok(prefix) = Prefix::parse_existing(&prefix) else {
            continue;
        };
        let caller = Caller::system(account_id, prefix);
        let started_one = match DatabaseName::parse(&database, &caller.prefix) {
            Ok(name) => super::create(state, &caller, &name, BackupKind::Scheduled)
                .await
                .map(|_| ()),
            Err(err) => Err(err),
        };
        match started_one {
            Ok(()) => started += 1,
            // The database was deleted: its schedule goes with it (its backups stay restorable).
            Err(err) if err.code == types::error::ErrorCode::NotFound => {
                sqlx::query("DELETE FROM backup_schedules WHERE account_id = ? AND `database` = ?")
                    .bind(account_id)
                    .bind(&database)
                    .execute(&state.store)
                    .await?;
            }
            Err(err) => {
                tracing::warn!(error = %err, database, "a scheduled backup could not start")
            }
        }
    }
    Ok(started)
}

/// Keeps the newest `keep` completed scheduled backups of the database and the newest failed one
/// (so a failure stays visible); deletes the other scheduled ones. Manual backups are never touched.
pub async fn prune(state: &Context, account_id: i64, database: &str) {
    if let Err(err) = try_prune(state, account_id, database).await {
        tracing::warn!(error = %err, database, "could not prune scheduled backups");
    }
}

async fn try_prune(state: &Context, account_id: i64, database: &str) -> Result<(), AppError> {
    let keep: Option<i64> = sqlx::query_scalar(
        "SELECT keep FROM backup_schedules WHERE account_id = ? AND `database` = ?",
    )
    .bind(account_id)
    .bind(database)
    .fetch_optional(&state.store)
    .await?;
    let Some(keep) = keep else { return Ok(()) };
    let finished: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT id, status FROM backups WHERE account_id = ? AND `database` = ? AND kind = 'scheduled'
         AND status IN ('completed', 'failed') ORDER BY created_at DESC, {} DESC",
        catalog::insertion_order(&state.store)
    ))
    .bind(account_id)
    .bind(database)
    .fetch_all(&state.store)
    .await?;
    let (mut completed, mut failed) = (0, 0);
    for (id, status) in finished {
        let kept = if status == "completed" {
            completed += 1;
            completed <= keep
        } else {
            failed += 1;
            failed <= 1
        };
        if !kept {
            state.backups.remove_backup_file(account_id, &id)?;
            catalog::delete_backup(&state.store, &id).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::next_run;

    #[test]
    fn runs_today_until_it_has_run() {
        let day = 20_000;
        let now = day * 86_400 + 3600; // 01:00
        assert_eq!(next_run(180, None, now), day * 86_400 + 180 * 60);
        assert_eq!(next_run(180, Some(day - 1), now), day * 86_400 + 180 * 60);
        assert_eq!(next_run(180, Some(day), now), (day + 1) * 86_400 + 180 * 60);
        assert_eq!(next_run(30, None, now), day * 86_400 + 30 * 60); // due now: the next tick runs it
    }
}
