//! An accessible modal dialog: `role="dialog"`, `aria-modal`, focus moves into it, Esc closes it.
use leptos::prelude::*;

#[component]
pub fn Modal(
    /// Id of the element that names the dialog (its heading).
    labelled_by: &'static str,
    /// Called on Esc (and by the dialog's own Cancel/Done buttons).
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<leptos::html::Div>::new();
    // Runs in the browser only, once the dialog is in the DOM.
    Effect::new(move |_| {
        if let Some(el) = panel.get() {
            let _ = el.focus();
        }
    });
    view! {
        <div class="modal-backdrop">
            <div
                class="modal"
                role="dialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                tabindex="-1"
                node_ref=panel
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        on_close.run(());
                    }
                }
            >
                {children()}
            </div>
        </div>
    }
}
