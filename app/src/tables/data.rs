//! A table's rows: the grid (each column's type in its header, a header button sorts by it),
//! filters combined with AND, 25/50/100/500 rows a page with keyset paging (the server says where
//! the next page starts), and — for tables with a key — editing a cell, inserting a row and
//! deleting the selected ones. The view lives in the URL (`url::TableView`): every change here is
//! a navigation, so the browser's Back, a reload and a shared link show the same rows.
use super::cells::{CellValue, is_binary, key_label, rows_text};
use super::editor::{CellEditor, InputKind, InsertRowDialog, input_kind, is_generated};
use super::filter::{Filter, Op};
use super::transfer::Transfer;
use super::url::{Navigator, TableView};
use super::{
    ColumnInfo, DeleteRows, DeleteTableRows, PAGE_SIZES, RowRef, RowsPage, TableStructure, Values,
    get_table_rows,
};
use crate::components::confirm::ConfirmAction;
use crate::components::load::Load;
use crate::query::QueryColumn;
use leptos::prelude::*;
use serde_json::Value;

/// Goes to another view of the same table, keeping the scroll position.
#[derive(Clone, Copy)]
pub struct Go {
    navigator: Navigator,
    database: StoredValue<String>,
    table: StoredValue<String>,
}

impl Go {
    pub fn new(database: String, table: String) -> Self {
        Self {
            navigator: Navigator::of_router(),
            database: StoredValue::new(database),
            table: StoredValue::new(table),
        }
    }

    pub fn to(self, view: &TableView) {
        let href = view.href(&self.database.get_value(), &self.table.get_value());
        self.navigator.go(&href, false);
    }
}

/// The pages visited forward: where each page's `after` came from, so "Previous page" can go
/// back one page (a page reached otherwise — a shared link — goes back to the first).
#[derive(Clone, Copy)]
pub struct Trail(StoredValue<Vec<(Option<String>, String)>>);

impl Trail {
    fn new() -> Self {
        Self(StoredValue::new(Vec::new()))
    }

    fn forward(self, from: Option<String>, to: String) {
        self.0.update_value(|steps| {
            steps.retain(|(_, t)| *t != to);
            steps.push((from, to));
        });
    }

    fn back_from(self, after: &str) -> Option<String> {
        self.0.with_value(|steps| {
            steps
                .iter()
                .rev()
                .find(|(_, to)| to == after)
                .and_then(|(from, _)| from.clone())
        })
    }
}

/// A cell being edited.
#[derive(Debug, Clone)]
pub struct EditTarget {
    column: ColumnInfo,
    key: Values,
    key_text: String,
    old: Value,
}

#[component]
pub fn DataView(
    database: String,
    table: String,
    structure: TableStructure,
    view: Memo<TableView>,
) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let (db, t) = (database.clone(), table.clone());
    let rows = Resource::new(
        move || (view.get().rows, version.get()),
        move |(query, _)| {
            get_table_rows(
                db.clone(),
                t.clone(),
                query.limit,
                query.after,
                query.order,
                query.filters,
            )
        },
    );
    let go = Go::new(database.clone(), table.clone());
    let trail = Trail::new();
    let refresh = Callback::new(move |()| version.update(|v| *v += 1));
    let names: Vec<String> = structure.columns.iter().map(|c| c.name.clone()).collect();
    let read_only = structure.read_only_reason.clone();
    let insert_open = RwSignal::new(false);
    // Here rather than in the grid, which is made anew whenever the rows are read again.
    let editing = RwSignal::new(None::<EditTarget>);
    let columns = structure.columns.clone();
    let (db, t) = (database.clone(), table.clone());
    let (edit_db, edit_t) = (database.clone(), table.clone());
    let grid = {
        let (database, table) = (database.clone(), table.clone());
        move |page: RowsPage| {
            view! {
                <Grid
                    database=database.clone()
                    table=table.clone()
                    page
                    structure=structure.clone()
                    view
                    go
                    trail
                    editing
                    refresh
                />
            }
        }
    };
    view! {
        <section class="card" aria-labelledby="rows-heading">
            <div class="card-head rows-head">
                <h2 id="rows-heading">"Rows"</h2>
                {read_only.is_none().then(|| view! {
                    <button type="button" class="button primary" on:click=move |_| insert_open.set(true)>"Insert row"</button>
                })}
            </div>
            {read_only.map(|why| view! { <p class="notice read-only-note">"Read-only: " {why}</p> })}
            <FilterBar columns=names.clone() view go/>
            <Load resource=rows children=grid/>
            <Transfer database table columns=names view refresh/>
        </section>
        {move || editing.get().map(|target| view! {
            <CellEditor
                database=edit_db.clone()
                table=edit_t.clone()
                column=target.column
                key=target.key
                key_text=target.key_text
                old=target.old
                on_close=Callback::new(move |()| editing.set(None))
                on_saved=Callback::new(move |()| {
                    editing.set(None);
                    refresh.run(());
                })
                on_conflict=refresh
            />
        })}
        {move || insert_open.get().then(|| view! {
            <InsertRowDialog
                database=db.clone()
                table=t.clone()
                columns=columns.clone()
                on_close=Callback::new(move |()| insert_open.set(false))
                on_inserted=Callback::new(move |()| {
                    insert_open.set(false);
                    refresh.run(());
                })
            />
        })}
    }
}

/// The column, operator and value of a new filter, and the filters in force (each removable).
#[component]
fn FilterBar(columns: Vec<String>, view: Memo<TableView>, go: Go) -> impl IntoView {
    let column = RwSignal::new(columns.first().cloned().unwrap_or_default());
    let op = RwSignal::new(Op::Eq);
    let value = RwSignal::new(String::new());
    let names = StoredValue::new(columns.clone());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let op = op.get_untracked();
        let values = match op {
            _ if !op.takes_value() => Vec::new(),
            Op::In => value
                .get_untracked()
                .split(',')
                .map(|v| v.trim().to_owned())
                .collect(),
            _ => vec![value.get_untracked()],
        };
        let filter = Filter {
            column: column.get_untracked(),
            op,
            values,
        };
        value.set(String::new());
        go.to(&view.get_untracked().with_filter(&filter));
    };
    let column_options = columns
        .iter()
        .map(|c| view! { <option value=c.clone()>{c.clone()}</option> })
        .collect_view();
    let op_options = Op::ALL
        .iter()
        .map(|o| view! { <option value=o.word()>{o.label()}</option> })
        .collect_view();
    let active = move || {
        let names = names.get_value();
        view.get()
            .rows
            .filters
            .into_iter()
            .map(|param| {
                let text = Filter::parse(&param, &names)
                    .map(|f| format!("{} {} {}", f.column, f.op.label(), f.values.join(", ")))
                    .unwrap_or_else(|_| param.clone());
                let text = text.trim_end().to_owned();
                let label = format!("Remove filter {text}");
                view! {
                    <li class="filter-chip">
                        <span class="mono">{text}</span>
                        <button type="button" class="link-button" aria-label=label
                            on:click=move |_| go.to(&view.get_untracked().without_filter(&param))>"×"</button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <form class="filter-bar" on:submit=add>
            <div class="filter-field">
                <label for="filter-column">"Filter column"</label>
                <select id="filter-column" class="mono" prop:value=move || column.get() on:change=move |ev| column.set(event_target_value(&ev))>
                    {column_options}
                </select>
            </div>
            <div class="filter-field">
                <label for="filter-op">"Operator"</label>
                <select id="filter-op"
                    on:change=move |ev| {
                        let word = event_target_value(&ev);
                        op.set(Op::ALL.into_iter().find(|o| o.word() == word).unwrap_or(Op::Eq));
                    }>
                    {op_options}
                </select>
            </div>
            <div class="filter-field filter-value">
                <label for="filter-value">"Value"</label>
                <input id="filter-value" type="text" class="mono" autocomplete="off"
                    disabled=move || !op.get().takes_value()
                    placeholder=move || if op.get() == Op::In { "a, b, c" } else { "" }
                    bind:value=value/>
            </div>
            <button type="submit" class="button">"Add filter"</button>
        </form>
        <ul class="filter-chips" aria-label="Filters">{active}</ul>
    }
}

/// The key of `row` as the server addresses it: `{"id":7}`.
fn key_of(key: &[String], columns: &[QueryColumn], row: &[Value]) -> Values {
    key.iter()
        .filter_map(|name| {
            let i = columns.iter().position(|c| c.name == *name)?;
            Some((name.clone(), row.get(i)?.clone()))
        })
        .collect()
}

/// The values a delete checks are still there: the whole row as shown.
fn old_values(columns: &[QueryColumn], row: &[Value]) -> Values {
    columns
        .iter()
        .zip(row)
        .map(|(c, v)| (c.name.clone(), v.clone()))
        .collect()
}

#[component]
fn Grid(
    database: String,
    table: String,
    page: RowsPage,
    structure: TableStructure,
    view: Memo<TableView>,
    go: Go,
    trail: Trail,
    editing: RwSignal<Option<EditTarget>>,
    refresh: Callback<()>,
) -> impl IntoView {
    let RowsPage {
        columns,
        key,
        rows,
        next,
        read_only_reason,
    } = page;
    let editable = read_only_reason.is_none() && !key.is_empty();
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let selected = RwSignal::new(Vec::<usize>::new());
    let deleting = RwSignal::new(None::<DeleteTableRows>);
    let remove = ServerAction::<DeleteTableRows>::new();
    Effect::new(move |_| {
        if matches!(remove.value().get(), Some(Ok(_))) {
            deleting.set(None);
            selected.set(Vec::new());
            refresh.run(());
        }
    });
    let info = |name: &str| structure.columns.iter().find(|c| c.name == name).cloned();

    let order = view.with_untracked(|v| v.order(&names));
    let headers = columns
        .iter()
        .map(|column| {
            let name = column.name.clone();
            let sort = match &order {
                Some(o) if o.column == name && o.descending => "descending",
                Some(o) if o.column == name => "ascending",
                _ => "none",
            };
            let arrow = match sort {
                "descending" => " ▼",
                "ascending" => " ▲",
                _ => "",
            };
            let type_name = match column.encoding.as_deref() {
                Some(encoding) => format!("{} ({encoding})", column.type_name),
                None => column.type_name.clone(),
            };
            let label = format!("Sort by {name}");
            let all = names.clone();
            let by = name.clone();
            view! {
                <th scope="col" aria-sort=sort>
                    <button type="button" class="sort-button" aria-label=label
                        on:click=move |_| go.to(&view.get_untracked().sorted_by(&by, &all))>
                        <span class="column-name">{name}{arrow}</span>
                    </button>
                    <span class="column-type">{type_name}</span>
                </th>
            }
        })
        .collect_view();

    let body = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let key_text = key_label(&key, &columns, row);
            let row_key = key_of(&key, &columns, row);
            let select = editable.then(|| {
                let label = format!("Select row {key_text}");
                view! {
                    <td class="select-cell">
                        <input type="checkbox" aria-label=label
                            prop:checked=move || selected.with(|s| s.contains(&i))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                selected.update(|s| {
                                    s.retain(|j| *j != i);
                                    if on { s.push(i); }
                                });
                            }/>
                    </td>
                }
            });
            let cells = columns
                .iter()
                .zip(row.iter())
                .map(|(column, value)| {
                    let file_name = format!("{table}-{}-{key_text}.bin", column.name);
                    let number = value.is_number();
                    let target = info(&column.name)
                        .filter(|c| editable && !is_generated(c) && input_kind(c) != InputKind::Binary && !is_binary(column))
                        .map(|c| EditTarget {
                            column: c,
                            key: row_key.clone(),
                            key_text: key_text.clone(),
                            old: value.clone(),
                        });
                    let edit_label = format!("Edit {} of row {key_text}", column.name);
                    let open = target.clone().map(|target| {
                        move || editing.set(Some(target.clone()))
                    });
                    let on_double = open.clone();
                    view! {
                        <td class=if number { "cell number" } else { "cell" }
                            on:dblclick=move |_| if let Some(open) = &on_double { open() }>
                            <span class="cell-content"><CellValue column=column.clone() value=value.clone() file_name/></span>
                            {open.map(|open| view! {
                                <button type="button" class="cell-edit" aria-label=edit_label on:click=move |_| open()></button>
                            })}
                        </td>
                    }
                })
                .collect_view();
            view! {
                <tr class=move || if selected.with(|s| s.contains(&i)) { "selected" } else { "" }>
                    {select}
                    {cells}
                </tr>
            }
        })
        .collect_view();

    let count = rows.len();
    let rows = StoredValue::new(rows);
    let cols = StoredValue::new(columns.clone());
    let key_names = StoredValue::new(key.clone());
    let (db, t) = (database.clone(), table.clone());
    let ask_delete = move |_| {
        let chosen = selected.get_untracked();
        let refs = rows.with_value(|rows| {
            chosen
                .iter()
                .filter_map(|i| rows.get(*i))
                .map(|row| {
                    cols.with_value(|cols| RowRef {
                        key: key_names.with_value(|key| key_of(key, cols, row)),
                        old: old_values(cols, row),
                    })
                })
                .collect::<Vec<_>>()
        });
        if !refs.is_empty() {
            deleting.set(Some(DeleteTableRows {
                database: db.clone(),
                table: t.clone(),
                request: DeleteRows { rows: refs },
            }));
        }
    };
    let here = view.with_untracked(|v| v.rows.after.clone());
    let on_first = here.is_none();
    let back_to = here.as_deref().and_then(|after| trail.back_from(after));
    let from = here.clone();
    let limit = view.with_untracked(TableView::limit);
    let size_options = PAGE_SIZES
        .iter()
        .map(
            |n| view! { <option value=n.to_string() selected=*n == limit>{n.to_string()}</option> },
        )
        .collect_view();
    let next_page = next.clone();
    let grid_label = format!("Rows of {table}");
    let empty = (count == 0).then(|| view! { <p class="muted">"No rows match."</p> });
    view! {
        <div class="grid-scroll table-grid-scroll" role="region" aria-label=grid_label tabindex="0">
            <table class="data-table plain result-grid table-grid">
                <thead>
                    <tr>
                        {editable.then(|| view! { <th scope="col" class="select-cell"><span class="visually-hidden">"Select"</span></th> })}
                        {headers}
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        {empty}
        <div class="grid-footer">
            <span class="muted" role="status">{format!("{} on this page", rows_text(count))}</span>
            {editable.then(|| view! {
                <button type="button" class="button danger-outline" disabled=move || selected.with(Vec::is_empty) on:click=ask_delete>
                    "Delete selected"
                </button>
            })}
            <span class="grid-footer-spacer"></span>
            <span class="page-size">
                <label for="page-size" class="inline-label">"Rows per page"</label>
                <select id="page-size"
                    on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).parse::<u32>() {
                            go.to(&view.get_untracked().with_limit(n));
                        }
                    }>
                    {size_options}
                </select>
            </span>
            <span class="pager">
                <button type="button" class="button" disabled=on_first
                    on:click=move |_| go.to(&view.get_untracked().with_after(back_to.clone()))>
                    "Previous page"
                </button>
                <button type="button" class="button" disabled=next.is_none()
                    on:click=move |_| {
                        if let Some(next) = next_page.clone() {
                            trail.forward(from.clone(), next.clone());
                            go.to(&view.get_untracked().with_after(Some(next)));
                        }
                    }>
                    "Next page"
                </button>
            </span>
        </div>
        {move || deleting.get().map(|input| {
            let n = input.request.rows.len();
            view! {
                <ConfirmAction
                    action=remove
                    input
                    title=format!("Delete {}?", rows_text(n))
                    message="The selected rows are deleted, each only if it still holds the values shown. This cannot be undone.".to_owned()
                    confirm_label="Delete"
                    on_close=Callback::new(move |()| deleting.set(None))
                />
            }
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, type_name: &str) -> QueryColumn {
        QueryColumn {
            name: name.into(),
            type_name: type_name.into(),
            encoding: None,
        }
    }

    #[test]
    fn rows_are_addressed_by_their_key_and_checked_by_their_values() {
        let columns = vec![
            column("id", "INT"),
            column("score", "DOUBLE"),
            column("name", "VARCHAR"),
        ];
        let row = vec![Value::from(7), Value::from(0.1), Value::from("x")];
        let key = key_of(&["id".into()], &columns, &row);
        assert_eq!(Value::Object(key), serde_json::json!({"id": 7}));
        let old = old_values(&columns, &row);
        assert_eq!(
            Value::Object(old),
            serde_json::json!({"id": 7, "score": 0.1, "name": "x"})
        );
    }
}
