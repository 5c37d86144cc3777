//! The Tables tab's first page: every table and view of the database with its engine, estimated
//! rows, data and index size and collation, a box that filters them by name, and "Create table".
use super::create::CreateTableDialog;
use super::url::table_href;
use super::{TableSummary, list_tables};
use crate::components::load::Load;
use crate::components::table::DataTable;
use crate::database_detail::{DatabaseHeader, DatabaseTab};
use crate::model::human_size;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Whether `table`'s name holds `filter` (case-insensitive; an empty filter holds every table).
pub fn matches(table: &TableSummary, filter: &str) -> bool {
    table
        .name
        .to_lowercase()
        .contains(&filter.trim().to_lowercase())
}

fn size(bytes: Option<u64>) -> String {
    bytes.map(human_size).unwrap_or_else(|| "—".to_owned())
}

#[component]
pub fn TablesPage() -> impl IntoView {
    let params = use_params_map();
    let database = Signal::derive(move || params.read().get("name").unwrap_or_default());
    let tables = Resource::new(move || database.get(), list_tables);
    let filter = RwSignal::new(String::new());
    let creating = RwSignal::new(false);
    view! {
        <DatabaseHeader name=database current=DatabaseTab::Tables/>
        <section class="card" aria-labelledby="table-list-heading">
            <div class="card-head">
                <h2 id="table-list-heading">"Tables"</h2>
                <button type="button" class="button primary" on:click=move |_| creating.set(true)>"Create table"</button>
            </div>
            <label for="table-filter">"Filter tables"</label>
            <input id="table-filter" type="search" class="table-filter" autocomplete="off" spellcheck="false"
                placeholder="Part of a name" bind:value=filter/>
            <Load resource=tables let:list>
                {
                    let db = database.get_untracked();
                    let tables = list.tables;
                    if tables.is_empty() {
                        view! { <p class="muted">"No tables yet: create one, run CREATE TABLE in the Query tab, or import a backup."</p> }.into_any()
                    } else {
                        view! { <TableRows database=db tables filter/> }.into_any()
                    }
                }
            </Load>
        </section>
        {move || creating.get().then(|| view! {
            <CreateTableDialog database=database.get_untracked() on_close=Callback::new(move |()| creating.set(false))/>
        })}
    }
}

#[component]
fn TableRows(
    database: String,
    tables: Vec<TableSummary>,
    filter: RwSignal<String>,
) -> impl IntoView {
    let total = tables.len();
    let tables = StoredValue::new(tables);
    let shown = Memo::new(move |_| {
        let filter = filter.get();
        tables.with_value(|all| {
            all.iter()
                .filter(|t| matches(t, &filter))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let rows = move || {
        shown
            .get()
            .into_iter()
            .map(|t| {
                let href = table_href(&database, &t.name);
                view! {
                    <tr>
                        <td class="mono"><a href=href>{t.name.clone()}</a></td>
                        <td>{t.kind.clone()}</td>
                        <td>{t.engine.clone().unwrap_or_else(|| "—".to_owned())}</td>
                        <td class="number">{t.estimated_rows.map(|n| n.to_string()).unwrap_or_else(|| "—".to_owned())}</td>
                        <td>{size(t.data_bytes)}</td>
                        <td>{size(t.index_bytes)}</td>
                        <td>{t.collation.clone().unwrap_or_else(|| "—".to_owned())}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let count = move || {
        let n = shown.with(Vec::len);
        if n == total {
            format!("{total} tables and views")
        } else {
            format!("{n} of {total} tables and views")
        }
    };
    view! {
        <p class="muted table-count" role="status">{count}</p>
        <DataTable columns=&["Name", "Kind", "Engine", "Rows (estimate)", "Data", "Indexes", "Collation"] plain=true>
            {rows}
        </DataTable>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_matches_part_of_a_name_in_any_case() {
        let table = TableSummary {
            name: "Order_Items".into(),
            kind: "table".into(),
            engine: Some("InnoDB".into()),
            estimated_rows: Some(3),
            data_bytes: Some(16384),
            index_bytes: Some(0),
            collation: None,
            comment: String::new(),
        };
        assert!(matches(&table, ""));
        assert!(matches(&table, " items "));
        assert!(!matches(&table, "orders"));
    }
}
