//! The structure changes of one table, each a dialog that shows its exact statement before "Run":
//! add/change/drop a column, add/drop an index, and — after typing the table's name — rename,
//! truncate and drop the table.
use super::ddl::{self, AddColumn, AddIndex, ChangeColumn, IndexKind, Position, RenameTable};
use super::forms::{ColumnFields, ColumnState, StatementDialog, TypeSuggestions, shown};
use super::url::{Navigator, list_href, table_href};
use super::{
    AddTableColumn, AddTableIndex, ChangeTableColumn, ColumnInfo, DropTable, DropTableColumn,
    DropTableIndex, Identifier, RenameTable as RenameTableFn, StatementRun, TruncateTable,
};
use leptos::prelude::*;

/// Which change is open.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    AddColumn,
    ChangeColumn(ColumnInfo),
    DropColumn(String),
    AddIndex,
    DropIndex(String),
    Rename,
    Truncate,
    Drop,
}

/// What the dialogs of one table need: where it is, its columns, and what to do after a change.
#[derive(Clone)]
pub struct Target {
    pub database: String,
    pub table: String,
    pub columns: Vec<ColumnInfo>,
    pub on_close: Callback<()>,
    pub on_done: Callback<StatementRun>,
}

impl Target {
    fn table_id(&self) -> Result<Identifier, String> {
        Identifier::parse(&self.table, "Table").map_err(|e| e.message)
    }
}

/// The dialog for `change`.
pub fn dialog(change: Change, target: Target) -> AnyView {
    match change {
        Change::AddColumn => view! { <AddColumnDialog target/> }.into_any(),
        Change::ChangeColumn(column) => view! { <ChangeColumnDialog target column/> }.into_any(),
        Change::DropColumn(column) => view! { <DropColumnDialog target column/> }.into_any(),
        Change::AddIndex => view! { <AddIndexDialog target/> }.into_any(),
        Change::DropIndex(index) => view! { <DropIndexDialog target index/> }.into_any(),
        Change::Rename => view! { <RenameDialog target/> }.into_any(),
        Change::Truncate => view! { <TruncateDialog target/> }.into_any(),
        Change::Drop => view! { <DropDialog target/> }.into_any(),
    }
}

#[component]
fn AddColumnDialog(target: Target) -> impl IntoView {
    let action = ServerAction::<AddTableColumn>::new();
    let state = ColumnState::new("", "VARCHAR(255)", true);
    // "" = last, "^" = first, otherwise after that column.
    let position = RwSignal::new(String::new());
    let request = move || AddColumn {
        column: state.definition(),
        position: match position.get().as_str() {
            "" => None,
            "^" => Some(Position {
                first: true,
                after: None,
            }),
            after => Some(Position {
                first: false,
                after: Some(after.to_owned()),
            }),
        },
        dry_run: false,
    };
    let t = target.clone();
    let statement = Signal::derive(move || {
        let table = t.table_id()?;
        shown(ddl::add_column(&table, &request()))
    });
    let (database, table) = (target.database.clone(), target.table.clone());
    let on_run = Callback::new(move |()| {
        action.dispatch(AddTableColumn {
            database: database.clone(),
            table: table.clone(),
            request: request(),
        });
    });
    let after_options = target
        .columns
        .iter()
        .map(|c| view! { <option value=c.name.clone()>{format!("After {}", c.name)}</option> })
        .collect_view();
    view! {
        <StatementDialog title="Add column".to_owned() action statement on_run on_close=target.on_close on_done=target.on_done>
            <TypeSuggestions/>
            <ColumnFields prefix="add-column".to_owned() state/>
            <div class="form-field">
                <label for="add-column-position">"Position"</label>
                <select id="add-column-position" on:change=move |ev| position.set(event_target_value(&ev))>
                    <option value="">"Last"</option>
                    <option value="^">"First"</option>
                    {after_options}
                </select>
            </div>
        </StatementDialog>
    }
}

#[component]
fn ChangeColumnDialog(target: Target, column: ColumnInfo) -> impl IntoView {
    let action = ServerAction::<ChangeTableColumn>::new();
    let state = ColumnState::of(&column);
    let name = column.name.clone();
    let request = move || ChangeColumn {
        column: state.definition(),
        dry_run: false,
    };
    let t = target.clone();
    let old = name.clone();
    let statement = Signal::derive(move || {
        let table = t.table_id()?;
        let column = Identifier::parse(&old, "Column").map_err(|e| e.message)?;
        shown(ddl::change_column(&table, &column, &request()))
    });
    let (database, table) = (target.database.clone(), target.table.clone());
    let old = name.clone();
    let on_run = Callback::new(move |()| {
        action.dispatch(ChangeTableColumn {
            database: database.clone(),
            table: table.clone(),
            column: old.clone(),
            request: request(),
        });
    });
    view! {
        <StatementDialog title=format!("Change column {name}") action statement on_run on_close=target.on_close on_done=target.on_done>
            <TypeSuggestions/>
            <ColumnFields prefix="change-column".to_owned() state/>
        </StatementDialog>
    }
}

#[component]
fn DropColumnDialog(target: Target, column: String) -> impl IntoView {
    let action = ServerAction::<DropTableColumn>::new();
    let t = target.clone();
    let name = column.clone();
    let statement = Signal::derive(move || {
        let table = t.table_id()?;
        let column = Identifier::parse(&name, "Column").map_err(|e| e.message)?;
        Ok(ddl::drop_column(&table, &column))
    });
    let (database, table, name) = (
        target.database.clone(),
        target.table.clone(),
        column.clone(),
    );
    let on_run = Callback::new(move |()| {
        action.dispatch(DropTableColumn {
            database: database.clone(),
            table: table.clone(),
            column: name.clone(),
            dry_run: false,
        });
    });
    view! {
        <StatementDialog title=format!("Drop column {column}") action statement on_run on_close=target.on_close on_done=target.on_done danger=true>
            <p class="warning">"The column and every value in it are deleted. This cannot be undone."</p>
        </StatementDialog>
    }
}

#[component]
fn AddIndexDialog(target: Target) -> impl IntoView {
    let action = ServerAction::<AddTableIndex>::new();
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(IndexKind::Index);
    // In the order they were ticked: an index's column order matters.
    let chosen = RwSignal::new(Vec::<String>::new());
    let request = move || AddIndex {
        name: name.get().trim().to_owned(),
        columns: chosen.get(),
        kind: kind.get(),
        dry_run: false,
    };
    let t = target.clone();
    let statement = Signal::derive(move || {
        let table = t.table_id()?;
        shown(ddl::add_index(&table, &request()))
    });
    let (database, table) = (target.database.clone(), target.table.clone());
    let on_run = Callback::new(move |()| {
        action.dispatch(AddTableIndex {
            database: database.clone(),
            table: table.clone(),
            request: request(),
        });
    });
    let boxes = target
        .columns
        .iter()
        .map(|c| {
            let column = c.name.clone();
            let checked = column.clone();
            view! {
                <label class="checkbox">
                    <input type="checkbox"
                        prop:checked=move || chosen.with(|c| c.contains(&checked))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|c| {
                                c.retain(|n| *n != column);
                                if on { c.push(column.clone()); }
                            });
                        }/>
                    <span class="mono">{c.name.clone()}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <StatementDialog title="Add index".to_owned() action statement on_run on_close=target.on_close on_done=target.on_done>
            <div class="form-field">
                <label for="add-index-name">"Index name"</label>
                <input id="add-index-name" type="text" class="mono" autocomplete="off" spellcheck="false" bind:value=name/>
            </div>
            <div class="form-field">
                <label for="add-index-kind">"Kind"</label>
                <select id="add-index-kind" on:change=move |ev| kind.set(match event_target_value(&ev).as_str() {
                    "unique" => IndexKind::Unique,
                    "fulltext" => IndexKind::Fulltext,
                    _ => IndexKind::Index,
                })>
                    <option value="index">"Index"</option>
                    <option value="unique">"Unique"</option>
                    <option value="fulltext">"Fulltext"</option>
                </select>
            </div>
            <fieldset class="index-columns">
                <legend>"Columns, in the order ticked"</legend>
                {boxes}
            </fieldset>
        </StatementDialog>
    }
}

#[component]
fn DropIndexDialog(target: Target, index: String) -> impl IntoView {
    let action = ServerAction::<DropTableIndex>::new();
    let t = target.clone();
    let name = index.clone();
    let statement = Signal::derive(move || {
        let table = t.table_id()?;
        let index = Identifier::parse(&name, "Index").map_err(|e| e.message)?;
        Ok(ddl::drop_index(&table, &index))
    });
    let (database, table, name) = (target.database.clone(), target.table.clone(), index.clone());
    let on_run = Callback::new(move |()| {
        action.dispatch(DropTableIndex {
            database: database.clone(),
            table: table.clone(),
            index: name.clone(),
            dry_run: false,
        });
    });
    view! {
        <StatementDialog title=format!("Drop index {index}") action statement on_run on_close=target.on_close on_done=target.on_done danger=true/>
    }
}

#[component]
fn RenameDialog(target: Target) -> impl IntoView {
    let action = ServerAction::<RenameTableFn>::new();
    let new_name = RwSignal::new(String::new());
    let request = move || RenameTable {
        name: new_name.get().trim().to_owned(),
        dry_run: false,
    };
    let t = target.clone();
    let statement = Signal::derive(move || {
        let table = t.table_id()?;
        shown(ddl::rename_table(&table, &request()))
    });
    let (database, table) = (target.database.clone(), target.table.clone());
    let on_run = Callback::new(move |()| {
        action.dispatch(RenameTableFn {
            database: database.clone(),
            table: table.clone(),
            request: request(),
        });
    });
    // The table is found under its new name now.
    let navigator = Navigator::of_router();
    let database = target.database.clone();
    let on_done = Callback::new(move |_: StatementRun| {
        let href = format!(
            "{}?tab=structure",
            table_href(&database, new_name.get_untracked().trim())
        );
        navigator.go(&href, true);
    });
    view! {
        <StatementDialog title=format!("Rename table {}", target.table) action statement on_run
            on_close=target.on_close on_done confirm_name=target.table.clone()>
            <div class="form-field">
                <label for="rename-table-name">"New name"</label>
                <input id="rename-table-name" type="text" class="mono" autocomplete="off" spellcheck="false" bind:value=new_name/>
            </div>
            <p class="hint">"Views, triggers and code that name the table by its old name stop working."</p>
        </StatementDialog>
    }
}

#[component]
fn TruncateDialog(target: Target) -> impl IntoView {
    let action = ServerAction::<TruncateTable>::new();
    let t = target.clone();
    let statement = Signal::derive(move || Ok(ddl::truncate_table(&t.table_id()?)));
    let (database, table) = (target.database.clone(), target.table.clone());
    let on_run = Callback::new(move |()| {
        action.dispatch(TruncateTable {
            database: database.clone(),
            table: table.clone(),
            dry_run: false,
        });
    });
    view! {
        <StatementDialog title=format!("Truncate table {}", target.table) action statement on_run
            on_close=target.on_close on_done=target.on_done confirm_name=target.table.clone() danger=true>
            <p class="warning">"Every row of the table is deleted; its structure stays. This cannot be undone."</p>
        </StatementDialog>
    }
}

#[component]
fn DropDialog(target: Target) -> impl IntoView {
    let action = ServerAction::<DropTable>::new();
    let t = target.clone();
    let statement = Signal::derive(move || Ok(ddl::drop_table(&t.table_id()?)));
    let (database, table) = (target.database.clone(), target.table.clone());
    let on_run = Callback::new(move |()| {
        action.dispatch(DropTable {
            database: database.clone(),
            table: table.clone(),
            dry_run: false,
        });
    });
    let navigator = Navigator::of_router();
    let list = list_href(&target.database);
    let on_done = Callback::new(move |_: StatementRun| navigator.go(&list, true));
    view! {
        <StatementDialog title=format!("Drop table {}", target.table) action statement on_run
            on_close=target.on_close on_done confirm_name=target.table.clone() danger=true>
            <p class="warning">"The table, its rows and its indexes are deleted. This cannot be undone."</p>
        </StatementDialog>
    }
}
