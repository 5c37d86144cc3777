//! One table's page: its rows (`data`) or, with `?tab=structure`, its structure (`structure`),
//! under the database's tabs; the table's structure is read once for both.
use super::data::DataView;
use super::get_table_structure;
use super::structure::StructureView;
use super::url::{TableTab, TableView, list_href, table_href};
use crate::components::load::Load;
use crate::database_detail::{DatabaseHeader, DatabaseTab};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn TablePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let database = Signal::derive(move || params.read().get("name").unwrap_or_default());
    let table = Signal::derive(move || params.read().get("table").unwrap_or_default());
    let view = Memo::new(move |_| {
        query.with(|q| TableView::read(|name| q.get(name), q.get_all("filter").unwrap_or_default()))
    });
    view! {
        <DatabaseHeader name=database current=DatabaseTab::Tables/>
        // Another table (after a rename, or a link) starts its page anew.
        {move || {
            let (database, table) = (database.get(), table.get());
            view! { <Table database table view/> }
        }}
    }
}

#[component]
fn Table(database: String, table: String, view: Memo<TableView>) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let (db, t) = (database.clone(), table.clone());
    let structure = Resource::new(
        move || version.get(),
        move |_| get_table_structure(db.clone(), t.clone()),
    );
    let tab = Memo::new(move |_| view.with(TableView::tab));
    let base = table_href(&database, &table);
    let structure_href = format!("{base}?tab=structure");
    let on_changed = Callback::new(move |()| version.update(|v| *v += 1));
    let (db, t) = (database.clone(), table.clone());
    let body = move || {
        let (database, table) = (db.clone(), t.clone());
        match tab.get() {
            TableTab::Data => {
                let rows = move |structure| {
                    let (database, table) = (database.clone(), table.clone());
                    view! { <DataView database table structure view/> }
                };
                view! { <Load resource=structure children=rows/> }.into_any()
            }
            TableTab::Structure => {
                let shape = move |structure| {
                    let (database, table) = (database.clone(), table.clone());
                    view! { <StructureView database table structure on_changed/> }
                };
                view! { <Load resource=structure children=shape/> }.into_any()
            }
        }
    };
    view! {
        <p class="breadcrumb table-breadcrumb">
            <a href=list_href(&database)>"Tables"</a>" / "<span class="mono">{table.clone()}</span>
        </p>
        <nav class="tabs subtabs" aria-label="Table">
            <a href=base aria-current=move || (tab.get() == TableTab::Data).then_some("page")>"Data"</a>
            <a href=structure_href aria-current=move || (tab.get() == TableTab::Structure).then_some("page")>"Structure"</a>
        </nav>
        {body}
    }
}
