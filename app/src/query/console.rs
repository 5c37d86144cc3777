//! The database page's "Query" tab: the SQL editor, Run/Cancel, the results of each statement,
//! exports of the whole result and the account's history.
//!
//! The editor is a plain `<textarea>` as rendered; once the tab is hydrated it loads
//! `/editor/sql-editor.js` (CodeMirror, bundled from `editor/`), which takes the textarea's place and
//! speaks to this component through DOM events only (see `editor`).
mod browser;
mod editor;
mod grid;
mod history;

use super::{DEFAULT_MAX_ROWS, ExportFormat, QueryRequest, QueryResponse, cancel_query, run_query};
use crate::components::form_error::FormError;
use crate::database_detail::{DatabaseHeader, DatabaseTab};
use crate::error::{AppError, ErrorCode};
use leptos::html::Textarea;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

/// How an error reads on the page: MariaDB's own refusals carry their number ("Error 1064: …").
pub fn describe_error(err: &AppError) -> String {
    match err.mysql_errno {
        Some(errno) => format!("Error {errno}: {}", err.message),
        None => err.message.clone(),
    }
}

/// A statement in flight: the id `cancel_query` stops it by (`None` when the browser could not make one).
#[derive(Debug, Clone)]
struct Running {
    query_id: Option<String>,
    cancelling: bool,
}

/// How often Cancel is sent while the server does not know the query yet (its Run request may
/// still be on the way, on another connection), a fifth of a second apart.
const CANCEL_ATTEMPTS: u32 = 25;

/// Sends Cancel for query `id`. On success the pending run itself fails with `query_cancelled`,
/// which is what shows.
fn send_cancel(
    id: String,
    running: RwSignal<Option<Running>>,
    cancel_error: RwSignal<Option<String>>,
    attempts_left: u32,
) {
    spawn_local(async move {
        let Err(err) = cancel_query(id.clone()).await else {
            return;
        };
        let still_running = running
            .try_get_untracked()
            .flatten()
            .is_some_and(|r| r.query_id.as_deref() == Some(id.as_str()));
        if !still_running {
            return; // it ended meanwhile: its own answer shows
        }
        if err.code == ErrorCode::NotFound && attempts_left > 1 {
            set_timeout(
                move || send_cancel(id, running, cancel_error, attempts_left - 1),
                std::time::Duration::from_millis(200),
            );
            return;
        }
        let _ = cancel_error.try_set(Some(describe_error(&err)));
        // Cancel may be tried again.
        let _ = running.try_update(|r| {
            if let Some(r) = r {
                r.cancelling = false;
            }
        });
    });
}

#[component]
pub fn QueryPage() -> impl IntoView {
    let params = use_params_map();
    let database = Signal::derive(move || params.read().get("name").unwrap_or_default());
    let textarea = NodeRef::<Textarea>::new();
    let running = RwSignal::new(None::<Running>);
    let outcome = RwSignal::new(None::<Result<QueryResponse, AppError>>);
    // Bumped after every run: the history and the editor's table list are read again.
    let runs = RwSignal::new(0u32);
    let cancel_error = RwSignal::new(None::<String>);

    // Another database in the same tab starts clean.
    Effect::watch(
        move || database.get(),
        move |_, _, _| outcome.set(None),
        false,
    );

    let run = move || {
        if running.get_untracked().is_some() {
            return;
        }
        let sql = editor::current_sql(textarea);
        if sql.trim().is_empty() {
            outcome.set(Some(Err(AppError::bad_request("Type a statement to run."))));
            return;
        }
        let query_id = browser::new_query_id();
        running.set(Some(Running {
            query_id: query_id.clone(),
            cancelling: false,
        }));
        cancel_error.set(None);
        let request = QueryRequest {
            sql,
            max_rows: Some(DEFAULT_MAX_ROWS),
            timeout_ms: None,
            query_id,
        };
        let database = database.get_untracked();
        spawn_local(async move {
            let result = run_query(database, request).await;
            // The page may have been left meanwhile: then there is nothing to show it on.
            let _ = outcome.try_set(Some(result));
            let _ = running.try_set(None);
            let _ = runs.try_update(|n| *n += 1);
        });
    };
    let cancel = move || {
        let Some(Running {
            query_id: Some(id),
            cancelling: false,
        }) = running.get_untracked()
        else {
            return;
        };
        running.update(|r| {
            if let Some(r) = r {
                r.cancelling = true;
            }
        });
        send_cancel(id, running, cancel_error, CANCEL_ATTEMPTS);
    };
    let on_run = Callback::new(move |()| run());
    let is_running = Signal::derive(move || running.get().is_some());

    view! {
        <DatabaseHeader name=database current=DatabaseTab::Query/>
        <section class="card query-editor" aria-label="Query editor">
            <editor::SqlEditor database textarea runs on_run/>
            <div class="query-actions">
                <button
                    type="button"
                    class=move || if is_running.get() { "button danger-outline run-button" } else { "button primary run-button" }
                    aria-describedby="query-status"
                    disabled=move || running.get().is_some_and(|r| r.query_id.is_none() || r.cancelling)
                    on:click=move |_| if running.get_untracked().is_some() { cancel() } else { run() }
                >
                    {move || if is_running.get() { "Cancel" } else { "Run" }}
                </button>
                <span id="query-status" class="query-status" role="status">
                    {move || running.get().map(|r| {
                        let text = if r.cancelling { "Cancelling…" } else { "Running…" };
                        view! { <span class="spinner" aria-hidden="true"></span>{text} }
                    })}
                </span>
                <span class="query-actions-spacer"></span>
                <ExportButtons database textarea runs/>
            </div>
            {move || cancel_error.get().map(|message| view! { <FormError message/> })}
        </section>
        <grid::Results outcome running=is_running max_rows=DEFAULT_MAX_ROWS/>
        <history::History runs on_pick=Callback::new(move |sql: String| editor::set_sql(textarea, &sql))/>
    }
}

/// "Export CSV" / "Export JSON": the whole result of the editor's statement, streamed by
/// `POST /api/databases/{name}/query/export` and saved as `<database>.csv` / `<database>.ndjson`.
/// The server keeps exported statements in the history too: `runs` is bumped to show them.
#[component]
fn ExportButtons(
    database: Signal<String>,
    textarea: NodeRef<Textarea>,
    runs: RwSignal<u32>,
) -> impl IntoView {
    let exporting = RwSignal::new(None::<ExportFormat>);
    let error = RwSignal::new(None::<String>);
    let export = move |format: ExportFormat| {
        if exporting.get_untracked().is_some() {
            return;
        }
        let sql = editor::current_sql(textarea);
        if sql.trim().is_empty() {
            error.set(Some("Type a statement to export its result.".to_owned()));
            return;
        }
        exporting.set(Some(format));
        error.set(None);
        let database = database.get_untracked();
        spawn_local(async move {
            let result = browser::download_export(&database, sql, format).await;
            let _ = error.try_set(result.err());
            let _ = exporting.try_set(None);
            let _ = runs.try_update(|n| *n += 1);
        });
    };
    view! {
        <button
            type="button"
            class="button"
            disabled=move || exporting.get().is_some()
            on:click=move |_| export(ExportFormat::Csv)
        >
            "Export CSV"
        </button>
        <button
            type="button"
            class="button"
            disabled=move || exporting.get().is_some()
            on:click=move |_| export(ExportFormat::Ndjson)
        >
            "Export JSON"
        </button>
        <span class="export-status" role="status">{move || exporting.get().map(|_| "Exporting…")}</span>
        {move || error.get().map(|message| view! { <p class="form-error export-error" role="alert">{message}</p> })}
    }
}
