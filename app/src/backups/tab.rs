//! The database page's "Backups" tab: the database's backups (made now or by the daily schedule)
//! with live progress, download, restore and delete; the restores and imports into it, with
//! whether the result matched the backup's manifest; importing a file; the daily schedule.
//!
//! The two lists are rendered with the page (on the server too), then kept fresh by the browser:
//! read again after every change made here, and every second while anything in them is queued
//! or running (see [`Live`]).
mod backup_list;
mod import;
mod jobs;
mod point_in_time;
mod restore;
mod schedule;

use super::{BackupList, JobList, JobStatus, list_backups, list_jobs};
use crate::components::form_error::FormError;
use crate::database_detail::{DatabaseHeader, DatabaseTab};
use crate::error::AppError;
use crate::model::human_size;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Serialize, de::DeserializeOwned};
use std::future::Future;
use std::time::Duration;

/// How often an unfinished list is read again.
const POLL_EVERY: Duration = Duration::from_secs(1);

#[component]
pub fn BackupsPage() -> impl IntoView {
    let params = use_params_map();
    let database = Signal::derive(move || params.read().get("name").unwrap_or_default());
    let backups = Live::new(database, list_backups, |list: &BackupList| {
        list.backups
            .iter()
            .any(|backup| !backup.status.is_finished())
    });
    let jobs = Live::new(database, list_jobs, |list: &JobList| {
        list.jobs.iter().any(|job| !job.status.is_finished())
    });
    view! {
        <DatabaseHeader name=database current=DatabaseTab::Backups/>
        <backup_list::Backups database backups jobs/>
        <point_in_time::PointInTime database jobs/>
        <jobs::Jobs database jobs/>
        <schedule::Schedule database/>
    }
}

/// A list of the tab's database as the page shows it: first as read for the page (on the server
/// when the page is rendered there), then as the browser last read it.
pub struct Live<T: Send + Sync + 'static> {
    initial: Resource<Result<T, AppError>>,
    /// The newest list, `None` when it could not be read.
    pub data: Memo<Option<T>>,
    /// Why the newest read failed (the list shown, if any, is the one before).
    pub error: Memo<Option<String>>,
    refresh: Callback<()>,
}

impl<T: Send + Sync + 'static> Clone for Live<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Live<T> {}

impl<T> Live<T>
where
    T: Clone + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// `fetch` reads the list of a database; `unfinished` says whether it is worth reading again soon.
    pub fn new<F, Fut>(database: Signal<String>, fetch: F, unfinished: fn(&T) -> bool) -> Self
    where
        F: Fn(String) -> Fut + Copy + Send + Sync + 'static,
        Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    {
        let initial = Resource::new(move || database.get(), fetch);
        // The browser's reads, each with the database it is of: another database (the tab
        // followed a link to a sibling) starts again from its own `initial`.
        let fresh = RwSignal::new(None::<(String, T)>);
        let failed = RwSignal::new(None::<(String, String)>);
        let reads = RwSignal::new(0u64);
        let data = Memo::new(move |_| {
            let db = database.get();
            match fresh.get() {
                Some((of, list)) if of == db => Some(list),
                _ => initial.with(|read| read.as_ref().and_then(|r| r.as_ref().ok()).cloned()),
            }
        });
        let error = Memo::new(move |_| {
            let db = database.get();
            if let Some((of, message)) = failed.get()
                && of == db
            {
                return Some(message);
            }
            if fresh.with(|f| f.as_ref().is_some_and(|(of, _)| *of == db)) {
                return None;
            }
            initial.with(|read| {
                read.as_ref()
                    .and_then(|r| r.as_ref().err())
                    .map(|e| e.message.clone())
            })
        });
        let issued = StoredValue::new(0u64);
        let refresh = Callback::new(move |()| {
            let Some(db) = database.try_get_untracked() else {
                return;
            };
            issued.update_value(|n| *n += 1);
            let ticket = issued.get_value();
            leptos::task::spawn_local(async move {
                let result = fetch(db.clone()).await;
                // A later read overtook this one (or the page is gone): its answer is newer.
                if issued.try_get_value() != Some(ticket) {
                    return;
                }
                match result {
                    Ok(list) => {
                        let _ = fresh.try_set(Some((db, list)));
                        let _ = failed.try_set(None);
                    }
                    Err(err) => {
                        let _ = failed.try_set(Some((db, err.message)));
                    }
                }
                let _ = reads.try_update(|n| *n += 1);
            });
        });
        // Browser only (effects do not run on the server). Every read re-arms the timer while the
        // list is unfinished, a failed one too (the next may succeed); leaving the page stops it.
        Effect::new(move |_| {
            reads.track();
            if data.with(|list| list.as_ref().is_some_and(unfinished))
                && let Ok(timer) = set_timeout_with_handle(
                    move || {
                        let _ = refresh.try_run(());
                    },
                    POLL_EVERY,
                )
            {
                on_cleanup(move || timer.clear());
            }
        });
        Self {
            initial,
            data,
            error,
            refresh,
        }
    }

    /// Resolves once the page's own read is in (what a `Suspend` waits for).
    pub async fn ready(self) {
        let _ = self.initial.await;
    }

    /// Reads the list again now (after a change made on this page).
    pub fn refresh(self) {
        let _ = self.refresh.try_run(());
    }
}

/// `2026-11-30T14:05:09Z` → `2026-11-30 14:05 UTC`.
pub fn short_time(at: &str) -> String {
    match at.split_once('T') {
        Some((day, time)) if time.len() >= 5 => format!("{day} {} UTC", &time[..5]),
        _ => at.to_owned(),
    }
}

/// `2026-11-30T14:05:09Z` → `2026-11-30 14:05:09`: a point in time is chosen to the second, and
/// the sentence around it names the zone.
pub fn utc_second(at: &str) -> String {
    match at
        .split_once('T')
        .and_then(|(day, time)| Some((day, time.get(..8)?)))
    {
        Some((day, time)) => format!("{day} {time}"),
        None => at.to_owned(),
    }
}

/// How far a job is: a share of `total`, or only the bytes done when there is no total to go
/// by (unknown, or an estimate already passed: the server's table sizes can be well behind).
pub fn progress_share(done: u64, total: u64) -> Option<u64> {
    (total > 0 && done <= total).then_some(done)
}

/// "1.5 MiB of 4.0 MiB" (`about`: the total is an estimate).
pub fn progress_text(done: u64, total: u64, about: bool) -> String {
    match (progress_share(done, total), about) {
        (None, _) => format!("{} written", human_size(done)),
        (Some(_), true) => format!("{} of about {}", human_size(done), human_size(total)),
        (Some(_), false) => format!("{} of {}", human_size(done), human_size(total)),
    }
}

/// A job's status as a badge: "queued", "running", "completed", "failed".
#[component]
pub fn StatusBadge(status: JobStatus) -> impl IntoView {
    let class = format!("badge status-{}", status.as_str());
    view! { <span class=class>{status.as_str()}</span> }
}

/// A live `<progress>` named `label`, with the bytes written beside it; indeterminate while queued
/// or while there is no total to measure against.
#[component]
pub fn JobProgress(
    label: &'static str,
    status: JobStatus,
    /// Bytes done and the total (0: unknown).
    progress: Signal<(u64, u64)>,
    /// The total is an estimate (a backup's: the database's size before compression).
    #[prop(optional)]
    about: bool,
) -> impl IntoView {
    let queued = status == JobStatus::Queued;
    let value = move || {
        let (done, total) = progress.get();
        progress_share(done, total)
            .filter(|_| !queued)
            .map(|done| done.to_string())
    };
    let max = move || progress.get().1.max(1).to_string();
    let text = move || {
        if queued {
            "Waiting for its turn…".to_owned()
        } else {
            let (done, total) = progress.get();
            progress_text(done, total, about)
        }
    };
    view! {
        <span class="job-progress">
            <progress aria-label=label max=max value=value></progress>
            <span class="job-progress-text">{text}</span>
        </span>
    }
}

/// Why the list could not be read (again), as an alert above whatever was read before.
#[component]
pub fn ListError(error: Memo<Option<String>>) -> impl IntoView {
    move || error.get().map(|message| view! { <FormError message/> })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_to_the_minute_in_utc() {
        assert_eq!(short_time("2026-11-30T14:05:09Z"), "2026-11-30 14:05 UTC");
        assert_eq!(
            short_time("2026-11-30T14:05:09.5+00:00"),
            "2026-11-30 14:05 UTC"
        );
        assert_eq!(short_time("yesterday"), "yesterday");
        assert_eq!(short_time("2026-11-30T1"), "2026-11-30T1");
    }

    #[test]
    fn points_in_time_read_to_the_second() {
        assert_eq!(utc_second("2026-11-30T14:05:09Z"), "2026-11-30 14:05:09");
        assert_eq!(utc_second("2026-11-30T14:05"), "2026-11-30T14:05");
        assert_eq!(utc_second("yesterday"), "yesterday");
    }

    #[test]
    fn progress_reads_as_sizes() {
        assert_eq!(progress_text(1536, 4096, false), "1.5 KiB of 4.0 KiB");
        assert_eq!(progress_text(1536, 4096, true), "1.5 KiB of about 4.0 KiB");
        assert_eq!(progress_text(10, 0, true), "10 B written");
        assert_eq!(
            progress_text(8192, 4096, true),
            "8.0 KiB written",
            "an estimate already passed is not shown"
        );
        assert_eq!(progress_share(8192, 4096), None);
        assert_eq!(progress_share(0, 0), None);
        assert_eq!(progress_share(4096, 4096), Some(4096));
    }
}
