//! Admin → Accounts: every account with its plan, server, state and usage; changing its plan,
//! suspending (with a reason the customer is shown) and resuming it, resetting its two-factor
//! sign-in, deleting it (typing its email), and creating one.
use crate::components::form_error::ActionError;
use crate::components::load::Load;
use crate::components::modal::Modal;
use crate::components::table::DataTable;
use crate::error::AppError;
use crate::model::human_size;
use leptos::either::Either;
use leptos::prelude::*;
use types::admin::{
    AdminAccount, AdminAccountList, AdminPlanList, CloseAccount, ClosedAccount, NewAccount,
};

#[server(prefix = "/rpc", endpoint = "admin_list_accounts")]
pub async fn admin_list_accounts(search: Option<String>) -> Result<AdminAccountList, AppError> {
    use panel_core::services::admin;
    crate::rpc::answer(async {
        let (state, _) = super::operator().await?;
        Ok(AdminAccountList {
            accounts: admin::accounts(&state.store, search.as_deref()).await?,
        })
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "admin_create_account", input = leptos::server_fn::codec::Json)]
pub async fn admin_create_account(request: NewAccount) -> Result<AdminAccount, AppError> {
    use panel_core::services::admin;
    crate::rpc::answer(async {
        let (state, actor) = super::operator().await?;
        let argon2 = &state.login_limiter.argon2;
        admin::create_account(&state.store, &state.fleet, argon2, &request, &actor).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "admin_set_plan")]
pub async fn admin_set_plan(id: i64, plan: String) -> Result<AdminAccount, AppError> {
    use panel_core::services::admin;
    crate::rpc::answer(async {
        let (state, actor) = super::operator().await?;
        admin::set_plan(&state.store, &state.fleet, id, &plan, &actor).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "admin_suspend")]
pub async fn admin_suspend(id: i64, reason: String) -> Result<AdminAccount, AppError> {
    use panel_core::services::admin;
    crate::rpc::answer(async {
        let (state, actor) = super::operator().await?;
        admin::suspend(&state.store, &state.fleet, id, &reason, &actor).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "admin_resume")]
pub async fn admin_resume(id: i64) -> Result<AdminAccount, AppError> {
    use panel_core::services::admin;
    crate::rpc::answer(async {
        let (state, actor) = super::operator().await?;
        admin::resume(&state.store, &state.fleet, id, &actor).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "admin_reset_two_factor")]
pub async fn admin_reset_two_factor(id: i64) -> Result<AdminAccount, AppError> {
    use panel_core::services::admin;
    crate::rpc::answer(async {
        let (state, actor) = super::operator().await?;
        admin::reset_two_factor(&state.store, id, &actor).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "admin_close_account", input = leptos::server_fn::codec::Json)]
pub async fn admin_close_account(
    id: i64,
    request: CloseAccount,
) -> Result<ClosedAccount, AppError> {
    use panel_core::services::admin;
    crate::rpc::answer(async {
        let (state, actor) = super::operator().await?;
        let (confirm, keep_days) = (&request.confirm, request.keep_backups_days);
        admin::close(&state.backup_context(), id, confirm, keep_days, &actor).await
    })
    .await
}

/// The dialog the tab shows, for the account it names.
#[derive(Clone)]
enum Dialog {
    Suspend(AdminAccount),
    Delete(AdminAccount),
}

#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<AdminCreateAccount>,
    set_plan: ServerAction<AdminSetPlan>,
    suspend: ServerAction<AdminSuspend>,
    resume: ServerAction<AdminResume>,
    reset: ServerAction<AdminResetTwoFactor>,
    close: ServerAction<AdminCloseAccount>,
    dialog: RwSignal<Option<Dialog>>,
}

impl Actions {
    /// Closes the dialog and forgets its action's failure, so it does not greet the next one.
    fn close_dialog(self) {
        self.dialog.set(None);
        self.suspend.value().set(None);
        self.close.value().set(None);
    }
}

#[component]
pub fn AccountsTab() -> impl IntoView {
    let actions = Actions {
        create: ServerAction::new(),
        set_plan: ServerAction::new(),
        suspend: ServerAction::new(),
        resume: ServerAction::new(),
        reset: ServerAction::new(),
        close: ServerAction::new(),
        dialog: RwSignal::new(None),
    };
    let search = RwSignal::new(String::new());
    let changes = move || {
        (
            actions.create.version().get(),
            actions.set_plan.version().get(),
            actions.suspend.version().get(),
            actions.resume.version().get(),
            actions.reset.version().get(),
            actions.close.version().get(),
        )
    };
    let listed = Resource::new(
        move || (search.get(), changes()),
        |(search, _)| async move {
            let search = Some(search).filter(|s| !s.trim().is_empty());
            let accounts = admin_list_accounts(search).await?;
            let plans = super::plans::admin_list_plans().await?;
            Ok::<_, AppError>((accounts, plans))
        },
    );
    let plans = Resource::new(|| (), |_| super::plans::admin_list_plans());
    // Each dialog closes when its action succeeds.
    Effect::new(move |_| {
        if matches!(actions.suspend.value().get(), Some(Ok(_))) {
            actions.close_dialog();
        }
    });
    let closed = RwSignal::new(None::<(String, ClosedAccount)>);
    Effect::new(move |_| {
        if let Some(Ok(result)) = actions.close.value().get() {
            let email = match actions.dialog.get_untracked() {
                Some(Dialog::Delete(account)) => account.email,
                _ => String::new(),
            };
            closed.set(Some((email, result)));
            actions.close_dialog();
        }
    });
    provide_context(actions);
    view! {
        <section class="card" aria-labelledby="accounts-heading">
            <h2 id="accounts-heading">"Accounts"</h2>
            <label for="account-search">"Search accounts"</label>
            <input id="account-search" type="search" class="account-search" autocomplete="off"
                placeholder="Email or prefix" bind:value=search/>
            <ActionError action=actions.set_plan/>
            <ActionError action=actions.resume/>
            <ActionError action=actions.reset/>
            {move || closed.get().map(|(email, result)| view! { <ClosedNotice email result/> })}
            <Load resource=listed let:found>
                <AccountTable accounts=found.0 plans=found.1/>
            </Load>
        </section>
        <Load resource=plans let:plans>
            <CreateAccountForm plans/>
        </Load>
        <DialogHost/>
    }
}

#[component]
fn ClosedNotice(email: String, result: ClosedAccount) -> impl IntoView {
    let backups = if result.final_backups.is_empty() {
        "no databases to back up".to_owned()
    } else {
        format!("final backups of {}", result.final_backups.join(", "))
    };
    let text = format!(
        "{email} is closed: {backups}, kept until {}.",
        result.kept_until
    );
    view! { <p class="notice" role="status">{text}</p> }
}

/// The state as a badge, with the reason of a suspension under it.
fn state_badge(account: &AdminAccount) -> impl IntoView + use<> {
    let class = match account.state.as_str() {
        "active" => "badge ok",
        "suspended" => "badge danger",
        _ => "badge neutral",
    };
    let reason = account
        .suspended_reason
        .clone()
        .map(|reason| view! { <span class="state-reason">{reason}</span> });
    view! { <span class=class>{account.state.clone()}</span>{reason} }
}

#[component]
fn AccountTable(accounts: AdminAccountList, plans: AdminPlanList) -> impl IntoView {
    if accounts.accounts.is_empty() {
        return view! { <div class="empty-state"><p>"No accounts match."</p></div> }.into_any();
    }
    let plan_names: Vec<String> = plans.plans.into_iter().map(|p| p.plan.name).collect();
    let rows = accounts
        .accounts
        .into_iter()
        .map(|account| view! { <AccountRow account plan_names=plan_names.clone()/> })
        .collect_view();
    view! {
        <DataTable
            columns=&["Email", "Prefix", "Plan", "Server", "State", "Usage", "Last sign-in"]
            with_actions=true
            plain=true
        >
            {rows}
        </DataTable>
    }
    .into_any()
}

#[component]
fn AccountRow(account: AdminAccount, plan_names: Vec<String>) -> impl IntoView {
    let actions = expect_context::<Actions>();
    let id = account.id;
    let email = account.email.clone();
    let open = account.state == "active" || account.state == "suspended";
    let chosen = RwSignal::new(account.plan.clone());
    let select_id = format!("plan-of-{id}");
    let options = plan_names
        .into_iter()
        .map(|name| {
            let selected = name == account.plan;
            view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
        })
        .collect_view();
    let change_plan = move |_| {
        actions.set_plan.dispatch(AdminSetPlan {
            id,
            plan: chosen.get_untracked(),
        });
    };
    let (for_suspend, for_delete) = (account.clone(), account.clone());
    let suspend_or_resume = match account.state.as_str() {
        "active" => Some(view! {
            <button type="button" class="button small danger-outline" aria-label=format!("Suspend {email}")
                on:click=move |_| actions.dialog.set(Some(Dialog::Suspend(for_suspend.clone())))>"Suspend"</button>
        }.into_any()),
        "suspended" => Some(view! {
            <button type="button" class="button small" aria-label=format!("Resume {email}")
                disabled=move || actions.resume.pending().get()
                on:click=move |_| { actions.resume.dispatch(AdminResume { id }); }>"Resume"</button>
        }.into_any()),
        _ => None,
    };
    let reset = account.two_factor.then(|| view! {
        <button type="button" class="button small" aria-label=format!("Reset two-factor of {email}")
            disabled=move || actions.reset.pending().get()
            on:click=move |_| { actions.reset.dispatch(AdminResetTwoFactor { id }); }>"Reset two-factor"</button>
    });
    let last_sign_in = account
        .last_sign_in
        .as_deref()
        .map_or_else(|| "never".to_owned(), short_time);
    let databases = match account.databases {
        1 => "1 database".to_owned(),
        n => format!("{n} databases"),
    };
    let storage = human_size(u64::try_from(account.storage_bytes).unwrap_or(0));
    // A closed account keeps its plan as it was: no select.
    let plan = if open {
        Either::Left(view! {
            <div class="plan-change">
                <label for=select_id.clone() class="visually-hidden">{format!("Plan for {email}")}</label>
                <select id=select_id on:change=move |ev| chosen.set(event_target_value(&ev))>
                    {options}
                </select>
                <button type="button" class="button small" aria-label=format!("Change plan of {email}")
                    disabled=move || actions.set_plan.pending().get()
                    on:click=change_plan>"Change plan"</button>
            </div>
        })
    } else {
        Either::Right(account.plan.clone())
    };
    view! {
        <tr>
            <td class="account-email">
                {account.email.clone()}
                {account.operator.then(|| view! { <span class="badge neutral">"operator"</span> })}
            </td>
            <td class="mono">{account.prefix.clone()}</td>
            <td>{plan}</td>
            <td class="mono">{account.server.clone()}</td>
            <td class="status-cell">{state_badge(&account)}</td>
            <td class="usage-cell">{databases}<br/>{storage}</td>
            <td title=account.last_sign_in.clone()>{last_sign_in}</td>
            <td class="actions">
                {open.then(|| view! {
                    <div class="admin-actions">
                        {suspend_or_resume}
                        {reset}
                        <button type="button" class="button small danger-outline" aria-label=format!("Delete {email}")
                            on:click=move |_| actions.dialog.set(Some(Dialog::Delete(for_delete.clone())))>"Delete"</button>
                    </div>
                })}
            </td>
        </tr>
    }
}

/// `2026-12-07T00:56:43Z` as `2026-12-07 00:56`: short enough to wrap in a narrow column.
fn short_time(rfc3339: &str) -> String {
    match rfc3339.split_once('T') {
        Some((day, time)) => format!("{day} {}", time.get(..5).unwrap_or(time)),
        None => rfc3339.to_owned(),
    }
}

#[component]
fn DialogHost() -> impl IntoView {
    let actions = expect_context::<Actions>();
    let on_close = Callback::new(move |()| actions.close_dialog());
    move || {
        actions.dialog.get().map(|dialog| match dialog {
            Dialog::Suspend(account) => view! { <SuspendDialog account on_close/> }.into_any(),
            Dialog::Delete(account) => view! { <DeleteDialog account on_close/> }.into_any(),
        })
    }
}

#[component]
fn SuspendDialog(account: AdminAccount, on_close: Callback<()>) -> impl IntoView {
    let Actions { suspend, .. } = expect_context::<Actions>();
    let reason = RwSignal::new(String::new());
    let id = account.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        suspend.dispatch(AdminSuspend {
            id,
            reason: reason.get_untracked(),
        });
    };
    view! {
        <Modal labelled_by="suspend-title" on_close>
            <h2 id="suspend-title">{format!("Suspend {}?", account.email)}</h2>
            <p class="warning">
                "Its database users are locked and their connections closed; the panel and the API refuse "
                "everything but reading why, until the account is resumed."
            </p>
            <form on:submit=submit>
                <label for="suspend-reason">"Reason"</label>
                <input id="suspend-reason" type="text" required maxlength="500" autocomplete="off"
                    aria-describedby="suspend-reason-hint" bind:value=reason/>
                <p id="suspend-reason-hint" class="hint">"Shown to the customer."</p>
                <ActionError action=suspend/>
                <div class="modal-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button danger" disabled=move || suspend.pending().get()>"Suspend account"</button>
                </div>
            </form>
        </Modal>
    }
}

#[component]
fn DeleteDialog(account: AdminAccount, on_close: Callback<()>) -> impl IntoView {
    let Actions { close, .. } = expect_context::<Actions>();
    let typed = RwSignal::new(String::new());
    let (id, email) = (account.id, account.email.clone());
    let ready = move || typed.get().trim() == email;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        close.dispatch(AdminCloseAccount {
            id,
            request: CloseAccount {
                confirm: typed.get_untracked(),
                keep_backups_days: None,
            },
        });
    };
    view! {
        <Modal labelled_by="delete-account-title" on_close>
            <h2 id="delete-account-title">{format!("Delete account {}?", account.email)}</h2>
            <p class="warning">
                "Sign-in stops at once. A final backup of each of its databases is taken, then the databases, "
                "database users and API key are deleted. The backups, the prefix and the email are kept for "
                "30 days. This cannot be undone."
            </p>
            <form on:submit=submit>
                <label for="delete-account-confirm">"Type the account's email to confirm"</label>
                <input id="delete-account-confirm" type="text" autocomplete="off" spellcheck="false"
                    aria-describedby="delete-account-email" bind:value=typed/>
                <p id="delete-account-email" class="hint mono">{account.email.clone()}</p>
                <ActionError action=close/>
                <div class="modal-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button danger" disabled=move || close.pending().get() || !ready()>"Delete account"</button>
                </div>
            </form>
        </Modal>
    }
}

const DEFAULT_PLAN: &str = "default";

#[component]
fn CreateAccountForm(plans: AdminPlanList) -> impl IntoView {
    let Actions { create, .. } = expect_context::<Actions>();
    let (email, prefix, password) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    // The plan named `default` is what an account without one of its own has: sent as none.
    let plan = RwSignal::new(DEFAULT_PLAN.to_owned());
    let operator = RwSignal::new(false);
    let created = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(account)) = create.value().get() {
            created.set(Some(format!("Account {} created.", account.email)));
            for field in [email, prefix, password] {
                field.set(String::new());
            }
            operator.set(false);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        created.set(None);
        create.dispatch(AdminCreateAccount {
            request: NewAccount {
                email: email.get_untracked().trim().to_owned(),
                prefix: prefix.get_untracked().trim().to_owned(),
                password: password.get_untracked(),
                plan: Some(plan.get_untracked()).filter(|p| p != DEFAULT_PLAN),
                server: None,
                operator: operator.get_untracked(),
            },
        });
    };
    let options = plans
        .plans
        .into_iter()
        .map(|p| {
            let selected = p.plan.name == DEFAULT_PLAN;
            let name = p.plan.name;
            view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="create-account-heading">
            <h2 id="create-account-heading">"Create account"</h2>
            <form class="admin-form" on:submit=submit>
                <div class="admin-fields">
                    <div>
                        <label for="new-account-email">"Email"</label>
                        <input id="new-account-email" type="email" required autocomplete="off" bind:value=email/>
                    </div>
                    <div>
                        <label for="new-account-prefix">"Prefix"</label>
                        <input id="new-account-prefix" type="text" class="mono" required autocomplete="off"
                            aria-describedby="new-account-prefix-hint" bind:value=prefix/>
                        <p id="new-account-prefix-hint" class="hint">"Its databases and users are named prefix_…"</p>
                    </div>
                    <div>
                        <label for="new-account-password">"Password"</label>
                        <input id="new-account-password" type="password" required minlength="8" maxlength="128"
                            autocomplete="new-password" bind:value=password/>
                    </div>
                    <div>
                        <label for="new-account-plan">"Plan"</label>
                        <select id="new-account-plan" on:change=move |ev| plan.set(event_target_value(&ev))>
                            {options}
                        </select>
                    </div>
                </div>
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || operator.get()
                        on:change=move |ev| operator.set(event_target_checked(&ev))/>
                    "Operator"
                </label>
                <ActionError action=create/>
                {move || created.get().map(|text| view! { <p class="notice" role="status">{text}</p> })}
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create account"</button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::short_time;

    #[test]
    fn times_are_shown_to_the_minute() {
        assert_eq!(short_time("2026-12-07T00:56:43Z"), "2026-12-07 00:56");
        assert_eq!(short_time("yesterday"), "yesterday");
    }
}
