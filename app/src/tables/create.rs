//! "Create table": a name, its columns (each with the column fields the other forms use and a
//! "Primary key" box), and the `CREATE TABLE` statement shown before it runs.
use super::ddl::{self, CreateTable};
use super::forms::{ColumnFields, ColumnState, StatementDialog, TypeSuggestions, shown};
use super::url::{Navigator, table_href};
use super::{CreateTable as CreateTableFn, StatementRun};
use leptos::prelude::*;

/// One column of the new table.
#[derive(Debug, Clone, Copy)]
struct NewColumn {
    id: usize,
    state: ColumnState,
    primary: RwSignal<bool>,
}

/// The request the form describes (read reactively).
fn request(name: &str, columns: &[NewColumn]) -> CreateTable {
    CreateTable {
        name: name.trim().to_owned(),
        columns: columns.iter().map(|c| c.state.definition()).collect(),
        primary_key: columns
            .iter()
            .filter(|c| c.primary.get())
            .map(|c| c.state.name.get().trim().to_owned())
            .collect(),
        comment: None,
        dry_run: false,
    }
}

#[component]
pub fn CreateTableDialog(database: String, on_close: Callback<()>) -> impl IntoView {
    let action = ServerAction::<CreateTableFn>::new();
    let name = RwSignal::new(String::new());
    let next_id = StoredValue::new(2usize);
    let first = NewColumn {
        id: 0,
        state: ColumnState::new("id", "INT UNSIGNED", false),
        primary: RwSignal::new(true),
    };
    first.state.auto_increment.set(true);
    let second = NewColumn {
        id: 1,
        state: ColumnState::new("name", "VARCHAR(255)", true),
        primary: RwSignal::new(false),
    };
    let columns = RwSignal::new(vec![first, second]);
    let statement = Signal::derive(move || {
        shown(ddl::create_table(
            &columns.with(|c| request(&name.get(), c)),
        ))
    });
    let db = database.clone();
    let on_run = Callback::new(move |()| {
        action.dispatch(CreateTableFn {
            database: db.clone(),
            request: columns.with_untracked(|c| request(&name.get_untracked(), c)),
        });
    });
    let navigator = Navigator::of_router();
    let on_done = Callback::new(move |_: StatementRun| {
        navigator.go(&table_href(&database, name.get_untracked().trim()), true);
    });
    let add = move |_| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        columns.update(|c| {
            c.push(NewColumn {
                id,
                state: ColumnState::new("", "VARCHAR(255)", true),
                primary: RwSignal::new(false),
            })
        });
    };
    view! {
        <StatementDialog title="Create table".to_owned() action statement on_run on_close on_done>
            <TypeSuggestions/>
            <div class="form-field">
                <label for="create-table-name">"Table name"</label>
                <input id="create-table-name" type="text" class="mono" autocomplete="off" spellcheck="false" bind:value=name/>
            </div>
            <For
                each={move || columns.get().into_iter().enumerate().collect::<Vec<_>>()}
                key={|entry: &(usize, NewColumn)| (entry.0, entry.1.id)}
                children={move |(n, column): (usize, NewColumn)| {
                    let legend = format!("Column {}", n + 1);
                    let remove_label = format!("Remove column {}", n + 1);
                    let id = column.id;
                    view! {
                        <fieldset class="new-column">
                            <legend>{legend}</legend>
                            <ColumnFields prefix=format!("create-column-{id}") state=column.state/>
                            <div class="new-column-actions">
                                <label class="checkbox" for=format!("create-column-{id}-primary")>
                                    <input id=format!("create-column-{id}-primary") type="checkbox" bind:checked=column.primary/>
                                    "Primary key"
                                </label>
                                <button type="button" class="button small" aria-label=remove_label
                                    disabled=move || columns.with(|c| c.len() < 2)
                                    on:click=move |_| columns.update(|c| c.retain(|k| k.id != id))>"Remove"</button>
                            </div>
                        </fieldset>
                    }
                }}
            />
            <button type="button" class="button" on:click=add>"Add another column"</button>
        </StatementDialog>
    }
}
