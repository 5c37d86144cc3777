//! A resource's three states — loading, failed, loaded — as every page shows them, written once.
use super::form_error::FormError;
use crate::error::AppError;
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Shows `loading` until `resource` has its first value (and keeps the old value on screen while a
/// new one loads, as `Transition` does), then `children` with the value, or the error's message.
#[component]
pub fn Load<T, V, F>(
    resource: Resource<Result<T, AppError>>,
    /// What to render with the loaded value (`let:value` in the view).
    children: F,
    /// The placeholder while nothing has loaded yet.
    #[prop(default = "Loading…")]
    loading: &'static str,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
{
    view! {
        <Transition fallback=move || view! { <p class="muted">{loading}</p> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => children(value).into_any(),
                        Err(err) => view! { <FormError message=err.message/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
