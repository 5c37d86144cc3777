//! The account's databases, read from the managed MySQL server.
use crate::error::AppError;
use crate::model::{DatabaseList, human_size};
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "databases")]
pub async fn list_databases() -> Result<DatabaseList, AppError> {
    use crate::backend::{backend_and_request, with_status};
    let (backend, req) = backend_and_request().await?;
    with_status(backend.databases(&req).await)
}

#[component]
pub fn DatabasesPage() -> impl IntoView {
    let databases = Resource::new(|| (), |_| list_databases());
    view! {
        <h1>"Databases"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading databases…"</p> }>
            {move || Suspend::new(async move {
                match databases.await {
                    Ok(list) if list.databases.is_empty() => view! {
                        <div class="empty-state">
                            <p>"No databases yet."</p>
                        </div>
                    }.into_any(),
                    Ok(list) => view! { <DatabaseTable list/> }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DatabaseTable(list: DatabaseList) -> impl IntoView {
    let rows = list
        .databases
        .into_iter()
        .map(|db| {
            view! {
                <tr>
                    <td class="mono">{db.name}</td>
                    <td>{human_size(db.size_bytes)}</td>
                    <td>{db.tables}</td>
                    <td>{db.charset}</td>
                    <td>{db.collation}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data-table">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Size"</th>
                    <th scope="col">"Tables"</th>
                    <th scope="col">"Charset"</th>
                    <th scope="col">"Collation"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
