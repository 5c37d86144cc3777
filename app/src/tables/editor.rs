//! Editing values: a typed input per column (numbers, dates, times, ENUM choices, JSON, long text),
//! with NULL (and, when inserting, the column's default) as boxes of their own; the dialog that
//! edits one cell and the one that inserts a row. Both address rows by their key, and an edit
//! sends the value it replaces, so a row changed meanwhile is refused (409 `row_changed`) rather
//! than overwritten.
use super::cells::plain_text;
use super::{ColumnInfo, InsertRow, InsertTableRow, UpdateRow, UpdateTableRow, Values};
use crate::components::form_error::{ActionError, FormError};
use crate::components::modal::Modal;
use crate::error::ErrorCode;
use leptos::prelude::*;
use serde_json::Value;

/// What kind of input a column's values are typed into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    Integer,
    /// DECIMAL: kept as text, so no digit is lost.
    Decimal,
    Float,
    Date,
    DateTime,
    Time,
    Enum(Vec<String>),
    Json,
    LongText,
    Text,
    /// Binary values are shown and downloaded, not typed.
    Binary,
}

pub fn input_kind(column: &ColumnInfo) -> InputKind {
    match column.data_type.to_ascii_lowercase().as_str() {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "year" => {
            InputKind::Integer
        }
        "decimal" | "numeric" | "dec" | "fixed" => InputKind::Decimal,
        "float" | "double" | "real" => InputKind::Float,
        "date" => InputKind::Date,
        "datetime" | "timestamp" => InputKind::DateTime,
        "time" => InputKind::Time,
        "enum" => InputKind::Enum(column.values.clone()),
        "json" => InputKind::Json,
        "text" | "tinytext" | "mediumtext" | "longtext" => InputKind::LongText,
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" | "bit"
        | "geometry" | "point" | "linestring" | "polygon" | "multipoint" | "multilinestring"
        | "multipolygon" | "geometrycollection" => InputKind::Binary,
        _ => InputKind::Text,
    }
}

/// A stored value as the column's input shows it (`2024-05-01 10:00:00` → `2024-05-01T10:00:00`).
pub fn input_text(kind: &InputKind, value: &Value) -> String {
    let text = plain_text(value);
    match kind {
        InputKind::DateTime => text.replacen(' ', "T", 1).chars().take(19).collect(),
        _ => text,
    }
}

/// The typed text as the value sent to the server; `Err` says what is wrong with it.
pub fn typed_value(kind: &InputKind, column: &str, text: &str) -> Result<Value, String> {
    const EXACT: i64 = 1 << 53;
    match kind {
        InputKind::Integer => {
            let trimmed = text.trim();
            match trimmed.parse::<i64>() {
                Ok(n) if (-EXACT..=EXACT).contains(&n) => Ok(Value::from(n)),
                _ if !trimmed.is_empty()
                    && trimmed
                        .trim_start_matches('-')
                        .bytes()
                        .all(|b| b.is_ascii_digit()) =>
                {
                    Ok(Value::from(trimmed))
                }
                _ => Err(format!("{column} takes a whole number.")),
            }
        }
        InputKind::Float => match text.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Value::from(n)),
            _ => Err(format!("{column} takes a number.")),
        },
        InputKind::Decimal => Ok(Value::from(text.trim())),
        InputKind::DateTime => {
            let mut value = text.trim().replacen('T', " ", 1);
            if value.len() == 16 {
                value.push_str(":00");
            }
            Ok(Value::from(value))
        }
        InputKind::Time if text.len() == 5 => Ok(Value::from(format!("{text}:00"))),
        InputKind::Json => serde_json::from_str::<Value>(text)
            .map(|_| Value::from(text))
            .map_err(|e| format!("{column} is not valid JSON: {e}.")),
        InputKind::Binary => Err(format!(
            "{column} holds binary data: it cannot be typed here."
        )),
        _ => Ok(Value::from(text)),
    }
}

/// What one field holds: text, or NULL, or (inserting) the column's default.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub text: RwSignal<String>,
    pub null: RwSignal<bool>,
    pub default: RwSignal<bool>,
}

impl Field {
    pub fn new(text: String, null: bool, default: bool) -> Self {
        Self {
            text: RwSignal::new(text),
            null: RwSignal::new(null),
            default: RwSignal::new(default),
        }
    }

    /// The value to send; `None` leaves the column to its default.
    pub fn value(&self, column: &ColumnInfo) -> Result<Option<Value>, String> {
        if self.default.get_untracked() {
            return Ok(None);
        }
        if self.null.get_untracked() {
            return Ok(Some(Value::Null));
        }
        typed_value(
            &input_kind(column),
            &column.name,
            &self.text.get_untracked(),
        )
        .map(Some)
    }
}

/// What a column falls back to when an insert leaves it out.
pub fn default_text(column: &ColumnInfo) -> Option<String> {
    if column.extra.contains("auto_increment") {
        return Some("the next number (auto_increment)".to_owned());
    }
    match &column.default {
        Some(default) if default.eq_ignore_ascii_case("null") => Some("NULL".to_owned()),
        Some(default) => Some(default.clone()),
        None if column.nullable => Some("NULL".to_owned()),
        None => None,
    }
}

/// Generated columns are computed by MariaDB, never written.
pub fn is_generated(column: &ColumnInfo) -> bool {
    column.extra.to_ascii_uppercase().contains("GENERATED")
}

/// The input for one column, labelled by the element `id` points to, with its NULL box (and its
/// Default box when `with_default`). `names`: the boxes name their column too (several fields in
/// one dialog).
#[component]
pub fn ValueInput(
    id: String,
    column: ColumnInfo,
    field: Field,
    #[prop(optional)] with_default: bool,
    #[prop(optional)] names: bool,
) -> impl IntoView {
    let kind = input_kind(&column);
    let Field {
        text,
        null,
        default,
    } = field;
    let typed = move || {
        null.set(false);
        default.set(false);
    };
    let off = move || null.get() || default.get();
    let input = match kind.clone() {
        InputKind::Enum(values) => {
            let options = values
                .into_iter()
                .map(|v| view! { <option value=v.clone()>{v.clone()}</option> })
                .collect_view();
            view! {
                <select id=id.clone() class="mono" prop:value=move || text.get() on:change=move |ev| { text.set(event_target_value(&ev)); typed(); }>
                    <option value="">"(empty)"</option>
                    {options}
                </select>
            }
            .into_any()
        }
        InputKind::Json | InputKind::LongText => view! {
            <textarea id=id.clone() class="mono" rows="5" spellcheck="false" prop:value=move || text.get()
                on:input=move |ev| { text.set(event_target_value(&ev)); typed(); }></textarea>
        }
        .into_any(),
        InputKind::Binary => view! {
            <input id=id.clone() type="text" disabled value="(binary data)"/>
        }
        .into_any(),
        other => {
            let (kind_attr, step, mode) = match other {
                InputKind::Integer => ("number", Some("1"), None),
                InputKind::Float => ("number", Some("any"), None),
                InputKind::Decimal => ("text", None, Some("decimal")),
                InputKind::Date => ("date", None, None),
                InputKind::DateTime => ("datetime-local", Some("1"), None),
                InputKind::Time => ("time", Some("1"), None),
                _ => ("text", None, None),
            };
            view! {
                <input id=id.clone() type=kind_attr step=step inputmode=mode class="mono" autocomplete="off"
                    prop:value=move || text.get()
                    on:input=move |ev| { text.set(event_target_value(&ev)); typed(); }/>
            }
            .into_any()
        }
    };
    let name = column.name.clone();
    let null_label = names.then(|| format!("{name} is NULL"));
    let default_label = names.then(|| format!("{name} takes its default"));
    let nullable = column.nullable;
    let default_box = with_default.then(|| {
        default_text(&column).map(|fallback| {
            view! {
                <label class="checkbox">
                    <input type="checkbox" aria-label=default_label prop:checked=move || default.get()
                        on:change=move |ev| { default.set(event_target_checked(&ev)); if default.get_untracked() { null.set(false); } }/>
                    {format!("Default: {fallback}")}
                </label>
            }
        })
    });
    view! {
        <div class=move || if off() { "value-input off" } else { "value-input" }>{input}</div>
        <div class="value-flags">
            <label class="checkbox">
                <input type="checkbox" aria-label=null_label disabled=!nullable prop:checked=move || null.get()
                    on:change=move |ev| { null.set(event_target_checked(&ev)); if null.get_untracked() { default.set(false); } }/>
                "NULL"
            </label>
            {(!nullable).then(|| view! { <span class="hint">"This column cannot be NULL."</span> })}
            {default_box}
        </div>
    }
}

/// "Edit <column>": one cell of one row, saved only if the row still holds `old`.
#[component]
pub fn CellEditor(
    database: String,
    table: String,
    column: ColumnInfo,
    key: Values,
    key_text: String,
    old: Value,
    on_close: Callback<()>,
    on_saved: Callback<()>,
    /// The row changed since it was read: the save was refused and the grid should read it again
    /// (the dialog stays, with the server's reason).
    on_conflict: Callback<()>,
) -> impl IntoView {
    let save = ServerAction::<UpdateTableRow>::new();
    let kind = input_kind(&column);
    let field = Field::new(input_text(&kind, &old), old.is_null(), false);
    let invalid = RwSignal::new(None::<String>);
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => on_saved.run(()),
        Some(Err(err)) if err.code == ErrorCode::RowChanged => on_conflict.run(()),
        _ => {}
    });
    let title = format!("Edit {}", column.name);
    let about = format!("Row {key_text} · {}", column.column_type);
    let col = column.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match field.value(&col) {
            Err(message) => invalid.set(Some(message)),
            Ok(value) => {
                invalid.set(None);
                let name = col.name.clone();
                let mut set = Values::new();
                set.insert(name.clone(), value.unwrap_or(Value::Null));
                let mut before = Values::new();
                before.insert(name, old.clone());
                save.dispatch(UpdateTableRow {
                    database: database.clone(),
                    table: table.clone(),
                    request: UpdateRow {
                        key: key.clone(),
                        old: before,
                        set,
                    },
                });
            }
        }
    };
    view! {
        <Modal labelled_by="cell-editor-title" on_close>
            <h2 id="cell-editor-title">{title}</h2>
            <form on:submit=submit>
                <label for="cell-value">"Value"</label>
                <p class="hint">{about}</p>
                <ValueInput id="cell-value".to_owned() column field/>
                {move || invalid.get().map(|message| view! { <FormError message/> })}
                <ActionError action=save/>
                <div class="modal-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save"</button>
                </div>
            </form>
        </Modal>
    }
}

/// "Insert row": a field per column (generated ones left out), each starting at its default when
/// it has one.
#[component]
pub fn InsertRowDialog(
    database: String,
    table: String,
    columns: Vec<ColumnInfo>,
    on_close: Callback<()>,
    on_inserted: Callback<()>,
) -> impl IntoView {
    let insert = ServerAction::<InsertTableRow>::new();
    let invalid = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if matches!(insert.value().get(), Some(Ok(_))) {
            on_inserted.run(());
        }
    });
    let fields: Vec<(ColumnInfo, Field)> = columns
        .into_iter()
        .filter(|c| !is_generated(c))
        .map(|c| {
            let field = Field::new(String::new(), false, default_text(&c).is_some());
            (c, field)
        })
        .collect();
    let inputs = fields
        .iter()
        .enumerate()
        .map(|(i, (column, field))| {
            let id = format!("insert-field-{i}");
            view! {
                <div class="insert-field">
                    <label for=id.clone()>
                        <span class="mono">{column.name.clone()}</span>" "
                        <span class="column-type">{column.column_type.clone()}</span>
                    </label>
                    <ValueInput id column=column.clone() field=*field with_default=true names=true/>
                </div>
            }
        })
        .collect_view();
    let fields = StoredValue::new(fields);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut values = Values::new();
        for (column, field) in fields.get_value() {
            match field.value(&column) {
                Err(message) => {
                    invalid.set(Some(message));
                    return;
                }
                Ok(Some(value)) => {
                    values.insert(column.name.clone(), value);
                }
                Ok(None) => {}
            }
        }
        invalid.set(None);
        insert.dispatch(InsertTableRow {
            database: database.clone(),
            table: table.clone(),
            request: InsertRow { values },
        });
    };
    view! {
        <Modal labelled_by="insert-row-title" on_close>
            <h2 id="insert-row-title">"Insert row"</h2>
            <form on:submit=submit class="insert-form">
                {inputs}
                {move || invalid.get().map(|message| view! { <FormError message/> })}
                <ActionError action=insert/>
                <div class="modal-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || insert.pending().get()>"Insert"</button>
                </div>
            </form>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(data_type: &str) -> ColumnInfo {
        ColumnInfo {
            name: "c".into(),
            column_type: data_type.into(),
            data_type: data_type.into(),
            nullable: true,
            default: None,
            extra: String::new(),
            comment: String::new(),
            key: String::new(),
            values: Vec::new(),
        }
    }

    #[test]
    fn columns_get_inputs_for_their_types() {
        assert_eq!(input_kind(&column("bigint")), InputKind::Integer);
        assert_eq!(input_kind(&column("DECIMAL")), InputKind::Decimal);
        assert_eq!(input_kind(&column("datetime")), InputKind::DateTime);
        assert_eq!(input_kind(&column("longblob")), InputKind::Binary);
        assert_eq!(input_kind(&column("varchar")), InputKind::Text);
        assert_eq!(input_kind(&column("mediumtext")), InputKind::LongText);
    }

    #[test]
    fn typed_text_becomes_the_value_sent() {
        assert_eq!(
            typed_value(&InputKind::Integer, "n", " 42 "),
            Ok(Value::from(42))
        );
        assert_eq!(
            typed_value(&InputKind::Integer, "n", "18446744073709551615"),
            Ok(Value::from("18446744073709551615"))
        );
        assert!(typed_value(&InputKind::Integer, "n", "4.2").is_err());
        assert_eq!(
            typed_value(&InputKind::Decimal, "n", "1.10"),
            Ok(Value::from("1.10"))
        );
        assert_eq!(
            typed_value(&InputKind::DateTime, "at", "2024-05-01T10:00"),
            Ok(Value::from("2024-05-01 10:00:00"))
        );
        assert_eq!(
            typed_value(&InputKind::Time, "t", "10:30"),
            Ok(Value::from("10:30:00"))
        );
        assert_eq!(
            typed_value(&InputKind::Json, "j", r#"{"a":1}"#),
            Ok(Value::from(r#"{"a":1}"#))
        );
        assert!(typed_value(&InputKind::Json, "j", "{").is_err());
    }

    #[test]
    fn stored_values_fill_the_inputs() {
        assert_eq!(
            input_text(
                &InputKind::DateTime,
                &Value::from("2024-05-01 10:00:00.123456")
            ),
            "2024-05-01T10:00:00"
        );
        assert_eq!(input_text(&InputKind::Integer, &Value::from(7)), "7");
        assert_eq!(input_text(&InputKind::Text, &Value::Null), "");
    }

    #[test]
    fn defaults_are_described() {
        let mut c = column("int");
        c.extra = "auto_increment".into();
        assert_eq!(
            default_text(&c).unwrap(),
            "the next number (auto_increment)"
        );
        let mut c = column("varchar");
        c.nullable = false;
        assert_eq!(default_text(&c), None);
        c.default = Some("'x'".into());
        assert_eq!(default_text(&c).unwrap(), "'x'");
        assert_eq!(default_text(&column("int")).unwrap(), "NULL");
    }
}
