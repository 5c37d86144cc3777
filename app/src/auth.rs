//! Sign-in and sign-out.
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(email: String, password: String, next: String) -> Result<(), AppError> {
    use crate::backend::{backend_and_request, set_cookie, with_status};
    let (backend, req) = backend_and_request().await?;
    let cookie = with_status(backend.sign_in(&req, &email, &password).await)?;
    set_cookie(cookie);
    leptos_axum::redirect(&crate::validate::safe_next_path(Some(&next)));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::backend::{backend_and_request, set_cookie, with_status};
    let (backend, req) = backend_and_request().await?;
    let cookie = with_status(backend.sign_out(&req).await)?;
    set_cookie(cookie);
    leptos_axum::redirect("/login");
    Ok(())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || {
        login.value().get().and_then(Result::err).map(|err| view! { <p class="form-error" role="alert">{err.message}</p> })
    };
    view! {
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand">"Nobregas MySQL Panel"</p>
                <h1>"Welcome back"</h1>
                <ActionForm action=login>
                    <input type="hidden" name="next" value=next/>
                    <label for="login-email">"Email"</label>
                    <input id="login-email" name="email" type="email" autocomplete="username" required/>
                    <label for="login-password">"Password"</label>
                    <input id="login-password" name="password" type="password" autocomplete="current-password" required/>
                    {error}
                    <button type="submit" class="button primary" disabled=move || login.pending().get()>
                        "Sign in"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
