//! A table's structure: its columns (type, NULL, default, extra, comment), indexes, foreign keys,
//! triggers and `SHOW CREATE TABLE`, with the buttons that open the changes of `changes`.
use super::changes::{self, Change, Target};
use super::{StatementRun, TableStructure};
use crate::components::copy::CopyButton;
use crate::components::table::DataTable;
use leptos::prelude::*;

#[component]
pub fn StructureView(
    database: String,
    table: String,
    structure: TableStructure,
    /// After a change that keeps the table (the page reads its structure again).
    on_changed: Callback<()>,
) -> impl IntoView {
    let open = RwSignal::new(None::<Change>);
    let is_table = structure.kind != "view";
    let target = Target {
        database,
        table: table.clone(),
        columns: structure.columns.clone(),
        on_close: Callback::new(move |()| open.set(None)),
        on_done: Callback::new(move |_: StatementRun| {
            open.set(None);
            on_changed.run(());
        }),
    };
    let button = move |label: &'static str, change: Change, danger: bool| {
        view! {
            <button type="button" class=if danger { "button danger-outline" } else { "button" }
                on:click=move |_| open.set(Some(change.clone()))>{label}</button>
        }
    };
    let TableStructure {
        kind,
        engine,
        collation,
        comment,
        columns,
        indexes,
        foreign_keys,
        triggers,
        create_sql,
        key,
        read_only_reason,
        ..
    } = structure;
    let column_rows = columns
        .into_iter()
        .map(|c| {
            let name = c.name.clone();
            let drop = c.name.clone();
            let change = c.clone();
            let in_key = key.contains(&c.name);
            view! {
                <tr>
                    <td class="mono">{c.name.clone()}{in_key.then(|| view! { <span class="badge neutral">"key"</span> })}</td>
                    <td class="mono">{c.column_type.clone()}</td>
                    <td>{if c.nullable { "yes" } else { "no" }}</td>
                    <td class="mono">{c.default.clone().unwrap_or_else(|| "—".to_owned())}</td>
                    <td class="mono">{c.extra.clone()}</td>
                    <td>{c.comment.clone()}</td>
                    <td class="actions">
                        {is_table.then(|| view! {
                            <span class="row-actions">
                                <button type="button" class="button small" aria-label=format!("Change column {name}")
                                    on:click=move |_| open.set(Some(Change::ChangeColumn(change.clone())))>"Change"</button>
                                <button type="button" class="button small danger-outline" aria-label=format!("Drop column {name}")
                                    on:click=move |_| open.set(Some(Change::DropColumn(drop.clone())))>"Drop"</button>
                            </span>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let (no_indexes, no_keys, no_triggers) = (
        indexes.is_empty(),
        foreign_keys.is_empty(),
        triggers.is_empty(),
    );
    let index_rows = indexes
        .into_iter()
        .map(|i| {
            let name = i.name.clone();
            let kind = if i.unique { format!("{} unique", i.kind) } else { i.kind.clone() };
            view! {
                <tr>
                    <td class="mono">{i.name.clone()}</td>
                    <td>{kind}</td>
                    <td class="mono">{i.columns.join(", ")}</td>
                    <td class="actions">
                        {is_table.then(|| view! {
                            <button type="button" class="button small danger-outline" aria-label=format!("Drop index {name}")
                                on:click=move |_| open.set(Some(Change::DropIndex(name.clone())))>"Drop"</button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let key_rows = foreign_keys
        .into_iter()
        .map(|f| view! {
            <tr>
                <td class="mono">{f.name}</td>
                <td class="mono">{f.columns.join(", ")}</td>
                <td class="mono">{format!("{} ({})", f.referenced_table, f.referenced_columns.join(", "))}</td>
                <td>{format!("ON UPDATE {} · ON DELETE {}", f.on_update, f.on_delete)}</td>
            </tr>
        })
        .collect_view();
    let trigger_rows = triggers
        .into_iter()
        .map(|t| {
            view! {
                <tr>
                    <td class="mono">{t.name}</td>
                    <td>{format!("{} {}", t.timing, t.event)}</td>
                    <td><code class="trigger-body">{t.statement}</code></td>
                </tr>
            }
        })
        .collect_view();
    let facts = format!(
        "{kind}{}{}",
        engine.map(|e| format!(" · {e}")).unwrap_or_default(),
        collation.map(|c| format!(" · {c}")).unwrap_or_default(),
    );
    let copy = create_sql.clone();
    view! {
        <section class="card" aria-labelledby="columns-heading">
            <div class="card-head structure-head">
                <h2 id="columns-heading">"Columns"</h2>
                {is_table.then(|| view! {
                    <div class="button-row">
                        {button("Add column", Change::AddColumn, false)}
                        {button("Add index", Change::AddIndex, false)}
                        {button("Rename table", Change::Rename, false)}
                        {button("Truncate table", Change::Truncate, true)}
                        {button("Drop table", Change::Drop, true)}
                    </div>
                })}
            </div>
            <p class="muted">{facts}{(!comment.is_empty()).then(|| format!(" · {comment}"))}</p>
            {read_only_reason.map(|why| view! { <p class="notice">"Rows are read-only here: " {why}</p> })}
            <DataTable columns=&["Name", "Type", "Null", "Default", "Extra", "Comment"] with_actions=true plain=true>
                {column_rows}
            </DataTable>
        </section>
        <section class="card" aria-labelledby="indexes-heading">
            <h2 id="indexes-heading">"Indexes"</h2>
            {if no_indexes {
                view! { <p class="muted">"No indexes."</p> }.into_any()
            } else {
                view! { <DataTable columns=&["Name", "Kind", "Columns"] with_actions=true plain=true>{index_rows}</DataTable> }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="foreign-keys-heading">
            <h2 id="foreign-keys-heading">"Foreign keys"</h2>
            {if no_keys {
                view! { <p class="muted">"No foreign keys."</p> }.into_any()
            } else {
                view! { <DataTable columns=&["Name", "Columns", "References", "Actions"] plain=true>{key_rows}</DataTable> }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="triggers-heading">
            <h2 id="triggers-heading">"Triggers"</h2>
            {if no_triggers {
                view! { <p class="muted">"No triggers."</p> }.into_any()
            } else {
                view! { <DataTable columns=&["Name", "When", "Statement"] plain=true>{trigger_rows}</DataTable> }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="create-heading">
            <div class="card-head">
                <h2 id="create-heading">"SHOW CREATE TABLE"</h2>
                <CopyButton text=copy label="Copy CREATE statement"/>
            </div>
            <pre class="create-sql mono" tabindex="0">{create_sql}</pre>
        </section>
        {move || open.get().map(|change| changes::dialog(change, target.clone()))}
    }
}
