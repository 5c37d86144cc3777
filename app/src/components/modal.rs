//! An accessible modal dialog: `role="dialog"`, `aria-modal`, focus moves into it, Esc closes it,
//! and everything else on the page is hidden from assistive technology and made inert while it is
//! open (`aria-modal` alone does not do that everywhere), so "Delete" in a dialog is the only
//! "Delete" a screen reader — or a test — can reach.
use leptos::prelude::*;

/// Marks what `hide_everything_but` hid, so closing the dialog restores exactly that.
#[cfg(feature = "hydrate")]
const HIDDEN_BY_MODAL: &str = "data-hidden-by-modal";

/// Tells dialogs apart when one closes while another opens (confirm → reveal).
static NEXT_MODAL_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[cfg(feature = "hydrate")]
fn hide_everything_but(element: &web_sys::Element) {
    let mut node = element.clone();
    while let Some(parent) = node.parent_element() {
        let siblings = parent.children();
        for i in 0..siblings.length() {
            let Some(sibling) = siblings.item(i) else {
                continue;
            };
            let skip = sibling == node
                || sibling.has_attribute("aria-hidden")
                || sibling.tag_name() == "SCRIPT";
            if !skip {
                let _ = sibling.set_attribute("aria-hidden", "true");
                let _ = sibling.set_attribute("inert", "");
                let _ = sibling.set_attribute(HIDDEN_BY_MODAL, "");
            }
        }
        if parent.tag_name() == "BODY" {
            break;
        }
        node = parent;
    }
}

#[cfg(feature = "hydrate")]
fn elements(selector: &str) -> Vec<web_sys::Element> {
    let Ok(list) = document().query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok())
        .collect()
}

/// Undoes the hiding when dialog `closing` goes, then hides again for any dialog still open.
#[cfg(feature = "hydrate")]
fn restore_hidden(closing: usize) {
    for element in elements(&format!("[{HIDDEN_BY_MODAL}]")) {
        let _ = element.remove_attribute("aria-hidden");
        let _ = element.remove_attribute("inert");
        let _ = element.remove_attribute(HIDDEN_BY_MODAL);
    }
    for open in elements(&format!(
        "[aria-modal=\"true\"]:not([data-modal-id=\"{closing}\"])"
    )) {
        hide_everything_but(&open);
    }
}

#[component]
pub fn Modal(
    /// Id of the element that names the dialog (its heading).
    labelled_by: &'static str,
    /// Called on Esc (and by the dialog's own Cancel/Done buttons).
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<leptos::html::Div>::new();
    let id = NEXT_MODAL_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // Runs in the browser only, once the dialog is in the DOM.
    Effect::new(move |_| {
        if let Some(el) = panel.get() {
            #[cfg(feature = "hydrate")]
            hide_everything_but(&el);
            let _ = el.focus();
        }
    });
    on_cleanup(move || {
        #[cfg(feature = "hydrate")]
        restore_hidden(id);
    });
    view! {
        <div class="modal-backdrop">
            <div
                class="modal"
                role="dialog"
                aria-modal="true"
                data-modal-id=id
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
