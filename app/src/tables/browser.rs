//! What the Tables tab asks of the browser itself: read the start of a chosen CSV file for the
//! import's preview, and send the file to `POST /api/databases/{name}/tables/{table}/import`
//! (same-origin, with the session cookie, as the Query tab's export is fetched). The server's
//! build renders the page without these: they only ever run from event handlers.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]
use crate::error::AppError;

/// Bytes of the file read for the preview and the column mapping.
pub const PREVIEW_BYTES: f64 = 64.0 * 1024.0;

/// `POST …/import`'s address: one target column per CSV column (`-` skips it).
pub fn import_url(database: &str, table: &str, targets: &[String], header: bool) -> String {
    use super::percent_encode;
    format!(
        "/api/databases/{}/tables/{}/import?columns={}&header={header}",
        percent_encode(database),
        percent_encode(table),
        percent_encode(&targets.join(",")),
    )
}

/// The answer to an import: `{"inserted":N}`, or the server's refusal.
pub fn import_answer(status: u16, body: &str) -> Result<u64, String> {
    if (200..300).contains(&status) {
        serde_json::from_str::<super::ImportResult>(body)
            .map(|r| r.inserted)
            .map_err(|_| "The import's answer could not be read.".to_owned())
    } else {
        #[derive(serde::Deserialize)]
        struct Answer {
            error: AppError,
        }
        Err(match serde_json::from_str::<Answer>(body) {
            Ok(Answer { error }) => crate::query::console::describe_error(&error),
            Err(_) if status == 413 => "The file is larger than the panel accepts.".to_owned(),
            Err(_) => format!("The import was refused (HTTP {status})."),
        })
    }
}

#[cfg(feature = "hydrate")]
pub use dom::*;

#[cfg(feature = "hydrate")]
mod dom {
    use super::*;
    use leptos::prelude::window;
    use leptos::web_sys::{self, File, HtmlInputElement};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    pub type ChosenFile = File;

    pub fn chosen_file(input: &HtmlInputElement) -> Option<File> {
        input.files()?.get(0)
    }

    /// The start of the file as text (a character cut at the end is dropped by the decoder).
    pub async fn read_start(file: &File) -> Result<String, String> {
        let unreadable = || "The file could not be read.".to_owned();
        let blob = file
            .slice_with_f64_and_f64(0.0, PREVIEW_BYTES.min(file.size()))
            .map_err(|_| unreadable())?;
        JsFuture::from(blob.text())
            .await
            .ok()
            .and_then(|text| text.as_string())
            .ok_or_else(unreadable)
    }

    /// Sends the whole file; `Ok(rows inserted)`.
    pub async fn upload_csv(url: &str, file: &File) -> Result<u64, String> {
        let unreachable = || "The import could not reach the panel.".to_owned();
        let response = post_file(url, file).await.map_err(|_| unreachable())?;
        let text = match response.text() {
            Ok(promise) => JsFuture::from(promise)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        import_answer(response.status(), &text)
    }

    async fn post_file(url: &str, file: &File) -> Result<web_sys::Response, JsValue> {
        let headers = web_sys::Headers::new()?;
        headers.set("Content-Type", "text/csv")?;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(file);
        let request = web_sys::Request::new_with_str_and_init(url, &init)?;
        JsFuture::from(window().fetch_with_request(&request))
            .await?
            .dyn_into()
    }
}

#[cfg(not(feature = "hydrate"))]
pub use server_render::*;

/// The server never runs these: they answer a choice or a click, which happen in the browser.
#[cfg(not(feature = "hydrate"))]
mod server_render {
    use leptos::web_sys::HtmlInputElement;

    #[derive(Clone)]
    pub struct ChosenFile;

    pub fn chosen_file(_input: &HtmlInputElement) -> Option<ChosenFile> {
        None
    }

    pub async fn read_start(_file: &ChosenFile) -> Result<String, String> {
        Err("Importing needs the page's script to have loaded.".to_owned())
    }

    pub async fn upload_csv(_url: &str, _file: &ChosenFile) -> Result<u64, String> {
        Err("Importing needs the page's script to have loaded.".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_import_address_names_each_csv_column_s_target() {
        let targets = ["id".to_owned(), "-".to_owned(), "full name".to_owned()];
        assert_eq!(
            import_url("acme_shop", "people", &targets, true),
            "/api/databases/acme_shop/tables/people/import?columns=id%2C-%2Cfull%20name&header=true"
        );
    }

    #[test]
    fn import_answers_read_as_counts_or_refusals() {
        assert_eq!(import_answer(200, r#"{"inserted":3}"#), Ok(3));
        let refused =
            r#"{"error":{"code":"sql_error","message":"Duplicate entry","mysql_errno":1062}}"#;
        assert_eq!(
            import_answer(400, refused),
            Err("Error 1062: Duplicate entry".to_owned())
        );
    }
}
