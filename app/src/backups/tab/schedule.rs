//! "Daily backup": the database's schedule (a time of day in UTC and how many scheduled backups to
//! keep), setting it and removing it.
use super::short_time;
use crate::backups::{
    BackupSchedule, DeleteBackupSchedule, MAX_KEEP, ScheduleRequest, SetBackupSchedule,
    get_backup_schedule,
};
use crate::components::form_error::{FormError, failure};
use crate::components::load::Load;
use leptos::prelude::*;

/// The form's fields as a request, or what is wrong with them.
pub fn schedule_request(time_utc: &str, keep: &str) -> Result<ScheduleRequest, String> {
    let keep = keep
        .trim()
        .parse::<u32>()
        .map_err(|_| format!("Keep must be a whole number between 1 and {MAX_KEEP}."))?;
    let request = ScheduleRequest {
        time_utc: time_utc.trim().to_owned(),
        keep,
    };
    request.validate().map_err(|e| e.message)?;
    Ok(request)
}

/// "Every day at 03:00 UTC, keeping 7".
pub fn schedule_text(schedule: &BackupSchedule) -> String {
    format!(
        "Every day at {} UTC, keeping {}",
        schedule.time_utc, schedule.keep
    )
}

#[component]
pub fn Schedule(database: Signal<String>) -> impl IntoView {
    let set = ServerAction::<SetBackupSchedule>::new();
    let remove = ServerAction::<DeleteBackupSchedule>::new();
    let schedule = Resource::new(
        move || (database.get(), set.version().get(), remove.version().get()),
        |(database, _, _)| get_backup_schedule(database),
    );
    Effect::watch(
        move || database.get(),
        move |_, _, _| {
            set.value().set(None);
            remove.value().set(None);
        },
        false,
    );
    view! {
        <section class="card" aria-labelledby="schedule-heading">
            <h2 id="schedule-heading">"Daily backup"</h2>
            <Load resource=schedule let:current>
                <ScheduleForm database current set remove/>
            </Load>
        </section>
    }
}

#[component]
fn ScheduleForm(
    database: Signal<String>,
    current: Option<BackupSchedule>,
    set: ServerAction<SetBackupSchedule>,
    remove: ServerAction<DeleteBackupSchedule>,
) -> impl IntoView {
    let time = RwSignal::new(
        current
            .as_ref()
            .map_or_else(|| "03:00".to_owned(), |s| s.time_utc.clone()),
    );
    let keep = RwSignal::new(current.as_ref().map_or(7, |s| s.keep).to_string());
    let invalid = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match schedule_request(&time.get_untracked(), &keep.get_untracked()) {
            Ok(request) => {
                invalid.set(None);
                remove.value().set(None);
                set.dispatch(SetBackupSchedule {
                    database: database.get_untracked(),
                    request,
                });
            }
            Err(message) => invalid.set(Some(message)),
        }
    };
    let (set_failed, remove_failed) = (failure(set), failure(remove));
    let error = move || {
        invalid
            .get()
            .or_else(|| set_failed.get())
            .or_else(|| remove_failed.get())
    };
    let summary = match current {
        Some(schedule) => view! {
            <div class="schedule-current">
                <p>
                    <strong>{schedule_text(&schedule)}</strong>
                    <span class="muted">" · next at "{short_time(&schedule.next_run_at)}</span>
                </p>
                <button
                    type="button"
                    class="button small danger-outline"
                    disabled=move || remove.pending().get()
                    on:click=move |_| { set.value().set(None); remove.dispatch(DeleteBackupSchedule { database: database.get_untracked() }); }
                >
                    "Remove schedule"
                </button>
            </div>
        }
        .into_any(),
        None => view! { <p class="muted">"No daily backup yet: set a time below."</p> }.into_any(),
    };
    view! {
        {summary}
        <form class="schedule-form" on:submit=submit>
            <div class="schedule-fields">
                <div>
                    <label for="schedule-time">"Time (UTC)"</label>
                    <input
                        id="schedule-time"
                        type="time"
                        step="60"
                        required
                        bind:value=time
                    />
                </div>
                <div>
                    <label for="schedule-keep">"Keep"</label>
                    <input
                        id="schedule-keep"
                        type="number"
                        min="1"
                        max=MAX_KEEP
                        step="1"
                        required
                        aria-describedby="schedule-hint"
                        bind:value=keep
                    />
                </div>
                <button type="submit" class="button primary" disabled=move || set.pending().get()>"Save schedule"</button>
            </div>
            <p id="schedule-hint" class="hint">
                "The newest scheduled backups are kept, older ones deleted. Backups made with “Back up now” are never deleted by the schedule."
            </p>
            {move || error().map(|message| view! { <FormError message/> })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_checked_before_it_is_sent() {
        assert_eq!(
            schedule_request("03:00", "7"),
            Ok(ScheduleRequest {
                time_utc: "03:00".to_owned(),
                keep: 7
            })
        );
        assert_eq!(
            schedule_request(" 23:59 ", " 365 ").map(|r| r.keep),
            Ok(365)
        );
        assert!(
            schedule_request("03:00", "0")
                .unwrap_err()
                .contains("between 1 and 365")
        );
        assert!(
            schedule_request("03:00", "seven")
                .unwrap_err()
                .contains("whole number")
        );
        assert!(schedule_request("3 am", "7").unwrap_err().contains("HH:MM"));
    }

    #[test]
    fn the_schedule_reads_as_a_sentence() {
        let schedule = BackupSchedule {
            database: "acme_shop".to_owned(),
            time_utc: "03:00".to_owned(),
            keep: 7,
            next_run_at: "2026-12-01T03:00:00Z".to_owned(),
        };
        assert_eq!(
            schedule_text(&schedule),
            "Every day at 03:00 UTC, keeping 7"
        );
    }
}
