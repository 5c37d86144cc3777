//! IP whitelist: remote hosts allowed to connect to the account's databases (localhost always is).
use crate::components::confirm::ConfirmAction;
use crate::components::form_error::ActionError;
use crate::components::load::Load;
use crate::components::table::DataTable;
use crate::error::AppError;
use crate::host::HostPattern;
use crate::model::{Whitelist, WhitelistEntry};
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "list_whitelist")]
pub async fn list_whitelist() -> Result<Whitelist, AppError> {
    use panel_core::services::whitelist;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        Ok(Whitelist {
            entries: whitelist::list(&state.store, &caller).await?,
        })
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "add_to_whitelist", input = leptos::server_fn::codec::Json)]
pub async fn add_to_whitelist(
    request: crate::model::NewWhitelistEntry,
) -> Result<WhitelistEntry, AppError> {
    use panel_core::services::whitelist;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        whitelist::add(
            &state.store,
            &state.mysql_for(&caller).await?,
            &caller,
            &request,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "remove_from_whitelist")]
pub async fn remove_from_whitelist(id: i64) -> Result<(), AppError> {
    use panel_core::services::whitelist;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        whitelist::remove(&state.store, &state.mysql_for(&caller).await?, &caller, id).await
    })
    .await
}

/// The address this request came from, for "Add my current IP".
#[server(prefix = "/rpc", endpoint = "my_ip")]
pub async fn my_ip() -> Result<String, AppError> {
    let request = crate::rpc::request().await?;
    request
        .client
        .ip
        .map(|ip| ip.to_canonical().to_string())
        .ok_or_else(|| AppError::not_found("Your address is unknown."))
}

fn warning_for(host: &str) -> Option<&'static str> {
    match HostPattern::parse(host) {
        Ok(HostPattern::Any) => {
            Some("% lets every host on the internet try to log in as your database users.")
        }
        Ok(pattern) if pattern.is_wide() => {
            Some("This range is very wide (/8 or more): millions of addresses may try to log in.")
        }
        _ => None,
    }
}

#[component]
pub fn WhitelistPage() -> impl IntoView {
    let add = ServerAction::<AddToWhitelist>::new();
    let remove = ServerAction::<RemoveFromWhitelist>::new();
    let entries = Resource::new(
        move || (add.version().get(), remove.version().get()),
        |_| list_whitelist(),
    );
    let removing = RwSignal::new(None::<WhitelistEntry>);
    Effect::new(move |_| {
        if matches!(remove.value().get(), Some(Ok(()))) {
            removing.set(None);
        }
    });
    view! {
        <h1>"IP whitelist"</h1>
        <p class="muted">
            "Your database users can always connect from this server (localhost). Add the addresses of your "
            "office or application servers to let them connect from there too."
        </p>
        <AddEntryForm add/>
        <Load resource=entries let:list>
            {if list.entries.is_empty() {
                view! {
                    <div class="empty-state"><p>"No remote hosts yet: only localhost may connect."</p></div>
                }.into_any()
            } else {
                view! { <EntryTable list removing/> }.into_any()
            }}
        </Load>
        {move || removing.get().map(|entry| view! {
            <ConfirmAction
                action=remove
                input=RemoveFromWhitelist { id: entry.id }
                title=format!("Remove {}?", entry.host)
                message="Your database users can no longer connect from this host; their open connections from it are closed now.".to_owned()
                confirm_label="Remove"
                on_close=Callback::new(move |()| removing.set(None))
            />
        })}
    }
}

#[component]
fn AddEntryForm(add: ServerAction<AddToWhitelist>) -> impl IntoView {
    let host = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let my_ip = ServerAction::<MyIp>::new();
    Effect::new(move |_| {
        if let Some(Ok(ip)) = my_ip.value().get() {
            host.set(ip);
        }
    });
    Effect::new(move |_| {
        if matches!(add.value().get(), Some(Ok(_))) {
            host.set(String::new());
            note.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(AddToWhitelist {
            request: crate::model::NewWhitelistEntry {
                host: host.get_untracked(),
                note: Some(note.get_untracked()),
            },
        });
    };
    view! {
        <form class="card" on:submit=submit>
            <label for="wl-host">"Host or network"</label>
            <div class="field-row">
                <input id="wl-host" type="text" class="mono" placeholder="203.0.113.5 or 203.0.113.0/24" autocomplete="off" required
                    bind:value=host/>
                <button type="button" class="button" on:click=move |_| { my_ip.dispatch(MyIp {}); }>"Add my current IP"</button>
            </div>
            {move || warning_for(&host.get()).map(|text| view! { <p class="warning" role="status">{text}</p> })}
            <label for="wl-note">"Note"</label>
            <input id="wl-note" type="text" maxlength="200" placeholder="Office, CI runner, …"
                bind:value=note/>
            <ActionError action=add/>
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || add.pending().get()>"Add to whitelist"</button>
            </div>
        </form>
    }
}

#[component]
fn EntryTable(list: Whitelist, removing: RwSignal<Option<WhitelistEntry>>) -> impl IntoView {
    let rows = list
        .entries
        .into_iter()
        .map(|entry| {
            let warning = warning_for(&entry.host);
            let label = format!("Remove {}", entry.host);
            let target = entry.clone();
            view! {
                <tr>
                    <td class="mono">
                        {entry.host.clone()}
                        {warning.map(|w| view! { <span class="badge danger" title=w>" wide"</span> })}
                    </td>
                    <td>{entry.note}</td>
                    <td>{entry.created_at}</td>
                    <td class="actions">
                        <button type="button" class="button small" aria-label=label on:click=move |_| removing.set(Some(target.clone()))>
                            "Remove"
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable columns=&["Host", "Note", "Added"] with_actions=true>{rows}</DataTable>
    }
}
