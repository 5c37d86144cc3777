//! What the structure dialogs share: the statement shown before it runs (built in the browser by
//! the same `ddl` functions the server runs, so what is shown is what runs), the typed-name
//! confirmation, and the fields that describe one column.
use super::ColumnInfo;
use super::StatementRun;
use super::ddl::{ColumnDefinition, DefaultExpression};
use crate::components::form_error::ActionError;
use crate::components::modal::Modal;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// A statement builder's answer as the dialog shows it.
pub fn shown(built: Result<String, AppError>) -> Result<String, String> {
    built.map_err(|e| e.message)
}

/// A dialog that shows the exact statement and runs it: fields (children), the statement in a
/// `<pre>` named "Statement", optionally the table's name typed to confirm, then "Run".
/// `on_done` follows a successful run.
#[component]
pub fn StatementDialog<S>(
    title: String,
    action: ServerAction<S>,
    statement: Signal<Result<String, String>>,
    on_run: Callback<()>,
    on_close: Callback<()>,
    on_done: Callback<StatementRun>,
    /// The table's name, to be typed before "Run" is enabled.
    #[prop(optional)]
    confirm_name: Option<String>,
    /// The statement destroys data: "Run" is red.
    #[prop(optional)]
    danger: bool,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView
where
    S: ServerFn<Output = StatementRun, Error = AppError> + Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(run)) = action.value().get() {
            on_done.run(run);
        }
    });
    let typed = RwSignal::new(String::new());
    let expected = confirm_name.clone();
    let confirmed = move || expected.as_ref().is_none_or(|name| typed.get() == *name);
    let ready = Signal::derive(move || {
        statement.with(Result::is_ok) && confirmed() && !action.pending().get()
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ready.get_untracked() {
            on_run.run(());
        }
    };
    let sql = move || match statement.get() {
        Ok(sql) => sql,
        Err(why) => format!("-- {why}"),
    };
    view! {
        <Modal labelled_by="statement-dialog-title" on_close>
            <h2 id="statement-dialog-title">{title}</h2>
            <form on:submit=submit class="statement-form">
                {children.map(|children| children())}
                <p class="statement-label" id="statement-label">"Statement"</p>
                <pre class="statement-sql mono" role="region" aria-labelledby="statement-label" tabindex="0">{sql}</pre>
                {confirm_name.map(|name| view! {
                    <label for="confirm-table-name">"Type the table name to confirm"</label>
                    <input id="confirm-table-name" type="text" class="mono" autocomplete="off" spellcheck="false"
                        placeholder=name bind:value=typed/>
                })}
                <ActionError action/>
                <div class="modal-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class=if danger { "button danger" } else { "button primary" } disabled=move || !ready.get()>
                        "Run"
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// How a column's default is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultKind {
    None,
    Value,
    Null,
    CurrentTimestamp,
}

impl DefaultKind {
    const ALL: [(DefaultKind, &'static str, &'static str); 4] = [
        (DefaultKind::None, "none", "No default"),
        (DefaultKind::Value, "value", "A value"),
        (DefaultKind::Null, "null", "NULL"),
        (
            DefaultKind::CurrentTimestamp,
            "current_timestamp",
            "CURRENT_TIMESTAMP",
        ),
    ];

    fn from_word(word: &str) -> Self {
        Self::ALL
            .iter()
            .find(|(_, w, _)| *w == word)
            .map_or(Self::None, |(k, _, _)| *k)
    }
}

/// A column's default as MariaDB reports it (`'it''s'`, `5`, `NULL`, `current_timestamp()`), as
/// the form's fields hold it.
pub fn read_default(reported: Option<&str>) -> (DefaultKind, String) {
    match reported {
        None => (DefaultKind::None, String::new()),
        Some(d) if d.eq_ignore_ascii_case("null") => (DefaultKind::Null, String::new()),
        Some(d) if d.to_ascii_lowercase().starts_with("current_timestamp") => {
            (DefaultKind::CurrentTimestamp, String::new())
        }
        Some(d) if d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'') => {
            (DefaultKind::Value, d[1..d.len() - 1].replace("''", "'"))
        }
        Some(d) => (DefaultKind::Value, d.to_owned()),
    }
}

/// The fields of one column definition.
#[derive(Debug, Clone, Copy)]
pub struct ColumnState {
    pub name: RwSignal<String>,
    pub column_type: RwSignal<String>,
    pub nullable: RwSignal<bool>,
    pub default_kind: RwSignal<DefaultKind>,
    pub default_value: RwSignal<String>,
    pub auto_increment: RwSignal<bool>,
    pub comment: RwSignal<String>,
}

impl ColumnState {
    pub fn new(name: &str, column_type: &str, nullable: bool) -> Self {
        Self {
            name: RwSignal::new(name.to_owned()),
            column_type: RwSignal::new(column_type.to_owned()),
            nullable: RwSignal::new(nullable),
            default_kind: RwSignal::new(DefaultKind::None),
            default_value: RwSignal::new(String::new()),
            auto_increment: RwSignal::new(false),
            comment: RwSignal::new(String::new()),
        }
    }

    /// The fields filled with an existing column, for changing it.
    pub fn of(column: &ColumnInfo) -> Self {
        let state = Self::new(&column.name, &column.column_type, column.nullable);
        let (kind, value) = read_default(column.default.as_deref());
        state.default_kind.set(kind);
        state.default_value.set(value);
        state
            .auto_increment
            .set(column.extra.contains("auto_increment"));
        state.comment.set(column.comment.clone());
        state
    }

    /// The definition the fields describe (read reactively: the statement follows the typing).
    pub fn definition(&self) -> ColumnDefinition {
        let kind = self.default_kind.get();
        let comment = self.comment.get();
        ColumnDefinition {
            name: self.name.get().trim().to_owned(),
            column_type: self.column_type.get().trim().to_owned(),
            nullable: self.nullable.get(),
            default: (kind == DefaultKind::Value).then(|| self.default_value.get()),
            default_expression: match kind {
                DefaultKind::Null => Some(DefaultExpression::Null),
                DefaultKind::CurrentTimestamp => Some(DefaultExpression::CurrentTimestamp),
                _ => None,
            },
            auto_increment: self.auto_increment.get(),
            comment: (!comment.is_empty()).then_some(comment),
        }
    }
}

/// Types the Type field suggests (any MariaDB type may be typed).
const SUGGESTED_TYPES: [&str; 14] = [
    "INT",
    "INT UNSIGNED",
    "BIGINT",
    "TINYINT(1)",
    "DECIMAL(10,2)",
    "DOUBLE",
    "VARCHAR(255)",
    "TEXT",
    "DATE",
    "DATETIME",
    "TIMESTAMP",
    "TIME",
    "JSON",
    "ENUM('a','b')",
];

/// The `<datalist>` the Type fields of a dialog share.
#[component]
pub fn TypeSuggestions() -> impl IntoView {
    view! {
        <datalist id="column-types">
            {SUGGESTED_TYPES.iter().map(|t| view! { <option value=*t></option> }).collect_view()}
        </datalist>
    }
}

/// Name, type, NULL, default, auto increment and comment of one column; `prefix` keeps the ids
/// of several columns in one dialog apart.
#[component]
pub fn ColumnFields(prefix: String, state: ColumnState) -> impl IntoView {
    let id = move |field: &str| format!("{prefix}-{field}");
    let options = DefaultKind::ALL
        .iter()
        .map(|(kind, word, label)| {
            let kind = *kind;
            view! { <option value=*word selected=move || state.default_kind.get() == kind>{*label}</option> }
        })
        .collect_view();
    let (name_id, type_id, null_id, default_id, value_id, auto_id, comment_id) = (
        id("name"),
        id("type"),
        id("null"),
        id("default"),
        id("default-value"),
        id("auto"),
        id("comment"),
    );
    view! {
        <div class="column-fields">
            <div class="form-field">
                <label for=name_id.clone()>"Column name"</label>
                <input id=name_id.clone() type="text" class="mono" autocomplete="off" spellcheck="false" bind:value=state.name/>
            </div>
            <div class="form-field">
                <label for=type_id.clone()>"Type"</label>
                <input id=type_id.clone() type="text" class="mono" autocomplete="off" spellcheck="false" list="column-types" bind:value=state.column_type/>
            </div>
            <div class="form-field">
                <label for=default_id.clone()>"Default"</label>
                <select id=default_id.clone() on:change=move |ev| state.default_kind.set(DefaultKind::from_word(&event_target_value(&ev)))>
                    {options}
                </select>
            </div>
            {move || (state.default_kind.get() == DefaultKind::Value).then(|| view! {
                <div class="form-field">
                    <label for=value_id.clone()>"Default value"</label>
                    <input id=value_id.clone() type="text" class="mono" autocomplete="off" bind:value=state.default_value/>
                </div>
            })}
            <div class="form-field">
                <label for=comment_id.clone()>"Comment"</label>
                <input id=comment_id.clone() type="text" autocomplete="off" bind:value=state.comment/>
            </div>
            <div class="form-field checkboxes">
                <label class="checkbox" for=null_id.clone()>
                    <input id=null_id.clone() type="checkbox" bind:checked=state.nullable/>
                    "Allow NULL"
                </label>
                <label class="checkbox" for=auto_id.clone()>
                    <input id=auto_id.clone() type="checkbox" bind:checked=state.auto_increment/>
                    "Auto increment"
                </label>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_defaults_fill_the_fields() {
        assert_eq!(read_default(None), (DefaultKind::None, String::new()));
        assert_eq!(
            read_default(Some("NULL")),
            (DefaultKind::Null, String::new())
        );
        assert_eq!(
            read_default(Some("current_timestamp()")),
            (DefaultKind::CurrentTimestamp, String::new())
        );
        assert_eq!(
            read_default(Some("'it''s'")),
            (DefaultKind::Value, "it's".to_owned())
        );
        assert_eq!(
            read_default(Some("5")),
            (DefaultKind::Value, "5".to_owned())
        );
        assert_eq!(DefaultKind::from_word("null"), DefaultKind::Null);
        assert_eq!(DefaultKind::from_word("?"), DefaultKind::None);
    }
}
