//! Admin → Servers: the managed MySQL/MariaDB servers, whether they answer, and what lives on
//! them as last measured.
use crate::components::load::Load;
use crate::components::table::DataTable;
use crate::error::AppError;
use crate::model::human_size;
use leptos::prelude::*;
use types::admin::AdminServerList;

#[server(prefix = "/rpc", endpoint = "admin_list_servers")]
pub async fn admin_list_servers() -> Result<AdminServerList, AppError> {
    use panel_core::services::admin;
    crate::rpc::answer(async {
        let (state, _) = super::operator().await?;
        Ok(AdminServerList {
            servers: admin::servers(&state.store, &state.fleet).await?,
        })
    })
    .await
}

#[component]
pub fn ServersTab() -> impl IntoView {
    let servers = Resource::new(|| (), |_| admin_list_servers());
    view! {
        <section class="card" aria-labelledby="servers-heading">
            <h2 id="servers-heading">"Servers"</h2>
            <Load resource=servers let:list>
                <ServerTable list/>
            </Load>
            <p class="hint">"Databases and bytes as the background measurement last found them."</p>
        </section>
    }
}

#[component]
fn ServerTable(list: AdminServerList) -> impl IntoView {
    let rows = list
        .servers
        .into_iter()
        .map(|server| {
            let (class, health) = if server.up {
                ("badge ok", "up")
            } else {
                ("badge danger", "down")
            };
            view! {
                <tr>
                    <td class="mono">{server.name}</td>
                    <td class="mono">{server.address}</td>
                    <td class="status-cell"><span class=class>{health}</span></td>
                    <td>{server.version.unwrap_or_else(|| "—".to_owned())}</td>
                    <td>{if server.draining { "yes" } else { "no" }}</td>
                    <td class="number">{server.accounts}</td>
                    <td class="number">{server.databases}</td>
                    <td class="number">{human_size(u64::try_from(server.bytes).unwrap_or(0))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable
            columns=&["Name", "Address", "Status", "Version", "Draining", "Accounts", "Databases", "Size"]
            plain=true
        >
            {rows}
        </DataTable>
    }
}
