//! "Restore to a point in time": the database as it was at a second, from its last full backup
//! before then and the server's binary log. Into a new database by default; over this database
//! only once its name is typed, since what it holds now is replaced.
use super::backup_list::RestoreStarted;
use super::{Live, utc_second};
use crate::backups::{
    JobList, PointInTimeRestore, RestoreToPointInTime, RestoreWindow, get_restore_window,
};
use crate::components::confirm::ConfirmAction;
use crate::components::form_error::{FormError, failure};
use crate::components::load::Load;
use leptos::prelude::*;

/// A `datetime-local` value, read as UTC (`2026-12-04T10:15:30`; browsers drop `:00` seconds)
/// → `2026-12-04T10:15:30Z`. `None` when nothing is chosen.
pub fn rfc3339_of(local: &str) -> Option<String> {
    let local = local.trim();
    match local.split_once('T')?.1.len() {
        0 => None,
        5 => Some(format!("{local}:00Z")),
        _ => Some(format!("{local}Z")),
    }
}

/// `2026-12-04T10:15:30Z` → `2026-12-04T10:15:30`, what a `datetime-local` input takes.
pub fn local_of(at: &str) -> String {
    at.get(..19).unwrap_or(at).to_owned()
}

/// The new database the server restores into when none is named: `<name>_<yyyymmddhhmmss>`.
pub fn default_target(database: &str, local: &str) -> String {
    let stamp: String = rfc3339_of(local)
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if stamp.is_empty() {
        format!("{database}_yyyymmddhhmmss")
    } else {
        format!("{database}_{stamp}")
    }
}

#[component]
pub fn PointInTime(database: Signal<String>, jobs: Live<JobList>) -> impl IntoView {
    let window = Resource::new(move || database.get(), get_restore_window);
    view! {
        <section class="card" aria-labelledby="point-in-time-heading">
            <h2 id="point-in-time-heading">"Restore to a point in time"</h2>
            <Load resource=window let:window>
                <Reach window jobs/>
            </Load>
        </section>
    }
}

/// The seconds within reach and the form, or why there are none.
#[component]
fn Reach(window: RestoreWindow, jobs: Live<JobList>) -> impl IntoView {
    match (window.from, window.to) {
        (Some(from), Some(to)) => {
            let reach = format!(
                "You can restore this database to any second from {} to {} (UTC).",
                utc_second(&from),
                utc_second(&to),
            );
            view! {
                <p>{reach}</p>
                <RestoreForm database=window.database from to jobs/>
            }
            .into_any()
        }
        _ => view! { <p class="muted">{window.reason}</p> }.into_any(),
    }
}

#[component]
fn RestoreForm(database: String, from: String, to: String, jobs: Live<JobList>) -> impl IntoView {
    let restore = ServerAction::<RestoreToPointInTime>::new();
    let at = RwSignal::new(local_of(&to));
    let target = RwSignal::new(String::new());
    let invalid = RwSignal::new(None::<String>);
    // A restore over the database itself, waiting for its name to be typed.
    let confirming = RwSignal::new(None::<RestoreToPointInTime>);
    let name = StoredValue::new(database);
    Effect::new(move |_| {
        if let Some(Ok(job)) = restore.value().get() {
            confirming.set(None);
            // A restore into another database is followed on that database's tab.
            if job.database == name.get_value() {
                jobs.refresh();
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(at) = rfc3339_of(&at.get_untracked()) else {
            invalid.set(Some("Choose the point in time to restore to.".to_owned()));
            return;
        };
        invalid.set(None);
        let database = name.get_value();
        let into = target.get_untracked().trim().to_owned();
        let over_itself = into == database;
        let input = RestoreToPointInTime {
            database: database.clone(),
            request: PointInTimeRestore {
                at,
                database: Some(into).filter(|into| !into.is_empty()),
                confirm: over_itself.then_some(database),
            },
        };
        if over_itself {
            confirming.set(Some(input));
        } else {
            restore.dispatch(input);
        }
    };
    let failed = failure(restore);
    // While the dialog is open it shows the failure itself.
    let error = move || {
        invalid
            .get()
            .or_else(|| failed.get())
            .filter(|_| confirming.with(Option::is_none))
    };
    let started = move || {
        restore
            .value()
            .get()
            .and_then(Result::ok)
            .map(|job| view! { <RestoreStarted target=job.database current=name.get_value()/> })
    };
    let dialog = move || {
        confirming.get().map(|input| {
            let database = name.get_value();
            let message = format!(
                "{database} is replaced by what it held at {} UTC: every change made to it since then is lost.",
                utc_second(&input.request.at),
            );
            view! {
                <ConfirmAction
                    action=restore
                    input
                    title="Restore over this database?".to_owned()
                    message
                    confirm_label="Restore"
                    type_to_confirm=database
                    on_close=Callback::new(move |()| confirming.set(None))
                />
            }
        })
    };
    view! {
        <form on:submit=submit>
            <div class="schedule-fields">
                <div>
                    <label for="point-in-time-at">"Point in time (UTC)"</label>
                    // No `max`: the archive keeps growing after the page is read, the server
                    // checks the latest second.
                    <input
                        id="point-in-time-at"
                        type="datetime-local"
                        step="1"
                        min=local_of(&from)
                        required
                        bind:value=at
                    />
                </div>
            </div>
            <label for="point-in-time-target">"Restore into"</label>
            <div class="field-row">
                <input
                    id="point-in-time-target"
                    type="text"
                    class="mono"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder=move || name.with_value(|name| default_target(name, &at.get()))
                    aria-describedby="point-in-time-target-hint"
                    bind:value=target
                />
                <button type="submit" class="button primary" disabled=move || restore.pending().get()>
                    "Restore to this point"
                </button>
            </div>
            <p id="point-in-time-target-hint" class="hint">
                "Left empty, a new database named after the time is created for the restore, and "
                "nothing you have now is changed. Naming this database replaces what it holds now."
            </p>
            {move || error().map(|message| view! { <FormError message/> })}
            {started}
        </form>
        {dialog}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chosen_second_is_sent_as_utc() {
        assert_eq!(
            rfc3339_of("2026-12-04T10:15:30").as_deref(),
            Some("2026-12-04T10:15:30Z")
        );
        assert_eq!(
            rfc3339_of(" 2026-12-04T10:15 ").as_deref(),
            Some("2026-12-04T10:15:00Z"),
            "browsers leave out zero seconds"
        );
        assert_eq!(rfc3339_of(""), None);
        assert_eq!(rfc3339_of("2026-12-04T"), None);
    }

    #[test]
    fn the_input_starts_from_the_servers_time() {
        assert_eq!(local_of("2026-12-04T10:15:30Z"), "2026-12-04T10:15:30");
        assert_eq!(local_of("soon"), "soon");
    }

    #[test]
    fn the_default_target_is_named_after_the_second() {
        assert_eq!(
            default_target("acme_shop", "2026-12-04T10:15:30"),
            "acme_shop_20261204101530"
        );
        assert_eq!(
            default_target("acme_shop", "2026-12-04T10:15"),
            "acme_shop_20261204101500"
        );
        assert_eq!(default_target("acme_shop", ""), "acme_shop_yyyymmddhhmmss");
    }
}
