//! "Restore backup": into a new database by default (nothing the account has is touched); into an
//! existing one only once its name is typed, since its tables are overwritten.
use super::short_time;
use crate::backups::{Backup, Job, RestoreBackup};
use crate::components::form_error::ActionError;
use crate::components::modal::Modal;
use crate::lists::list_databases;
use crate::model::human_size;
use leptos::prelude::*;

/// The new database a restore goes into unless the person says otherwise.
pub fn default_target(database: &str) -> String {
    format!("{database}_restored")
}

/// What the dialog knows of the target database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// No name typed.
    Missing,
    /// The account's databases are still being read.
    Checking,
    /// Not one of the account's databases: the restore creates it.
    New,
    /// One of the account's databases (or it could not be told: the safe guess).
    Existing,
}

/// `existing`: the account's databases once read (`Err`: they could not be).
pub fn classify(target: &str, existing: Option<&Result<Vec<String>, String>>) -> Target {
    let target = target.trim();
    match existing {
        _ if target.is_empty() => Target::Missing,
        None => Target::Checking,
        Some(Ok(names)) if !names.iter().any(|name| name == target) => Target::New,
        Some(_) => Target::Existing,
    }
}

/// Whether "Restore" may be pressed: a new database at once, an existing one once its name is typed.
pub fn may_restore(target: Target, name: &str, typed: &str) -> bool {
    match target {
        Target::New => true,
        Target::Existing => typed.trim() == name.trim(),
        Target::Missing | Target::Checking => false,
    }
}

#[component]
pub fn RestoreDialog(
    backup: Backup,
    on_close: Callback<()>,
    on_started: Callback<Job>,
) -> impl IntoView {
    let restore = ServerAction::<RestoreBackup>::new();
    let target = RwSignal::new(default_target(&backup.database));
    let typed = RwSignal::new(String::new());
    let existing = RwSignal::new(None::<Result<Vec<String>, String>>);
    // The dialog only opens in the browser, from a click.
    leptos::task::spawn_local(async move {
        let names = list_databases()
            .await
            .map(|list| list.databases.into_iter().map(|db| db.name).collect());
        let _ = existing.try_set(Some(names.map_err(|e| e.message)));
    });
    let kind = Memo::new(move |_| existing.with(|names| classify(&target.get(), names.as_ref())));
    Effect::new(move |_| {
        if let Some(Ok(job)) = restore.value().get() {
            on_started.run(job);
        }
    });
    let summary = format!(
        "The backup of {} from {}{}.",
        backup.database,
        short_time(&backup.created_at),
        backup
            .size_bytes
            .map(|size| format!(" ({})", human_size(size)))
            .unwrap_or_default(),
    );
    let id = backup.id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = target.get_untracked().trim().to_owned();
        if may_restore(kind.get_untracked(), &name, &typed.get_untracked()) {
            restore.dispatch(RestoreBackup {
                id: id.clone(),
                request: crate::backups::RestoreRequest { database: name },
            });
        }
    };
    let warning = move || match kind.get() {
        Target::Existing => {
            let name = target.get().trim().to_owned();
            let message = match existing
                .with(|names| names.as_ref().and_then(|r| r.as_ref().err()).cloned())
            {
                Some(why) => format!(
                    "Whether {name} exists could not be checked ({why}). If it does, its tables will be overwritten by the backup's."
                ),
                None => format!(
                    "{name} already exists: its tables will be overwritten by the backup's."
                ),
            };
            Some(view! {
                <p class="warning">{message}</p>
                <label for="restore-confirm">"Type the database name to confirm"</label>
                <NameInput id="restore-confirm" value=typed/>
            })
        }
        _ => None,
    };
    view! {
        <Modal labelled_by="restore-title" on_close>
            <h2 id="restore-title">"Restore backup"</h2>
            <p>{summary}</p>
            <form on:submit=submit>
                <label for="restore-target">"Target database"</label>
                <NameInput id="restore-target" value=target described_by="restore-target-hint"/>
                <p id="restore-target-hint" class="hint">
                    "Restoring into a new database is the safe default: it is created for the restore, and "
                    "nothing you have now is changed. Compare, then switch your application over."
                </p>
                {warning}
                {move || (kind.get() == Target::Checking).then(|| view! { <p class="muted" role="status">"Checking your databases…"</p> })}
                <ActionError action=restore/>
                <div class="modal-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button
                        type="submit"
                        class=move || if kind.get() == Target::Existing { "button danger" } else { "button primary" }
                        disabled=move || restore.pending().get() || !may_restore(kind.get(), &target.get(), &typed.get())
                    >
                        "Restore"
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// A text box for a database name, bound to `value`.
#[component]
fn NameInput(
    id: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] described_by: Option<&'static str>,
) -> impl IntoView {
    view! {
        <input
            id=id
            type="text"
            class="mono"
            autocomplete="off"
            spellcheck="false"
            aria-describedby=described_by
            bind:value=value
        />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Option<Result<Vec<String>, String>> {
        Some(Ok(list.iter().map(|name| name.to_string()).collect()))
    }

    #[test]
    fn the_default_target_is_a_new_name() {
        assert_eq!(default_target("acme_shop"), "acme_shop_restored");
    }

    #[test]
    fn targets_are_new_existing_or_not_yet_known() {
        let account = names(&["acme_shop", "acme_app"]);
        assert_eq!(
            classify("acme_shop_restored", account.as_ref()),
            Target::New
        );
        assert_eq!(classify("acme_shop", account.as_ref()), Target::Existing);
        assert_eq!(classify(" acme_app ", account.as_ref()), Target::Existing);
        assert_eq!(
            classify("ACME_APP", account.as_ref()),
            Target::New,
            "names are compared as MariaDB on Linux does"
        );
        assert_eq!(classify("  ", account.as_ref()), Target::Missing);
        assert_eq!(classify("acme_x", None), Target::Checking);
        let unknown = Some(Err("MySQL is unavailable".to_owned()));
        assert_eq!(
            classify("acme_x", unknown.as_ref()),
            Target::Existing,
            "unknown is treated as existing"
        );
    }

    #[test]
    fn an_existing_target_needs_its_name_typed() {
        assert!(may_restore(Target::New, "acme_shop_restored", ""));
        assert!(!may_restore(Target::Existing, "acme_shop", ""));
        assert!(!may_restore(Target::Existing, "acme_shop", "acme_sho"));
        assert!(may_restore(Target::Existing, "acme_shop", "acme_shop"));
        assert!(may_restore(Target::Existing, " acme_shop", "acme_shop "));
        assert!(!may_restore(Target::Checking, "acme_x", "acme_x"));
        assert!(!may_restore(Target::Missing, "", ""));
    }
}
