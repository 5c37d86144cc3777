//! Importing a `.sql` or `.sql.gz` file: the browser sends the file itself as the body of
//! `POST /api/databases/{name}/imports` (with the session cookie, same-origin), through
//! XMLHttpRequest because fetch cannot report upload progress. The job it answers with shows
//! up in the list below.
// The pure helpers serve the WASM build; the server's build keeps them for their tests.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]
use super::{Live, progress_text};
use crate::backups::JobList;
use crate::components::form_error::FormError;
use crate::error::AppError;
use crate::query::console::describe_error;
use leptos::html::Input;
use leptos::prelude::*;

/// The message of an error answer (`{"error":{"code","message","mysql_errno"?}}`).
pub fn refusal(status: u16, body: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Answer {
        error: AppError,
    }
    match serde_json::from_str::<Answer>(body) {
        Ok(answer) => describe_error(&answer.error),
        Err(_) if status == 413 => "The file is larger than the panel accepts.".to_owned(),
        Err(_) => format!("The import was refused (HTTP {status})."),
    }
}

#[component]
pub fn ImportForm(database: Signal<String>, jobs: Live<JobList>) -> impl IntoView {
    let input = NodeRef::<Input>::new();
    let chosen = RwSignal::new(false);
    // Bytes sent and the file's size while the upload runs.
    let uploading = RwSignal::new(None::<(f64, f64)>);
    let error = RwSignal::new(None::<String>);
    Effect::watch(
        move || database.get(),
        move |_, _, _| error.set(None),
        false,
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if uploading.get_untracked().is_some() {
            return;
        }
        let Some(element) = input.get_untracked() else {
            return;
        };
        let Some(file) = browser::chosen_file(&element) else {
            error.set(Some("Choose a .sql or .sql.gz file first.".to_owned()));
            return;
        };
        error.set(None);
        uploading.set(Some((0.0, browser::file_size(&file))));
        let url = format!("/api/databases/{}/imports", database.get_untracked());
        leptos::task::spawn_local(async move {
            let on_progress = move |sent: f64, total: f64| {
                let _ = uploading.try_set(Some((sent, total)));
            };
            let result = browser::upload(&url, &file, on_progress).await;
            let _ = uploading.try_set(None);
            match result {
                Ok(()) => {
                    element.set_value("");
                    let _ = chosen.try_set(false);
                    jobs.refresh();
                }
                Err(message) => {
                    let _ = error.try_set(Some(message));
                }
            }
        });
    };
    let progress = move || {
        uploading.get().map(|(sent, total)| {
            let (sent, total) = (sent as u64, total as u64);
            let text = if total > 0 && sent >= total {
                "Uploaded; the panel is checking the file…".to_owned()
            } else {
                format!("Uploading {}", progress_text(sent, total, false))
            };
            view! {
                <span class="job-progress" role="status">
                    <progress aria-label="Upload progress" max=total.max(1) value=sent.min(total)></progress>
                    <span class="job-progress-text">{text}</span>
                </span>
            }
        })
    };
    view! {
        <form class="import-form" on:submit=submit>
            <label for="import-file">"SQL file"</label>
            <div class="field-row">
                <input
                    id="import-file"
                    type="file"
                    accept=".sql,.gz,.sql.gz"
                    aria-describedby="import-hint"
                    node_ref=input
                    on:change=move |_| chosen.set(input.get_untracked().is_some_and(|el| browser::chosen_file(&el).is_some()))
                />
                <button type="submit" class="button" disabled=move || !chosen.get() || uploading.get().is_some()>"Import"</button>
                {progress}
            </div>
            <p id="import-hint" class="hint">
                "A .sql or .sql.gz dump, run into this database as your own MySQL user. "
                "A failing statement stops the import and is reported with its line."
            </p>
            {move || error.get().map(|message| view! { <FormError message/> })}
        </form>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::refusal;
    use leptos::web_sys::{File, HtmlInputElement, ProgressEvent, XmlHttpRequest};
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen_futures::{JsFuture, js_sys};

    pub fn chosen_file(input: &HtmlInputElement) -> Option<File> {
        input.files()?.get(0)
    }

    pub fn file_size(file: &File) -> f64 {
        file.size()
    }

    /// Sends `file` as the request's body; `Ok` once the panel took it (202 with the job).
    pub async fn upload(
        url: &str,
        file: &File,
        on_progress: impl Fn(f64, f64) + 'static,
    ) -> Result<(), String> {
        let unreachable = || "The upload could not reach the panel.".to_owned();
        let xhr = XmlHttpRequest::new().map_err(|_| unreachable())?;
        xhr.open("POST", url).map_err(|_| unreachable())?;
        // The server tells gzip from plain SQL by the first bytes.
        xhr.set_request_header("Content-Type", "application/octet-stream")
            .map_err(|_| unreachable())?;
        let upload = xhr.upload().map_err(|_| unreachable())?;
        let report = Closure::<dyn Fn(ProgressEvent)>::new(move |event: ProgressEvent| {
            if event.length_computable() {
                on_progress(event.loaded(), event.total());
            }
        });
        upload.set_onprogress(Some(report.as_ref().unchecked_ref()));
        // `loadend` follows success, failure and abort alike.
        let finished =
            js_sys::Promise::new(&mut |resolve, _reject| xhr.set_onloadend(Some(&resolve)));
        xhr.send_with_opt_blob(Some(file))
            .map_err(|_| unreachable())?;
        let _ = JsFuture::from(finished).await;
        upload.set_onprogress(None);
        drop(report);
        match xhr.status().unwrap_or(0) {
            0 => Err(unreachable()),
            200..=299 => Ok(()),
            status => Err(refusal(
                status,
                &xhr.response_text().ok().flatten().unwrap_or_default(),
            )),
        }
    }
}

/// The server never runs these: they answer a submit, which happens in the browser.
#[cfg(not(feature = "hydrate"))]
mod browser {
    use leptos::web_sys::HtmlInputElement;

    pub struct File;

    pub fn chosen_file(_input: &HtmlInputElement) -> Option<File> {
        None
    }

    pub fn file_size(_file: &File) -> f64 {
        0.0
    }

    pub async fn upload(
        _url: &str,
        _file: &File,
        _on_progress: impl Fn(f64, f64) + 'static,
    ) -> Result<(), String> {
        Err("Importing needs the page's script to have loaded.".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_as_the_server_wrote_them() {
        let quota =
            r#"{"error":{"code":"quota_exceeded","message":"Your backup storage is full."}}"#;
        assert_eq!(refusal(507, quota), "Your backup storage is full.");
        let sql = r#"{"error":{"code":"sql_error","message":"Syntax","mysql_errno":1064}}"#;
        assert_eq!(refusal(400, sql), "Error 1064: Syntax");
        assert_eq!(
            refusal(413, "<html>"),
            "The file is larger than the panel accepts."
        );
        assert_eq!(refusal(502, ""), "The import was refused (HTTP 502).");
    }
}
