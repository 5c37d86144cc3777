//! Export and import of a table's rows. Exports are plain links to
//! `GET /api/databases/{name}/tables/{table}/export` (the rows of the current order and filters,
//! every page) as CSV, JSON or SQL INSERTs; an import reads the start of a CSV file in the
//! browser, lets each CSV column be mapped to a table column (or skipped) with the first rows
//! shown, then sends the file to `POST …/import`.
use super::TableExportFormat;
use super::browser::{self, ChosenFile};
use super::cells::rows_text;
use super::csv;
use super::url::TableView;
use crate::components::form_error::FormError;
use crate::components::modal::Modal;
use leptos::html::Input;
use leptos::prelude::*;

/// Rows of the file the preview shows.
const PREVIEW_ROWS: usize = 5;
/// The target word that skips a CSV column.
const SKIP: &str = "-";

/// The start of a CSV file as the import dialog shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Preview {
    /// The first records (the header too, if the file has one).
    pub records: Vec<Vec<String>>,
    /// Why the start could not be read as CSV.
    pub error: Option<String>,
}

impl Preview {
    pub fn read(text: &str) -> Self {
        let mut preview = Self::default();
        for record in csv::records(text).take(PREVIEW_ROWS + 1) {
            match record {
                Ok(fields) => preview.records.push(fields),
                Err(err) => {
                    preview.error = Some(err.message);
                    break;
                }
            }
        }
        preview
    }

    pub fn width(&self) -> usize {
        self.records.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The name of CSV column `i`: its header, or "Column i+1".
    pub fn name(&self, i: usize, header: bool) -> String {
        header
            .then(|| self.records.first().and_then(|r| r.get(i)))
            .flatten()
            .filter(|name| !name.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| format!("Column {}", i + 1))
    }

    /// The first guess of each CSV column's target: the table column of the same name (with a
    /// header), or of the same place (without).
    pub fn guess_targets(&self, header: bool, columns: &[String]) -> Vec<String> {
        (0..self.width())
            .map(|i| {
                let found = if header {
                    let name = self.name(i, true);
                    columns
                        .iter()
                        .find(|c| c.eq_ignore_ascii_case(name.trim()))
                        .cloned()
                } else {
                    columns.get(i).cloned()
                };
                found.unwrap_or_else(|| SKIP.to_owned())
            })
            .collect()
    }

    pub fn data_rows(&self, header: bool) -> &[Vec<String>] {
        let skip = usize::from(header).min(self.records.len());
        let rows = &self.records[skip..];
        &rows[..rows.len().min(PREVIEW_ROWS)]
    }
}

#[component]
pub fn Transfer(
    database: String,
    table: String,
    columns: Vec<String>,
    view: Memo<TableView>,
    /// After an import (the grid reads its rows again).
    refresh: Callback<()>,
) -> impl IntoView {
    let importing = RwSignal::new(false);
    let imported = RwSignal::new(None::<String>);
    let link = {
        let (database, table) = (database.clone(), table.clone());
        move |format: TableExportFormat, label: &'static str| {
            let (database, table) = (database.clone(), table.clone());
            let href = move || view.with(|v| v.export_href(&database, &table, format));
            view! { <a class="button" href=href download="">{label}</a> }
        }
    };
    view! {
        <div class="transfer">
            {link(TableExportFormat::Csv, "Export CSV")}
            {link(TableExportFormat::Json, "Export JSON")}
            {link(TableExportFormat::Sql, "Export SQL")}
            <button type="button" class="button" on:click=move |_| importing.set(true)>"Import CSV"</button>
            <span class="muted" role="status">{move || imported.get()}</span>
        </div>
        <p class="hint">"Exports hold every row of the current order and filters."</p>
        {move || importing.get().then(|| view! {
            <ImportDialog
                database=database.clone()
                table=table.clone()
                columns=columns.clone()
                on_close=Callback::new(move |()| importing.set(false))
                on_imported=Callback::new(move |n: u64| {
                    imported.set(Some(format!("Imported {}.", rows_text(n as usize))));
                    importing.set(false);
                    refresh.run(());
                })
            />
        })}
    }
}

#[component]
fn ImportDialog(
    database: String,
    table: String,
    columns: Vec<String>,
    on_close: Callback<()>,
    on_imported: Callback<u64>,
) -> impl IntoView {
    let input = NodeRef::<Input>::new();
    let file = StoredValue::new_local(None::<ChosenFile>);
    let header = RwSignal::new(true);
    let preview = RwSignal::new(None::<Preview>);
    let targets = RwSignal::new(Vec::<String>::new());
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let names = StoredValue::new(columns);
    // A new file or a change of the header box guesses the targets again.
    Effect::new(move |_| {
        let header = header.get();
        if let Some(p) = preview.get() {
            targets.set(names.with_value(|n| p.guess_targets(header, n)));
        }
    });
    let chosen = move |_| {
        let Some(element) = input.get_untracked() else {
            return;
        };
        let picked = browser::chosen_file(&element);
        error.set(None);
        preview.set(None);
        let Some(picked) = picked else {
            file.set_value(None);
            return;
        };
        leptos::task::spawn_local(async move {
            let read = browser::read_start(&picked).await;
            match read {
                Ok(text) => {
                    let _ = preview.try_set(Some(Preview::read(&text)));
                    file.set_value(Some(picked));
                }
                Err(message) => {
                    let _ = error.try_set(Some(message));
                }
            }
        });
    };
    let (db, t) = (database.clone(), table.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let chosen = targets.get_untracked();
        if chosen.iter().all(|t| t == SKIP) {
            error.set(Some(
                "Map at least one CSV column to a table column.".to_owned(),
            ));
            return;
        }
        let Some(picked) = file.with_value(Clone::clone) else {
            error.set(Some("Choose a CSV file first.".to_owned()));
            return;
        };
        let url = browser::import_url(&db, &t, &chosen, header.get_untracked());
        sending.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = browser::upload_csv(&url, &picked).await;
            let _ = sending.try_set(false);
            match result {
                Ok(n) => on_imported.run(n),
                Err(message) => {
                    let _ = error.try_set(Some(message));
                }
            }
        });
    };
    let mapping = move || {
        let p = preview.get()?;
        let header = header.get();
        let width = p.width();
        let selects = (0..width)
            .map(|i| {
                let name = p.name(i, header);
                let id = format!("import-target-{i}");
                let label = format!("Target for {name}");
                let options = names.with_value(|names| {
                    names
                        .iter()
                        .map(|c| {
                            let c = c.clone();
                            let value = c.clone();
                            view! { <option value=value.clone() selected=move || targets.with(|t| t.get(i) == Some(&value))>{c}</option> }
                        })
                        .collect_view()
                });
                view! {
                    <div class="form-field">
                        <label for=id.clone()>{label}</label>
                        <select id=id
                            on:change=move |ev| {
                                let value = event_target_value(&ev);
                                targets.update(|t| if let Some(slot) = t.get_mut(i) { *slot = value; });
                            }>
                            <option value=SKIP selected=move || targets.with(|t| t.get(i).is_none_or(|v| v == SKIP))>"Skip"</option>
                            {options}
                        </select>
                    </div>
                }
            })
            .collect_view();
        let head = (0..width)
            .map(|i| view! { <th scope="col">{p.name(i, header)}</th> })
            .collect_view();
        let rows = p
            .data_rows(header)
            .iter()
            .map(|r| view! { <tr>{r.iter().map(|f| view! { <td>{f.clone()}</td> }).collect_view()}</tr> })
            .collect_view();
        let problem = p.error.clone().map(|message| view! { <FormError message=format!("The file is not valid CSV: {message}")/> });
        Some(view! {
            {problem}
            <fieldset class="import-mapping">
                <legend>"Columns"</legend>
                {selects}
            </fieldset>
            <p class="statement-label" id="import-preview-label">"First rows"</p>
            <div class="grid-scroll" role="region" aria-labelledby="import-preview-label" tabindex="0">
                <table class="data-table plain result-grid">
                    <thead><tr>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        })
    };
    view! {
        <Modal labelled_by="import-title" on_close>
            <h2 id="import-title">{format!("Import CSV into {table}")}</h2>
            <form on:submit=submit>
                <label for="import-csv-file">"CSV file"</label>
                <input id="import-csv-file" type="file" accept=".csv,text/csv" node_ref=input on:change=chosen/>
                <label class="checkbox" for="import-header">
                    <input id="import-header" type="checkbox" bind:checked=header/>
                    "The first row names the columns"
                </label>
                {mapping}
                {move || error.get().map(|message| view! { <FormError message/> })}
                <div class="modal-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || sending.get() || preview.with(Option::is_none)>
                        {move || if sending.get() { "Importing…" } else { "Import" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<String> {
        vec!["id".into(), "name".into(), "note".into()]
    }

    #[test]
    fn the_preview_names_columns_and_guesses_their_targets() {
        let p = Preview::read("Name,extra,ID\r\nAnn,x,1\r\nBo,y,2\r\n");
        assert_eq!(p.error, None);
        assert_eq!(p.width(), 3);
        assert_eq!(p.name(1, true), "extra");
        assert_eq!(p.name(1, false), "Column 2");
        assert_eq!(p.guess_targets(true, &columns()), vec!["name", "-", "id"]);
        assert_eq!(
            p.guess_targets(false, &columns()),
            vec!["id", "name", "note"]
        );
        assert_eq!(p.data_rows(true).len(), 2);
        assert_eq!(p.data_rows(false).len(), 3);
    }

    #[test]
    fn the_preview_stops_at_its_rows_and_at_bad_csv() {
        let long: String = (0..20).map(|i| format!("{i}\n")).collect();
        assert_eq!(Preview::read(&long).data_rows(true).len(), PREVIEW_ROWS);
        let bad = Preview::read("a,\"b\nc");
        assert!(bad.error.is_some());
    }
}
