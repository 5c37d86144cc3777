//! How a failure reads on a page: one alert paragraph, and the message of an action's last failure.
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// An error message announced to screen readers.
#[component]
pub fn FormError(#[prop(into)] message: String) -> impl IntoView {
    view! { <p class="form-error" role="alert">{message}</p> }
}

/// The message of `action`'s last run if it failed; `None` while it runs or after it succeeded.
pub fn failure<S>(action: ServerAction<S>) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Signal::derive(move || {
        action.value().with(|last| match last {
            Some(Err(err)) => Some(err.message.clone()),
            _ => None,
        })
    })
}

/// The alert for `action`'s last failure, nothing otherwise.
#[component]
pub fn ActionError<S>(action: ServerAction<S>) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let message = failure(action);
    move || message.get().map(|message| view! { <FormError message/> })
}
