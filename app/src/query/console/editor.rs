//! The SQL editor: a `<textarea>` the server renders (usable before hydration and without the
//! editor's script), which `/editor/sql-editor.js` turns into CodeMirror once the tab is hydrated.
//!
//! The two meet in the DOM only:
//! - the textarea holds the statement text; the editor copies every edit into it (with an `input`
//!   event), so `current_sql` reads the textarea either way;
//! - `data-sql-editor` marks the textarea to upgrade; `data-schema` (`{"table": ["column", …]}`)
//!   feeds completion and is rewritten after each run (a table may have been created);
//! - `sql-editor-run` comes from the editor on Ctrl/Cmd+Enter (the textarea's own keydown does the
//!   same before the editor loads); `sql-editor-set` tells the editor the app changed the text.
use super::browser;
use crate::query::{SchemaOutline, get_schema_outline};
use leptos::html::Textarea;
use leptos::prelude::*;

/// The statement as typed (the textarea is the one place it lives).
pub fn current_sql(textarea: NodeRef<Textarea>) -> String {
    textarea
        .get_untracked()
        .map(|el| el.value())
        .unwrap_or_default()
}

/// Puts `sql` in the editor (a history entry picked), replacing what was there.
pub fn set_sql(textarea: NodeRef<Textarea>, sql: &str) {
    if let Some(el) = textarea.get_untracked() {
        el.set_value(sql);
        browser::notify_editor(&el);
    }
}

/// The outline as CodeMirror's SQL completion takes it: table name → column names.
pub fn schema_json(outline: &SchemaOutline) -> String {
    let tables: serde_json::Map<String, serde_json::Value> = outline
        .tables
        .iter()
        .map(|t| (t.name.clone(), serde_json::Value::from(t.columns.clone())))
        .collect();
    serde_json::Value::Object(tables).to_string()
}

#[component]
pub fn SqlEditor(
    database: Signal<String>,
    textarea: NodeRef<Textarea>,
    runs: RwSignal<u32>,
    on_run: Callback<()>,
) -> impl IntoView {
    // Browser only: the server renders the textarea without completion data.
    let outline = LocalResource::new(move || {
        runs.track();
        get_schema_outline(database.get())
    });
    Effect::new(move |_| browser::load_editor_script());
    Effect::new(move |_| {
        if let (Some(el), Some(Ok(outline))) = (textarea.get(), outline.get()) {
            let json = schema_json(&outline);
            // Unchanged tables need no new completion setup in the editor.
            if el.get_attribute("data-schema").as_deref() != Some(json.as_str()) {
                let _ = el.set_attribute("data-schema", &json);
            }
        }
    });
    view! {
        <label for="sql-input">"SQL"</label>
        <div class="sql-editor">
            <textarea
                id="sql-input"
                name="sql"
                class="mono"
                rows="8"
                spellcheck="false"
                autocomplete="off"
                autocapitalize="off"
                placeholder="SELECT * FROM …"
                aria-describedby="sql-hint"
                data-sql-editor=""
                data-schema="{}"
                node_ref=textarea
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        on_run.run(());
                    }
                }
                on:sql-editor-run=move |_: leptos::web_sys::Event| on_run.run(())
            ></textarea>
        </div>
        <p id="sql-hint" class="hint">
            "Ctrl+Enter (⌘+Enter) runs. Several statements separated by ; run in order. "
            "Results show up to " {crate::query::DEFAULT_MAX_ROWS} " rows; exports hold every row."
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::TableOutline;

    #[test]
    fn the_schema_maps_tables_to_their_columns() {
        let outline = SchemaOutline {
            tables: vec![
                TableOutline {
                    name: "customers".into(),
                    columns: vec!["id".into(), "name".into()],
                },
                TableOutline {
                    name: "orders".into(),
                    columns: vec![],
                },
            ],
        };
        let json: serde_json::Value = serde_json::from_str(&schema_json(&outline)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"customers": ["id", "name"], "orders": []})
        );
        assert_eq!(schema_json(&SchemaOutline::default()), "{}");
    }
}
