//! "Backups": "Back up now", the database's backups (newest first) with live progress, and per
//! backup Download, Restore (the dialog in `restore`) and Delete.
use super::restore::RestoreDialog;
use super::{JobProgress, ListError, Live, StatusBadge, short_time};
use crate::backups::{
    Backup, BackupKind, BackupList, CreateBackup, DeleteBackup, Job, JobList, JobStatus,
};
use crate::components::confirm::ConfirmAction;
use crate::components::form_error::ActionError;
use crate::components::table::DataTable;
use crate::model::human_size;
use leptos::prelude::*;

#[component]
pub fn Backups(
    database: Signal<String>,
    backups: Live<BackupList>,
    jobs: Live<JobList>,
) -> impl IntoView {
    let create = ServerAction::<CreateBackup>::new();
    let remove = ServerAction::<DeleteBackup>::new();
    let restoring = RwSignal::new(None::<Backup>);
    let deleting = RwSignal::new(None::<Backup>);
    // A restore into another database is followed on that database's tab: this says where.
    let restore_started = RwSignal::new(None::<String>);
    Effect::watch(
        move || database.get(),
        move |_, _, _| {
            create.value().set(None);
            restore_started.set(None);
        },
        false,
    );
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) {
            backups.refresh();
        }
    });
    Effect::new(move |_| {
        if matches!(remove.value().get(), Some(Ok(()))) {
            deleting.set(None);
            backups.refresh();
        }
    });
    let on_restore_started = Callback::new(move |job: Job| {
        restoring.set(None);
        if job.database == database.get_untracked() {
            jobs.refresh();
        }
        restore_started.set(Some(job.database));
    });
    view! {
        <section class="card" aria-labelledby="backups-heading">
            <div class="card-head backups-head">
                <h2 id="backups-heading">"Backups"</h2>
                <button
                    type="button"
                    class="button primary"
                    disabled=move || create.pending().get()
                    on:click=move |_| { create.dispatch(CreateBackup { database: database.get_untracked() }); }
                >
                    "Back up now"
                </button>
            </div>
            <p class="hint">
                "A backup is a compressed SQL dump with the row count and checksum of every table, "
                "against which each restore is checked. Backups made here are kept until you delete them."
            </p>
            <ActionError action=create/>
            {move || restore_started.get().map(|target| view! { <RestoreStarted target current=database.get_untracked()/> })}
            <Transition fallback=|| view! { <p class="muted">"Loading backups…"</p> }>
                {move || Suspend::new(async move {
                    backups.ready().await;
                    view! { <BackupTable backups restoring deleting/> }
                })}
            </Transition>
        </section>
        {move || restoring.get().map(|backup| view! {
            <RestoreDialog backup on_close=Callback::new(move |()| restoring.set(None)) on_started=on_restore_started/>
        })}
        {move || deleting.get().map(|backup| view! {
            <ConfirmAction
                action=remove
                input=DeleteBackup { id: backup.id.clone() }
                title="Delete this backup?".to_owned()
                message=format!(
                    "The backup of {} from {} is deleted from the panel's storage. It cannot be undone.",
                    backup.database,
                    short_time(&backup.created_at),
                )
                confirm_label="Delete"
                on_close=Callback::new(move |()| deleting.set(None))
            />
        })}
    }
}

/// "Restore started into acme_shop_restored", linking to where that restore is followed.
#[component]
pub fn RestoreStarted(target: String, current: String) -> impl IntoView {
    let elsewhere = target != current;
    let href = format!("/databases/{target}/backups");
    view! {
        <p class="notice" role="status">
            "Restore started into "
            {if elsewhere {
                view! { <a class="mono" href=href>{target}</a>". Follow it on that database's Backups tab." }.into_any()
            } else {
                view! { <span class="mono">{target}</span>". Follow it under “Restores and imports” below." }.into_any()
            }}
        </p>
    }
}

#[component]
fn BackupTable(
    backups: Live<BackupList>,
    restoring: RwSignal<Option<Backup>>,
    deleting: RwSignal<Option<Backup>>,
) -> impl IntoView {
    // Whether there is a list and whether it is empty: the table itself is kept across reads.
    let shape = Memo::new(move |_| {
        backups
            .data
            .with(|list| list.as_ref().map(|l| l.backups.is_empty()))
    });
    let rows = move || {
        backups
            .data
            .with(|list| list.as_ref().map(|l| l.backups.clone()).unwrap_or_default())
    };
    let body = move || {
        match shape.get() {
        None => ().into_any(),
        Some(true) => view! {
            <div class="empty-state"><p>"No backups yet. “Back up now” makes one; a daily backup can be set below."</p></div>
        }
        .into_any(),
        Some(false) => view! {
            <div class="table-scroll">
                <DataTable columns=&["Created", "Kind", "Status", "Size"] with_actions=true plain=true>
                    // Keyed by what a row shows but its progress: a row is made again only when that changes.
                    <For each=rows key=|backup| (backup.id.clone(), backup.status.as_str(), backup.size_bytes, backup.offsite_at.is_some()) let:backup>
                        <BackupRow backup backups restoring deleting/>
                    </For>
                </DataTable>
            </div>
        }
        .into_any(),
    }
    };
    view! {
        <ListError error=backups.error/>
        {body}
    }
}

#[component]
fn BackupRow(
    backup: Backup,
    backups: Live<BackupList>,
    restoring: RwSignal<Option<Backup>>,
    deleting: RwSignal<Option<Backup>>,
) -> impl IntoView {
    let created_id = format!("backup-{}", backup.id);
    let id = backup.id.clone();
    let progress = Signal::derive(move || {
        backups.data.with(|list| {
            list.as_ref()
                .and_then(|l| l.backups.iter().find(|b| b.id == id))
                .map_or((0, 0), |b| (b.bytes_done, b.estimated_bytes))
        })
    });
    let status = backup.status;
    let kind = match backup.kind {
        BackupKind::Manual => "manual",
        BackupKind::Scheduled => "scheduled",
    };
    let size = backup.size_bytes.map_or_else(|| "—".to_owned(), human_size);
    let checksum = backup.sha256.as_ref().map(|sha| format!("SHA-256 {sha}"));
    let state = match status {
        JobStatus::Queued | JobStatus::Running => view! {
            <JobProgress label="Backup progress" status progress about=true/>
        }
        .into_any(),
        JobStatus::Failed => view! { <p class="job-error">{backup.error.clone()}</p> }.into_any(),
        JobStatus::Completed => ().into_any(),
    };
    let actions = match status {
        JobStatus::Completed => {
            let (to_restore, to_delete) = (backup.clone(), backup.clone());
            view! {
                <a class="button small" href=format!("/api/backups/{}/download", backup.id) download aria-describedby=created_id.clone()>
                    "Download"
                </a>
                <button type="button" class="button small" aria-describedby=created_id.clone()
                    on:click=move |_| restoring.set(Some(to_restore.clone()))>
                    "Restore"
                </button>
                <button type="button" class="button small danger-outline" aria-describedby=created_id.clone()
                    on:click=move |_| deleting.set(Some(to_delete.clone()))>
                    "Delete"
                </button>
            }
            .into_any()
        }
        JobStatus::Failed => {
            let to_delete = backup.clone();
            view! {
                <button type="button" class="button small danger-outline" aria-describedby=created_id.clone()
                    on:click=move |_| deleting.set(Some(to_delete.clone()))>
                    "Delete"
                </button>
            }
            .into_any()
        }
        JobStatus::Queued | JobStatus::Running => ().into_any(),
    };
    view! {
        <tr>
            <td id=created_id.clone()>{short_time(&backup.created_at)}</td>
            <td>{kind}</td>
            <td class="status-cell"><StatusBadge status/>{state}</td>
            <td title=checksum>
                {size}
                {backup.offsite_at.as_ref().map(|at| view! {
                    <span class="offsite-copy" title=format!("An encrypted copy is stored off-site ({})", short_time(at))>"off-site copy"</span>
                })}
            </td>
            <td class="actions"><div class="row-actions">{actions}</div></td>
        </tr>
    }
}
