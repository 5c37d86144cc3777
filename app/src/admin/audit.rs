//! Admin → Audit: what operators did, from this area or the command line, newest first.
use crate::activity::describe;
use crate::components::load::Load;
use crate::components::table::DataTable;
use crate::error::AppError;
use leptos::prelude::*;
use types::admin::OperatorEventList;

#[server(prefix = "/rpc", endpoint = "admin_list_events")]
pub async fn admin_list_events() -> Result<OperatorEventList, AppError> {
    use panel_core::services::admin;
    crate::rpc::answer(async {
        let (state, _) = super::operator().await?;
        Ok(OperatorEventList {
            events: admin::operator_events(&state.store).await?,
        })
    })
    .await
}

#[component]
pub fn AuditTab() -> impl IntoView {
    let events = Resource::new(|| (), |_| admin_list_events());
    view! {
        <section class="card" aria-labelledby="audit-heading">
            <h2 id="audit-heading">"Audit"</h2>
            <p class="muted">"The newest 200 actions of operators, here or on the command line."</p>
            <Load resource=events let:list>
                <EventTable list/>
            </Load>
        </section>
    }
}

#[component]
fn EventTable(list: OperatorEventList) -> impl IntoView {
    if list.events.is_empty() {
        return view! { <div class="empty-state"><p>"No operator actions yet."</p></div> }
            .into_any();
    }
    let rows = list
        .events
        .into_iter()
        .map(|event| {
            view! {
                <tr>
                    <td>{event.at}</td>
                    <td>{event.account.unwrap_or_else(|| "(purged)".to_owned())}</td>
                    <td class="mono">{event.actor}</td>
                    <td class="mono">{event.action}</td>
                    <td>{describe(&event.details)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable columns=&["Time", "Account", "Actor", "Action", "Details"] plain=true>{rows}</DataTable>
    }
    .into_any()
}
