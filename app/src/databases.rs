//! Databases: the list with sizes and users, creating one, deleting one (typing its name).
use crate::components::confirm::ConfirmAction;
use crate::components::form_error::{FormError, failure};
use crate::components::table::DataTable;
use crate::error::AppError;
use crate::layout::WithPrefix;
use crate::lists::{list_databases, list_users};
use crate::model::{Database, DatabaseList, UserList, human_size};
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "create_database", input = leptos::server_fn::codec::Json)]
pub async fn create_database(request: crate::model::CreateDatabase) -> Result<Database, AppError> {
    use panel_core::services::databases;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        databases::create(
            &state.mysql_for(&caller).await?,
            &state.store,
            &caller,
            &request,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_database")]
pub async fn delete_database(name: String) -> Result<(), AppError> {
    use panel_core::services::databases;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        databases::delete(
            &state.mysql_for(&caller).await?,
            &state.store,
            &caller,
            &databases::owned(&caller, &name)?,
        )
        .await
    })
    .await
}

#[component]
pub fn DatabasesPage() -> impl IntoView {
    let add = ServerAction::<CreateDatabase>::new();
    let remove = ServerAction::<DeleteDatabase>::new();
    let databases = Resource::new(
        move || (add.version().get(), remove.version().get()),
        |_| list_databases(),
    );
    let users = Resource::new(move || remove.version().get(), |_| list_users());
    let deleting = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if matches!(remove.value().get(), Some(Ok(()))) {
            deleting.set(None);
        }
    });
    view! {
        <h1>"Databases"</h1>
        <WithPrefix children=move |prefix| view! { <CreateDatabaseForm add prefix/> }/>
        <Transition fallback=|| view! { <p class="muted">"Loading databases…"</p> }>
            {move || Suspend::new(async move {
                let users = users.await.unwrap_or(UserList { users: Vec::new() });
                match databases.await {
                    Ok(list) if list.databases.is_empty() => view! {
                        <div class="empty-state"><p>"No databases yet. Create your first one above."</p></div>
                    }.into_any(),
                    Ok(list) => view! { <DatabaseTable list users deleting/> }.into_any(),
                    Err(err) => view! { <FormError message=err.message/> }.into_any(),
                }
            })}
        </Transition>
        <crate::usage::UsageBars/>
        {move || deleting.get().map(|name| view! {
            <ConfirmAction
                action=remove
                input=DeleteDatabase { name: name.clone() }
                title=format!("Delete database {name}?")
                message="This drops the database with all its tables and data, and revokes every grant on it. It cannot be undone.".to_owned()
                confirm_label="Delete"
                type_to_confirm=name.clone()
                on_close=Callback::new(move |()| deleting.set(None))
            />
        })}
    }
}

#[component]
fn CreateDatabaseForm(add: ServerAction<CreateDatabase>, prefix: String) -> impl IntoView {
    let adornment = format!("{prefix}_");
    let suffix = RwSignal::new(String::new());
    let error = failure(add);
    Effect::new(move |_| {
        if matches!(add.value().get(), Some(Ok(_))) {
            suffix.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(CreateDatabase {
            request: crate::model::CreateDatabase {
                name: format!("{prefix}_{}", suffix.get_untracked().trim()),
                charset: None,
                collation: None,
            },
        });
    };
    view! {
        <form class="card inline-form" on:submit=submit>
            <label for="db-name">"Database name"</label>
            <div class="field-row">
                <span id="db-prefix" class="adornment mono">{adornment}</span>
                <input
                    id="db-name"
                    type="text"
                    class="mono"
                    placeholder="shop"
                    autocomplete="off"
                    required
                    aria-describedby="db-prefix db-name-hint"
                    bind:value=suffix
                />
                <button type="submit" class="button primary" disabled=move || add.pending().get()>"Create database"</button>
            </div>
            <p id="db-name-hint" class="hint">"Lowercase letters, digits and _; utf8mb4."</p>
            {move || error.get().map(|message| view! { <FormError message/> })}
        </form>
    }
}

#[component]
fn DatabaseTable(
    list: DatabaseList,
    users: UserList,
    deleting: RwSignal<Option<String>>,
) -> impl IntoView {
    let rows = list
        .databases
        .into_iter()
        .map(|db| {
            let holders: Vec<String> = users
                .users
                .iter()
                .filter(|u| u.databases.iter().any(|d| d.database == db.name))
                .map(|u| u.name.clone())
                .collect();
            let name = db.name.clone();
            let href = format!("/databases/{}", db.name);
            view! {
                <tr>
                    <td class="mono"><a href=href>{db.name.clone()}</a></td>
                    <td>{human_size(db.size_bytes)}</td>
                    <td>{db.tables}</td>
                    <td>{db.charset}</td>
                    <td class="mono">{if holders.is_empty() { "—".to_owned() } else { holders.join(", ") }}</td>
                    <td class="actions">
                        <button
                            type="button"
                            class="button small"
                            aria-label=format!("Delete database {}", db.name)
                            on:click=move |_| deleting.set(Some(name.clone()))
                        >
                            "Delete"
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable columns=&["Name", "Size", "Tables", "Charset", "Users"] with_actions=true>{rows}</DataTable>
    }
}
