//! Admin → Plans: every plan with its limits and how many accounts are on it; creating and
//! deleting one.
use crate::components::confirm::ConfirmAction;
use crate::components::form_error::{ActionError, FormError};
use crate::components::load::Load;
use crate::components::table::DataTable;
use crate::error::AppError;
use crate::model::human_size;
use leptos::prelude::*;
use types::admin::{AdminPlan, AdminPlanList, PlanLimits};

#[server(prefix = "/rpc", endpoint = "admin_list_plans")]
pub async fn admin_list_plans() -> Result<AdminPlanList, AppError> {
    use panel_core::services::admin;
    crate::rpc::answer(async {
        let (state, _) = super::operator().await?;
        Ok(AdminPlanList {
            plans: admin::plans(&state.store).await?,
        })
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "admin_create_plan", input = leptos::server_fn::codec::Json)]
pub async fn admin_create_plan(request: PlanLimits) -> Result<AdminPlan, AppError> {
    use panel_core::services::admin;
    crate::rpc::answer(async {
        let (state, _) = super::operator().await?;
        admin::create_plan(&state.store, &request).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "admin_delete_plan")]
pub async fn admin_delete_plan(name: String) -> Result<(), AppError> {
    use panel_core::services::plans;
    crate::rpc::answer(async {
        let (state, _) = super::operator().await?;
        plans::delete(&state.store, &name).await
    })
    .await
}

/// A limit as the table shows it: a count, a size, or "no limit".
fn limit(value: Option<i64>, bytes: bool) -> String {
    match value {
        None => "no limit".to_owned(),
        Some(n) if bytes => human_size(u64::try_from(n).unwrap_or(0)),
        Some(n) => n.to_string(),
    }
}

#[component]
pub fn PlansTab() -> impl IntoView {
    let create = ServerAction::<AdminCreatePlan>::new();
    let remove = ServerAction::<AdminDeletePlan>::new();
    let plans = Resource::new(
        move || (create.version().get(), remove.version().get()),
        |_| admin_list_plans(),
    );
    let deleting = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if matches!(remove.value().get(), Some(Ok(()))) {
            deleting.set(None);
        }
    });
    view! {
        <section class="card" aria-labelledby="plans-heading">
            <h2 id="plans-heading">"Plans"</h2>
            <Load resource=plans let:list>
                <PlanTable list deleting/>
            </Load>
        </section>
        <CreatePlanForm create/>
        {move || deleting.get().map(|name| view! {
            <ConfirmAction
                action=remove
                input=AdminDeletePlan { name: name.clone() }
                title=format!("Delete plan {name}?")
                message="Accounts can no longer be given this plan. A plan that accounts are on cannot be deleted: move them first.".to_owned()
                confirm_label="Delete"
                on_close=Callback::new(move |()| deleting.set(None))
            />
        })}
    }
}

#[component]
fn PlanTable(list: AdminPlanList, deleting: RwSignal<Option<String>>) -> impl IntoView {
    let rows = list
        .plans
        .into_iter()
        .map(|AdminPlan { plan, accounts }| {
            let name = plan.name.clone();
            let delete = (plan.name != "default").then(|| view! {
                <button type="button" class="button small danger-outline" aria-label=format!("Delete plan {name}")
                    on:click=move |_| deleting.set(Some(name.clone()))>"Delete"</button>
            });
            view! {
                <tr>
                    <td class="mono">{plan.name.clone()}</td>
                    <td>{limit(plan.max_databases, false)}</td>
                    <td>{limit(plan.max_users, false)}</td>
                    <td>{limit(plan.max_storage, true)}</td>
                    <td>{limit(plan.max_backup_storage, true)}</td>
                    <td>{limit(plan.max_user_connections, false)}</td>
                    <td>{limit(plan.max_queries_per_hour, false)}</td>
                    <td>{limit(plan.max_whitelist, false)}</td>
                    <td>{format!("{} h", plan.storage_grace_hours)}</td>
                    <td class="number">{accounts}</td>
                    <td class="actions">{delete}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="plan-limits">
        <DataTable
            columns=&[
                "Name", "Databases", "Users", "Storage", "Backup storage", "Connections per user",
                "Queries per hour", "Whitelist hosts", "Grace period", "Accounts",
            ]
            with_actions=true
            plain=true
        >
            {rows}
        </DataTable>
        </div>
    }
}

/// The form's number fields, in `PlanLimits` order: label and id.
const LIMIT_FIELDS: [(&str, &str); 8] = [
    ("Max databases", "plan-max-databases"),
    ("Max users", "plan-max-users"),
    ("Max storage (bytes)", "plan-max-storage"),
    ("Max backup storage (bytes)", "plan-max-backup-storage"),
    ("Max connections per user", "plan-max-connections"),
    ("Max queries per hour", "plan-max-queries"),
    ("Max whitelist hosts", "plan-max-whitelist"),
    ("Grace period (hours)", "plan-grace-hours"),
];

/// A field's text as a limit: empty is none; anything but a whole number is refused by name.
fn parse_limit(label: &str, text: &str) -> Result<Option<i64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>()
        .map(Some)
        .map_err(|_| format!("{label}: a whole number, or empty for no limit."))
}

fn limits_from(name: String, values: &[String; 8]) -> Result<PlanLimits, String> {
    let mut parsed = [None; 8];
    for (slot, ((label, _), text)) in parsed.iter_mut().zip(LIMIT_FIELDS.iter().zip(values)) {
        *slot = parse_limit(label, text)?;
    }
    let [
        max_databases,
        max_users,
        max_storage,
        max_backup_storage,
        max_user_connections,
        max_queries_per_hour,
        max_whitelist,
        storage_grace_hours,
    ] = parsed;
    Ok(PlanLimits {
        name: name.trim().to_owned(),
        max_databases,
        max_users,
        max_storage,
        max_backup_storage,
        max_user_connections,
        max_queries_per_hour,
        max_whitelist,
        storage_grace_hours,
    })
}

#[component]
fn CreatePlanForm(create: ServerAction<AdminCreatePlan>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let values: [RwSignal<String>; 8] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let invalid = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(plan)) = create.value().get() {
            created.set(Some(format!("Plan {} created.", plan.plan.name)));
            name.set(String::new());
            values.iter().for_each(|value| value.set(String::new()));
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        created.set(None);
        let texts = values.map(|value| value.get_untracked());
        match limits_from(name.get_untracked(), &texts) {
            Ok(request) => {
                invalid.set(None);
                create.dispatch(AdminCreatePlan { request });
            }
            Err(message) => invalid.set(Some(message)),
        }
    };
    let fields = LIMIT_FIELDS
        .iter()
        .zip(values)
        .map(|((label, id), value)| {
            view! {
                <div>
                    <label for=*id>{*label}</label>
                    <input id=*id type="number" min="0" step="1" inputmode="numeric"
                        aria-describedby="plan-limits-hint" bind:value=value/>
                </div>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="create-plan-heading">
            <h2 id="create-plan-heading">"Create plan"</h2>
            <form class="admin-form" on:submit=submit>
                <label for="plan-name">"Name"</label>
                <input id="plan-name" type="text" class="mono plan-name" required autocomplete="off" bind:value=name/>
                <p id="plan-limits-hint" class="hint">"An empty limit is no limit; the grace period is 72 hours when empty."</p>
                <div class="admin-fields">{fields}</div>
                {move || invalid.get().map(|message| view! { <FormError message/> })}
                <ActionError action=create/>
                {move || created.get().map(|text| view! { <p class="notice" role="status">{text}</p> })}
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create plan"</button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::limits_from;

    #[test]
    fn empty_fields_are_no_limit_and_text_is_refused_by_its_label() {
        let mut values: [String; 8] = Default::default();
        values[0] = " 5 ".into();
        values[2] = "1048576".into();
        let limits = limits_from(" basic ".into(), &values).unwrap();
        assert_eq!(limits.name, "basic");
        assert_eq!(limits.max_databases, Some(5));
        assert_eq!(limits.max_storage, Some(1_048_576));
        assert_eq!(limits.max_users, None);
        assert_eq!(limits.storage_grace_hours, None);
        values[7] = "two".into();
        let refused = limits_from("basic".into(), &values).unwrap_err();
        assert!(refused.starts_with("Grace period (hours):"), "{refused}");
    }
}
