//! One database: size, tables, charset/collation, and who may do what on it; the header and tabs
//! ("Overview", "Tables", "Query", "Backups", "Connect") its pages share.
use crate::components::load::Load;
use crate::components::table::DataTable;
use crate::error::AppError;
use crate::model::{DatabaseDetail, human_size};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[server(prefix = "/rpc", endpoint = "get_database")]
pub async fn get_database(name: String) -> Result<DatabaseDetail, AppError> {
    use panel_core::services::databases;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        databases::get(
            &state.mysql_for(&caller).await?,
            &caller,
            &databases::owned(&caller, &name)?,
            state.connection_info(&caller).await?,
        )
        .await
    })
    .await
}

/// The tabs of a database's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseTab {
    Overview,
    Tables,
    Query,
    Backups,
    Connect,
}

/// Breadcrumb, the database's name and its tabs, the current one marked for assistive technology.
#[component]
pub fn DatabaseHeader(name: Signal<String>, current: DatabaseTab) -> impl IntoView {
    let tab = move |tab: DatabaseTab, label: &'static str| {
        let href = move || match tab {
            DatabaseTab::Overview => format!("/databases/{}", name.get()),
            DatabaseTab::Tables => format!("/databases/{}/tables", name.get()),
            DatabaseTab::Query => format!("/databases/{}/query", name.get()),
            DatabaseTab::Backups => format!("/databases/{}/backups", name.get()),
            DatabaseTab::Connect => format!("/databases/{}/connect", name.get()),
        };
        view! { <a href=href aria-current=(tab == current).then_some("page")>{label}</a> }
    };
    view! {
        <p class="breadcrumb"><a href="/databases">"Databases"</a>" / "</p>
        <h1 class="mono">{name}</h1>
        <nav class="tabs" aria-label="Database">
            {tab(DatabaseTab::Overview, "Overview")}
            {tab(DatabaseTab::Tables, "Tables")}
            {tab(DatabaseTab::Query, "Query")}
            {tab(DatabaseTab::Backups, "Backups")}
            {tab(DatabaseTab::Connect, "Connect")}
        </nav>
    }
}

#[component]
pub fn DatabaseDetailPage() -> impl IntoView {
    let params = use_params_map();
    let name = Signal::derive(move || params.read().get("name").unwrap_or_default());
    let detail = Resource::new(move || name.get(), get_database);
    view! {
        <DatabaseHeader name current=DatabaseTab::Overview/>
        <Load resource=detail let:detail>
            <Detail detail/>
        </Load>
    }
}

#[component]
fn Detail(detail: DatabaseDetail) -> impl IntoView {
    let db = detail.database;
    let tables = detail
        .table_list
        .into_iter()
        .map(|t| {
            let href = format!(
                "/databases/{}/tables/{}",
                db.name,
                types::tables::percent_encode(&t.name)
            );
            view! { <tr><td class="mono"><a href=href>{t.name}</a></td><td>{t.rows}</td><td>{human_size(t.size_bytes)}</td></tr> }
        })
        .collect_view();
    let users = detail
        .users
        .into_iter()
        .map(
            |u| view! { <tr><td class="mono">{u.user}</td><td>{u.privileges.join(", ")}</td></tr> },
        )
        .collect_view();
    view! {
        <section class="card" aria-labelledby="overview-heading">
            <h2 id="overview-heading">"Overview"</h2>
            <dl class="facts">
                <dt>"Size"</dt><dd>{human_size(db.size_bytes)}</dd>
                <dt>"Tables"</dt><dd>{db.tables}</dd>
                <dt>"Charset"</dt><dd>{db.charset}</dd>
                <dt>"Collation"</dt><dd>{db.collation}</dd>
            </dl>
        </section>
        <section class="card" aria-labelledby="tables-heading">
            <h2 id="tables-heading">"Tables"</h2>
            <DataTable columns=&["Name", "Rows (estimate)", "Size"] plain=true>{tables}</DataTable>
        </section>
        <section class="card" aria-labelledby="users-heading">
            <h2 id="users-heading">"Users with access"</h2>
            <DataTable columns=&["User", "Privileges"] plain=true>{users}</DataTable>
            <p class="hint"><a href="/users">"Manage users and privileges"</a></p>
        </section>
    }
}
