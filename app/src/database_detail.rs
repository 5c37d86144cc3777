//! One database: size, tables, charset/collation, and who may do what on it.
use crate::error::AppError;
use crate::model::{DatabaseDetail, human_size};
use crate::components::table::DataTable;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[server(prefix = "/rpc", endpoint = "database_detail")]
pub async fn get_database_detail(name: String) -> Result<DatabaseDetail, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.database_detail(&req, &name).await)
}

#[component]
pub fn DatabaseDetailPage() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.read().get("name").unwrap_or_default();
    let detail = Resource::new(name, get_database_detail);
    view! {
        <p class="breadcrumb"><a href="/databases">"Databases"</a>" / "</p>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <Detail detail/> }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(detail: DatabaseDetail) -> impl IntoView {
    let db = detail.database;
    let tables = detail
        .table_list
        .into_iter()
        .map(|t| view! { <tr><td class="mono">{t.name}</td><td>{t.rows}</td><td>{human_size(t.size_bytes)}</td></tr> })
        .collect_view();
    let users = detail
        .users
        .into_iter()
        .map(|u| view! { <tr><td class="mono">{u.user}</td><td>{u.privileges.join(", ")}</td></tr> })
        .collect_view();
    view! {
        <h1 class="mono">{db.name}</h1>
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
