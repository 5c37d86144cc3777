//! What the Query tab asks of the browser itself: load the editor's script, make query ids, tell
//! the editor its text changed, download an export. The WASM build does these; the server's build
//! renders the page without them (they are only ever called from effects and event handlers).
// The pure helpers below serve the WASM build; the server's build keeps them for their tests.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]
use crate::error::AppError;
use crate::query::ExportFormat;

/// The editor's bundle (built from `editor/` into `public/`); loaded by the Query tab only.
pub const EDITOR_SCRIPT: &str = "/editor/sql-editor.js";

/// The event that tells the editor the textarea's value was set by the app.
pub const SET_EVENT: &str = "sql-editor-set";

/// `<database>.csv` / `<database>.ndjson`.
pub fn export_file_name(database: &str, format: ExportFormat) -> String {
    match format {
        ExportFormat::Csv => format!("{database}.csv"),
        ExportFormat::Ndjson => format!("{database}.ndjson"),
    }
}

/// The server's error marker when it ends `tail` (the last bytes of an export): a statement that
/// failed midway. `#ERROR <code>[ <errno>]: <message>` in CSV, `{"error":{…}}` in NDJSON.
pub fn export_failure(format: ExportFormat, tail: &str) -> Option<String> {
    let tail = tail.trim_end_matches(['\r', '\n']);
    let last = tail.rsplit('\n').next()?.trim_end_matches('\r');
    let err = match format {
        ExportFormat::Csv => {
            let (head, message) = last.strip_prefix("#ERROR ")?.split_once(": ")?;
            let mut words = head.split(' ');
            let _code = words.next()?;
            let errno = words.next().and_then(|n| n.parse::<u16>().ok());
            AppError {
                mysql_errno: errno,
                ..AppError::bad_request(message)
            }
        }
        ExportFormat::Ndjson => {
            let value: serde_json::Value = serde_json::from_str(last).ok()?;
            let error = value.as_object()?.get("error")?;
            let message = error.get("message")?.as_str()?;
            let errno = error
                .get("mysql_errno")
                .and_then(|n| n.as_u64())
                .and_then(|n| u16::try_from(n).ok());
            AppError {
                mysql_errno: errno,
                ..AppError::bad_request(message)
            }
        }
    };
    Some(format!(
        "The export failed midway: {}. Nothing was saved.",
        super::describe_error(&err)
    ))
}

/// An error answer's `{"error":{"code","message","mysql_errno"}}`, as the page shows it.
pub fn error_answer(status: u16, body: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Body {
        error: Detail,
    }
    #[derive(serde::Deserialize)]
    struct Detail {
        message: String,
        mysql_errno: Option<u16>,
    }
    match serde_json::from_str::<Body>(body) {
        Ok(Body { error }) => super::describe_error(&AppError {
            mysql_errno: error.mysql_errno,
            ..AppError::bad_request(error.message)
        }),
        Err(_) => format!("The export failed (HTTP {status})."),
    }
}

#[cfg(feature = "hydrate")]
pub use dom::*;

#[cfg(feature = "hydrate")]
mod dom {
    use super::*;
    use crate::query::ExportRequest;
    use leptos::prelude::{document, set_timeout, window};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    /// Adds `<script type="module" src="/editor/sql-editor.js">` once per page.
    pub fn load_editor_script() {
        let selector = format!("script[src=\"{EDITOR_SCRIPT}\"]");
        if document()
            .query_selector(&selector)
            .ok()
            .flatten()
            .is_some()
        {
            return;
        }
        let Ok(script) = document().create_element("script") else {
            return;
        };
        let _ = script.set_attribute("type", "module");
        let _ = script.set_attribute("src", EDITOR_SCRIPT);
        if let Some(head) = document().head() {
            let _ = head.append_child(&script);
        }
    }

    /// 16 random characters of `A-Za-z0-9`, for `QueryRequest::query_id`.
    pub fn new_query_id() -> Option<String> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        // Bytes from 248 = 4 × 62 up would favour the first characters: they are skipped.
        let mut id = String::with_capacity(16);
        while id.len() < 16 {
            let mut bytes = [0u8; 32];
            window()
                .crypto()
                .ok()?
                .get_random_values_with_u8_array(&mut bytes)
                .ok()?;
            let wanted = 16 - id.len();
            id.extend(
                bytes
                    .iter()
                    .filter(|&&b| b < 248)
                    .take(wanted)
                    .map(|&b| ALPHABET[usize::from(b % 62)] as char),
            );
        }
        Some(id)
    }

    pub fn notify_editor(textarea: &web_sys::HtmlTextAreaElement) {
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        if let Ok(event) = web_sys::Event::new_with_event_init_dict(SET_EVENT, &init) {
            let _ = textarea.dispatch_event(&event);
        }
    }

    /// Fetches the export and saves it; an error answer, a cut transfer or a trailing error
    /// marker is reported instead of saving a file that would look complete.
    pub async fn download_export(
        database: &str,
        sql: String,
        format: ExportFormat,
    ) -> Result<(), String> {
        let request = ExportRequest {
            sql,
            format,
            timeout_ms: None,
            query_id: None,
        };
        let body = serde_json::to_string(&request).map_err(|e| e.to_string())?;
        let url = format!("/api/databases/{database}/query/export");
        let response = post_json(&url, &body)
            .await
            .map_err(|_| "The export could not reach the panel.".to_owned())?;
        if !response.ok() {
            let text = match response.text() {
                Ok(promise) => JsFuture::from(promise)
                    .await
                    .ok()
                    .and_then(|t| t.as_string())
                    .unwrap_or_default(),
                Err(_) => String::new(),
            };
            return Err(error_answer(response.status(), &text));
        }
        let cut_short = || "The export was cut short before its end; nothing was saved.".to_owned();
        let blob: web_sys::Blob = JsFuture::from(response.blob().map_err(|_| cut_short())?)
            .await
            .map_err(|_| cut_short())?
            .dyn_into()
            .map_err(|_| cut_short())?;
        if let Some(message) = trailing_failure(&blob, format).await {
            return Err(message);
        }
        save(&blob, &export_file_name(database, format))
            .map_err(|_| "The browser refused to save the file.".to_owned())
    }

    async fn post_json(url: &str, body: &str) -> Result<web_sys::Response, JsValue> {
        let headers = web_sys::Headers::new()?;
        headers.set("Content-Type", "application/json")?;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(body));
        let request = web_sys::Request::new_with_str_and_init(url, &init)?;
        JsFuture::from(window().fetch_with_request(&request))
            .await?
            .dyn_into()
    }

    /// Reads only the last few KiB of the file: the marker, if any, is its last line.
    async fn trailing_failure(blob: &web_sys::Blob, format: ExportFormat) -> Option<String> {
        let size = blob.size();
        let tail = blob
            .slice_with_f64_and_f64((size - 4096.0).max(0.0), size)
            .ok()?;
        let text = JsFuture::from(tail.text()).await.ok()?.as_string()?;
        export_failure(format, &text)
    }

    fn save(blob: &web_sys::Blob, file_name: &str) -> Result<(), JsValue> {
        let url = web_sys::Url::create_object_url_with_blob(blob)?;
        let link: web_sys::HtmlAnchorElement = document().create_element("a")?.dyn_into()?;
        link.set_href(&url);
        link.set_download(file_name);
        let body = document().body().ok_or(JsValue::NULL)?;
        body.append_child(&link)?;
        link.click();
        link.remove();
        // The download has started from the URL; let it go once it surely has been read.
        set_timeout(
            move || {
                let _ = web_sys::Url::revoke_object_url(&url);
            },
            std::time::Duration::from_secs(60),
        );
        Ok(())
    }
}

#[cfg(not(feature = "hydrate"))]
pub use server_render::*;

/// The server never runs these: they answer from event handlers and effects, which run in the browser.
#[cfg(not(feature = "hydrate"))]
mod server_render {
    use super::*;

    pub fn load_editor_script() {}

    pub fn new_query_id() -> Option<String> {
        None
    }

    pub fn notify_editor(_textarea: &leptos::web_sys::HtmlTextAreaElement) {}

    pub async fn download_export(
        _database: &str,
        _sql: String,
        _format: ExportFormat,
    ) -> Result<(), String> {
        Err("Exporting needs the page's script to have loaded.".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_error_marker_is_recognised() {
        let tail = "id,name\r\n1,a\r\n#ERROR sql_error 1064: You have an error in your SQL\r\n";
        assert_eq!(
            export_failure(ExportFormat::Csv, tail).as_deref(),
            Some(
                "The export failed midway: Error 1064: You have an error in your SQL. Nothing was saved."
            )
        );
        let no_errno = "1,a\r\n#ERROR query_timeout: The statement ran too long\r\n";
        assert!(
            export_failure(ExportFormat::Csv, no_errno)
                .unwrap()
                .contains(": The statement ran too long.")
        );
        assert_eq!(
            export_failure(ExportFormat::Csv, "id,name\r\n1,#ERROR x: y\r\n"),
            None
        );
        assert_eq!(export_failure(ExportFormat::Csv, ""), None);
    }

    #[test]
    fn the_ndjson_error_marker_is_recognised() {
        let tail = "[\"id\"]\n[1]\n{\"error\":{\"code\":\"sql_error\",\"message\":\"Out of range\",\"mysql_errno\":1690}}\n";
        assert!(
            export_failure(ExportFormat::Ndjson, tail)
                .unwrap()
                .contains("Error 1690: Out of range")
        );
        assert_eq!(
            export_failure(ExportFormat::Ndjson, "[\"error\"]\n[{\"error\":1}]\n"),
            None
        );
    }

    #[test]
    fn error_answers_read_like_the_console_s_errors() {
        let body = r#"{"error":{"code":"sql_error","message":"Table 'x' doesn't exist","mysql_errno":1146}}"#;
        assert_eq!(
            error_answer(400, body),
            "Error 1146: Table 'x' doesn't exist"
        );
        assert_eq!(error_answer(502, "<html>"), "The export failed (HTTP 502).");
    }

    #[test]
    fn exports_are_named_after_the_database() {
        assert_eq!(
            export_file_name("acme_shop", ExportFormat::Csv),
            "acme_shop.csv"
        );
        assert_eq!(
            export_file_name("acme_shop", ExportFormat::Ndjson),
            "acme_shop.ndjson"
        );
    }
}
