//! A secret shown once (a new API key, a generated password, recovery codes), with a Copy button.
use super::copy::CopyButton;
use super::modal::Modal;
use leptos::prelude::*;

#[component]
pub fn RevealSecret(
    title: String,
    secret: String,
    /// Test hook and styling: e.g. "new-api-key", "new-password".
    testid: &'static str,
    /// Also offer the secret as a text file of this name (recovery codes).
    #[prop(optional)]
    download: Option<&'static str>,
    on_done: Callback<()>,
    /// What else to say about the secret (a new key's policy).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let download = download.map(|name| {
        let href = format!(
            "data:text/plain;charset=utf-8,{}",
            crate::validate::encode_query_value(&format!("{secret}\n"))
        );
        view! { <a class="button" download=name href=href>"Download"</a> }
    });
    let to_copy = secret.clone();
    view! {
        <Modal labelled_by="reveal-title" on_close=on_done>
            <h2 id="reveal-title">{title}</h2>
            <p class="warning">"Copy it now: it will not be shown again."</p>
            <code class="full-key" data-testid=testid>{secret}</code>
            {children.map(|children| children())}
            <div class="modal-actions">
                <CopyButton text=to_copy/>
                {download}
                <button type="button" class="button primary" on:click=move |_| on_done.run(())>"Done"</button>
            </div>
        </Modal>
    }
}
