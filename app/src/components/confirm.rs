//! Confirmation for destructive actions, optionally asking the person to type a name first.
use super::form_error::FormError;
use super::form_error::failure;
use super::modal::Modal;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn ConfirmDialog(
    title: String,
    message: String,
    confirm_label: &'static str,
    /// When set, the confirm button stays disabled until exactly this text is typed.
    #[prop(optional_no_strip)]
    type_to_confirm: Option<String>,
    pending: Signal<bool>,
    error: Signal<Option<String>>,
    on_cancel: Callback<()>,
    on_confirm: Callback<()>,
    /// Extra lines under the warning.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let expected = type_to_confirm.clone();
    let ready = move || expected.as_ref().is_none_or(|name| typed.get() == *name);
    view! {
        <Modal labelled_by="confirm-title" on_close=on_cancel>
            <h2 id="confirm-title">{title}</h2>
            <p class="warning">{message}</p>
            {children.map(|children| children())}
            {type_to_confirm.map(|name| {
                let label = format!("Type {name} to confirm");
                view! {
                    <label for="confirm-input">{label}</label>
                    <input
                        id="confirm-input"
                        type="text"
                        autocomplete="off"
                        bind:value=typed
                    />
                }
            })}
            {move || error.get().map(|message| view! { <FormError message/> })}
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                <button
                    type="button"
                    class="button danger"
                    disabled=move || pending.get() || !ready()
                    on:click=move |_| on_confirm.run(())
                >
                    {confirm_label}
                </button>
            </div>
        </Modal>
    }
}

/// The usual confirmation: confirming runs `action` with `input`; the dialog shows the action's
/// progress and failure, and cancelling closes it and forgets that failure. The page closes it
/// on success (it knows what success changes).
#[component]
pub fn ConfirmAction<S>(
    action: ServerAction<S>,
    input: S,
    title: String,
    message: String,
    confirm_label: &'static str,
    /// When set, the confirm button stays disabled until exactly this text is typed.
    #[prop(optional)]
    type_to_confirm: Option<String>,
    on_close: Callback<()>,
) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    view! {
        <ConfirmDialog
            title
            message
            confirm_label
            type_to_confirm
            pending=action.pending().into()
            error=failure(action)
            on_cancel=Callback::new(move |()| {
                on_close.run(());
                action.value().set(None);
            })
            on_confirm=Callback::new(move |()| {
                action.dispatch(input.clone());
            })
        />
    }
}
