//! A Copy button: puts exactly `text` on the clipboard and says so.
use super::form_error::FormError;
use leptos::prelude::*;

#[component]
pub fn CopyButton(
    text: String,
    /// The accessible name when "Copy" alone would be ambiguous (several on a page).
    #[prop(optional, into)]
    label: Option<String>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let copy = move |_| {
        let text = text.clone();
        leptos::task::spawn_local(async move {
            match write_to_clipboard(&text).await {
                Ok(()) => copied.set(true),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    view! {
        <button type="button" class="button" aria-label=label on:click=copy>
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
        {move || error.get().map(|message| view! { <FormError message/> })}
    }
}

#[cfg(feature = "hydrate")]
async fn write_to_clipboard(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| {
            "The browser refused clipboard access; select the text and copy it by hand.".to_owned()
        })
}

#[cfg(not(feature = "hydrate"))]
async fn write_to_clipboard(_text: &str) -> Result<(), String> {
    Err("Copying needs the page's script to have loaded.".to_owned())
}
