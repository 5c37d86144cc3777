//! Activity: the account's audit log (sign-ins, key changes, every change to databases, users,
//! privileges and the whitelist), newest first, a page at a time.
pub use types::activity::{Action, AuditEvent, AuditPage};

use crate::components::load::Load;
use crate::components::table::DataTable;
use crate::error::AppError;
use leptos::prelude::*;
use std::collections::BTreeMap;

#[server(prefix = "/rpc", endpoint = "list_activity")]
pub async fn list_activity(before: Option<String>) -> Result<AuditPage, AppError> {
    use panel_core::services::audit;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in_even_if_suspended().await?;
        audit::page(&state.store, &caller, before.as_deref(), None).await
    })
    .await
}

/// An event's details as one line: `key: value · key: value`.
pub fn describe(details: &BTreeMap<String, String>) -> String {
    details
        .iter()
        .map(|(key, value)| format!("{key}: {value}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    // The cursors of the pages seen so far: the last one is on screen (None = the newest page).
    let cursors = RwSignal::new(vec![None::<String>]);
    let page = Resource::new(
        move || cursors.get().last().cloned().flatten(),
        list_activity,
    );
    view! {
        <h1>"Activity"</h1>
        <p class="muted">"Sign-ins, API key changes and every change to your databases, users and whitelist."</p>
        <Load resource=page let:page>
            {if page.events.is_empty() {
                view! { <div class="empty-state"><p>"Nothing has happened yet."</p></div> }.into_any()
            } else {
                view! { <EventTable page cursors/> }.into_any()
            }}
        </Load>
    }
}

#[component]
fn EventTable(page: AuditPage, cursors: RwSignal<Vec<Option<String>>>) -> impl IntoView {
    let rows = page
        .events
        .into_iter()
        .map(|event| {
            view! {
                <tr>
                    <td>{event.at}</td>
                    <td class="mono">{event.action}</td>
                    <td>{describe(&event.details)}</td>
                    <td class="mono">{event.actor}</td>
                    <td class="mono">{event.source_ip.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let next = page.next;
    let no_older = next.is_none();
    let has_newer = move || cursors.with(|c| c.len() > 1);
    view! {
        <DataTable columns=&["Time", "Event", "Details", "By", "From"]>{rows}</DataTable>
        <div class="form-actions">
            <button type="button" class="button" disabled=move || !has_newer()
                on:click=move |_| cursors.update(|c| { c.pop(); })>"Newer"</button>
            <button type="button" class="button" disabled=no_older
                on:click=move |_| { let next = next.clone(); cursors.update(|c| c.push(next)); }>"Older"</button>
        </div>
    }
}
