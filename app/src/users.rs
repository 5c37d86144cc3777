//! Database users: create (with a generated password shown once), change password, delete, and a
//! privileges editor per user × database with presets.
use crate::components::form_error::{ActionError, FormError, failure};
use crate::components::table::DataTable;
use crate::components::{confirm::ConfirmAction, modal::Modal, reveal::RevealSecret};
use crate::error::AppError;
use crate::layout::WithPrefix;
use crate::lists::{list_databases, list_users};
use crate::model::{CreatedUser, DbUser, Grant};
use crate::privilege::Privilege;
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "create_user", input = leptos::server_fn::codec::Json)]
pub async fn create_user(request: crate::model::CreateUser) -> Result<CreatedUser, AppError> {
    use panel_core::services::db_users;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        db_users::create(
            &state.mysql_for(&caller).await?,
            &state.store,
            &caller,
            &request,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "set_user_password", input = leptos::server_fn::codec::Json)]
pub async fn set_user_password(
    name: String,
    request: crate::model::SetPassword,
) -> Result<(), AppError> {
    use panel_core::services::db_users;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        db_users::set_password(
            &state.mysql_for(&caller).await?,
            &state.store,
            &caller,
            &db_users::owned(&caller, &name)?,
            &request.password,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_user")]
pub async fn delete_user(name: String) -> Result<(), AppError> {
    use panel_core::services::db_users;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        db_users::delete(
            &state.mysql_for(&caller).await?,
            &state.store,
            &caller,
            &db_users::owned(&caller, &name)?,
        )
        .await
    })
    .await
}

/// `privileges` is comma-separated (privilege names contain no commas).
#[server(prefix = "/rpc", endpoint = "set_privileges", input = leptos::server_fn::codec::Json)]
pub async fn set_privileges(
    user: String,
    database: String,
    request: crate::model::SetPrivileges,
) -> Result<Grant, AppError> {
    use panel_core::services::db_users;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        db_users::set_privileges(
            &state.mysql_for(&caller).await?,
            &state.store,
            &caller,
            (&user, &database),
            &request,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "revoke_privileges")]
pub async fn revoke_privileges(user: String, database: String) -> Result<(), AppError> {
    use panel_core::services::db_users;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        db_users::revoke_privileges(
            &state.mysql_for(&caller).await?,
            &state.store,
            &caller,
            (&user, &database),
        )
        .await
    })
    .await
}

/// Which dialog the page shows.
#[derive(Clone)]
enum Dialog {
    Password(String),
    Delete(String),
    Privileges {
        user: String,
        database: String,
        current: Vec<Privilege>,
    },
}

#[derive(Clone, Copy)]
struct Actions {
    add: ServerAction<CreateUser>,
    password: ServerAction<SetUserPassword>,
    remove: ServerAction<DeleteUser>,
    update: ServerAction<SetPrivileges>,
    revoke: ServerAction<RevokePrivileges>,
    dialog: RwSignal<Option<Dialog>>,
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let actions = Actions {
        add: ServerAction::new(),
        password: ServerAction::new(),
        remove: ServerAction::new(),
        update: ServerAction::new(),
        revoke: ServerAction::new(),
        dialog: RwSignal::new(None),
    };
    let users = Resource::new(
        move || {
            (
                actions.add.version().get(),
                actions.remove.version().get(),
                actions.update.version().get(),
                actions.revoke.version().get(),
            )
        },
        |_| list_users(),
    );
    let databases = Resource::new(|| (), |_| list_databases());
    // Each dialog closes when its action succeeds.
    Effect::new(move |_| {
        let done = matches!(actions.password.value().get(), Some(Ok(())))
            || matches!(actions.remove.value().get(), Some(Ok(())))
            || matches!(actions.update.value().get(), Some(Ok(_)))
            || matches!(actions.revoke.value().get(), Some(Ok(())));
        if done {
            actions.dialog.set(None);
        }
    });
    provide_context(actions);
    view! {
        <h1>"Database users"</h1>
        <WithPrefix children=|prefix| view! { <CreateUserForm prefix/> }/>
        <Transition fallback=|| view! { <p class="muted">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                let database_names: Vec<String> =
                    databases.await.map(|l| l.databases.into_iter().map(|d| d.name).collect()).unwrap_or_default();
                match users.await {
                    Ok(list) if list.users.is_empty() => view! {
                        <div class="empty-state"><p>"No database users yet. Create one above, then give it access to a database."</p></div>
                    }.into_any(),
                    Ok(list) => list.users.into_iter()
                        .map(|user| view! { <UserCard user database_names=database_names.clone()/> })
                        .collect_view().into_any(),
                    Err(err) => view! { <FormError message=err.message/> }.into_any(),
                }
            })}
        </Transition>
        <DialogHost/>
        {move || actions.add.value().get().and_then(Result::ok).and_then(|created| created.password.map(|password| view! {
            <RevealSecret
                title=format!("Password for {}", created.name)
                secret=password
                testid="new-password"
                on_done=Callback::new(move |_| actions.add.value().set(None))
            />
        }))}
    }
}

#[component]
fn CreateUserForm(prefix: String) -> impl IntoView {
    let Actions { add, .. } = expect_context::<Actions>();
    let adornment = format!("{prefix}_");
    let suffix = RwSignal::new(String::new());
    let generate = RwSignal::new(true);
    let password = RwSignal::new(String::new());
    Effect::new(move |_| {
        if matches!(add.value().get(), Some(Ok(_))) {
            suffix.set(String::new());
            password.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(CreateUser {
            request: crate::model::CreateUser {
                name: format!("{prefix}_{}", suffix.get_untracked().trim()),
                password: (!generate.get_untracked()).then(|| password.get_untracked()),
            },
        });
    };
    view! {
        <form class="card inline-form" on:submit=submit>
            <label for="user-name">"User name"</label>
            <div class="field-row">
                <span id="user-prefix" class="adornment mono">{adornment}</span>
                <input id="user-name" type="text" class="mono" placeholder="app" autocomplete="off" required aria-describedby="user-prefix"
                    bind:value=suffix/>
                <button type="submit" class="button primary" disabled=move || add.pending().get()>"Create user"</button>
            </div>
            <label class="checkbox">
                <input type="checkbox" prop:checked=move || generate.get() on:change=move |ev| generate.set(event_target_checked(&ev))/>
                "Generate a strong password"
            </label>
            <Show when=move || !generate.get()>
                <label for="user-password">"Password"</label>
                <input id="user-password" type="password" autocomplete="new-password" minlength="12"
                    bind:value=password/>
                <p class="hint">"12–128 characters."</p>
            </Show>
            <ActionError action=add/>
        </form>
    }
}

#[component]
fn UserCard(user: DbUser, database_names: Vec<String>) -> impl IntoView {
    let Actions { dialog, .. } = expect_context::<Actions>();
    let DbUser { name, databases } = user;
    let ungranted: Vec<String> = database_names
        .into_iter()
        .filter(|db| !databases.iter().any(|d| &d.database == db))
        .collect();
    let rows = databases
        .into_iter()
        .map(|grant| {
            let current: Vec<Privilege> = grant.privileges.iter().filter_map(|p| Privilege::parse(p)).collect();
            let (user, database) = (name.clone(), grant.database.clone());
            view! {
                <tr>
                    <td class="mono">{grant.database.clone()}</td>
                    <td>{grant.privileges.join(", ")}</td>
                    <td class="actions">
                        <button type="button" class="button small"
                            aria-label=format!("Edit privileges of {} on {}", name, grant.database)
                            on:click=move |_| dialog.set(Some(Dialog::Privileges { user: user.clone(), database: database.clone(), current: current.clone() }))>
                            "Edit"
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let chosen = RwSignal::new(ungranted.first().cloned().unwrap_or_default());
    let has_ungranted = !ungranted.is_empty();
    let options = ungranted;
    let (for_password, for_delete, for_grant) = (name.clone(), name.clone(), name.clone());
    let select_id = format!("grant-{name}");
    view! {
        <section class="card user-card" aria-label=format!("User {name}")>
            <div class="card-head">
                <h2 class="mono">{name.clone()}</h2>
                <div class="button-row">
                    <button type="button" class="button small" on:click=move |_| dialog.set(Some(Dialog::Password(for_password.clone())))>"Change password"</button>
                    <button type="button" class="button small danger-outline" on:click=move |_| dialog.set(Some(Dialog::Delete(for_delete.clone())))>"Delete user"</button>
                </div>
            </div>
            <DataTable columns=&["Database", "Privileges"] with_actions=true plain=true>{rows}</DataTable>
            <Show when=move || has_ungranted>
                <div class="field-row grant-row">
                    <label for=select_id.clone()>"Give access to"</label>
                    <select id=select_id.clone() on:change=move |ev| chosen.set(event_target_value(&ev))>
                        {options.iter().map(|db| view! { <option value=db.clone()>{db.clone()}</option> }).collect_view()}
                    </select>
                    <button type="button" class="button small" on:click={
                        let user = for_grant.clone();
                        move |_| dialog.set(Some(Dialog::Privileges { user: user.clone(), database: chosen.get(), current: Vec::new() }))
                    }>"Choose privileges…"</button>
                </div>
            </Show>
        </section>
    }
}

#[component]
fn DialogHost() -> impl IntoView {
    let actions = expect_context::<Actions>();
    let close = Callback::new(move |_| {
        actions.dialog.set(None);
        actions.password.value().set(None);
        actions.remove.value().set(None);
        actions.update.value().set(None);
        actions.revoke.value().set(None);
    });
    move || {
        actions.dialog.get().map(|dialog| match dialog {
            Dialog::Password(name) => view! { <PasswordDialog name on_close=close/> }.into_any(),
            Dialog::Delete(name) => view! {
                <ConfirmAction
                    action=actions.remove
                    input=DeleteUser { name: name.clone() }
                    title=format!("Delete user {name}?")
                    message="The MySQL account is removed at every host; applications using it can no longer connect.".to_owned()
                    confirm_label="Delete"
                    on_close=close
                />
            }.into_any(),
            Dialog::Privileges { user, database, current } => view! {
                <PrivilegesDialog user database current on_close=close/>
            }.into_any(),
        })
    }
}

#[component]
fn PasswordDialog(name: String, on_close: Callback<()>) -> impl IntoView {
    let Actions {
        password: action, ..
    } = expect_context::<Actions>();
    let password = RwSignal::new(String::new());
    let title = format!("New password for {name}");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SetUserPassword {
            name: name.clone(),
            request: crate::model::SetPassword {
                password: password.get_untracked(),
            },
        });
    };
    view! {
        <Modal labelled_by="password-title" on_close=on_close>
            <h2 id="password-title">{title}</h2>
            <form on:submit=submit>
                <label for="new-password">"New password"</label>
                <input id="new-password" type="password" autocomplete="new-password" minlength="12" required
                    bind:value=password/>
                <p class="hint">"12–128 characters. Every host's account of this user gets it."</p>
                <ActionError action/>
                <div class="modal-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>"Save password"</button>
                </div>
            </form>
        </Modal>
    }
}

#[component]
fn PrivilegesDialog(
    user: String,
    database: String,
    current: Vec<Privilege>,
    on_close: Callback<()>,
) -> impl IntoView {
    let Actions { update, revoke, .. } = expect_context::<Actions>();
    let had_any = !current.is_empty();
    let selected = RwSignal::new(current);
    let toggle = move |p: Privilege, on: bool| {
        selected.update(|set| {
            set.retain(|x| *x != p);
            if on {
                set.push(p);
                set.sort();
            }
        })
    };
    let title = format!("Privileges of {user} on {database}");
    let (update_failed, revoke_failed) = (failure(update), failure(revoke));
    let (save_user, save_db) = (user.clone(), database.clone());
    let save = move |_| {
        let privileges = selected
            .get_untracked()
            .iter()
            .map(|p| p.sql().to_owned())
            .collect();
        update.dispatch(SetPrivileges {
            user: save_user.clone(),
            database: save_db.clone(),
            request: crate::model::SetPrivileges { privileges },
        });
    };
    let revoke_all = move |_| {
        revoke.dispatch(RevokePrivileges {
            user: user.clone(),
            database: database.clone(),
        });
    };
    let boxes = Privilege::ALL
        .into_iter()
        .map(|p| view! {
            <label class="checkbox">
                <input type="checkbox" prop:checked=move || selected.get().contains(&p) on:change=move |ev| toggle(p, event_target_checked(&ev))/>
                {p.sql()}
            </label>
        })
        .collect_view();
    let preset = move |list: &'static [Privilege]| move |_| selected.set(list.to_vec());
    view! {
        <Modal labelled_by="privileges-title" on_close=on_close>
            <h2 id="privileges-title">{title}</h2>
            <div class="button-row presets" role="group" aria-label="Presets">
                <button type="button" class="button small" on:click=preset(&Privilege::READ_ONLY)>"Read only"</button>
                <button type="button" class="button small" on:click=preset(&Privilege::READ_WRITE)>"Read/write"</button>
                <button type="button" class="button small" on:click=preset(&Privilege::ALL)>"All"</button>
            </div>
            <fieldset class="privilege-grid">
                <legend class="visually-hidden">"Privileges"</legend>
                {boxes}
            </fieldset>
            {move || update_failed.get().or(revoke_failed.get()).map(|message| view! { <FormError message/> })}
            <div class="modal-actions">
                <Show when=move || had_any>
                    <button type="button" class="button danger-outline" on:click=revoke_all.clone()>"Revoke all"</button>
                </Show>
                <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="button primary" disabled=move || update.pending().get() || selected.get().is_empty() on:click=save>"Save"</button>
            </div>
        </Modal>
    }
}
