//! A secret shown once (a new API key, a generated password), with a Copy button.
use super::modal::Modal;
use leptos::prelude::*;

#[component]
pub fn RevealSecret(
    title: String,
    secret: String,
    /// Test hook and styling: e.g. "new-api-key", "new-password".
    testid: &'static str,
    on_done: Callback<()>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy_error = RwSignal::new(None::<String>);
    let to_copy = secret.clone();
    let copy = move |_| {
        let text = to_copy.clone();
        leptos::task::spawn_local(async move {
            match write_to_clipboard(&text).await {
                Ok(()) => copied.set(true),
                Err(err) => copy_error.set(Some(err)),
            }
        });
    };
    view! {
        <Modal labelled_by="reveal-title" on_close=on_done>
            <h2 id="reveal-title">{title}</h2>
            <p class="warning">"Copy it now: it will not be shown again."</p>
            <code class="full-key" data-testid=testid>{secret}</code>
            {move || copy_error.get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            <div class="modal-actions">
                <button type="button" class="button" on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
                <button type="button" class="button primary" on:click=move |_| on_done.run(())>"Done"</button>
            </div>
        </Modal>
    }
}

#[cfg(feature = "hydrate")]
async fn write_to_clipboard(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| "The browser refused clipboard access; select the text and copy it by hand.".to_owned())
}

#[cfg(not(feature = "hydrate"))]
async fn write_to_clipboard(_text: &str) -> Result<(), String> {
    Err("Copying needs the page's script to have loaded.".to_owned())
}
