//! Sign-in and sign-out.
use crate::components::form_error::FormError;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

/// Signs in, or (two-factor on) holds the sign-in and sends the browser to the code step.
#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(email: String, password: String, next: String) -> Result<(), AppError> {
    use crate::rpc::{answer, request, set_cookie};
    use panel_core::auth::sign_in::{self, SignIn};
    let next = crate::validate::safe_next_path(Some(&next));
    let signed_in = answer(async {
        let req = request().await?;
        sign_in::login(&req.state, &req.headers, req.client, &email, &password).await
    })
    .await?;
    match signed_in {
        SignIn::Done(cookie) => {
            set_cookie(&cookie);
            leptos_axum::redirect(&next);
        }
        SignIn::NeedsCode(cookie) => {
            set_cookie(&cookie);
            leptos_axum::redirect(&format!(
                "/login/code?next={}",
                crate::validate::encode_query_value(&next)
            ));
        }
    }
    Ok(())
}

/// The second step of a two-factor sign-in.
#[server(prefix = "/rpc", endpoint = "login_code")]
pub async fn login_code(code: String, next: String) -> Result<(), AppError> {
    use crate::rpc::{answer, request, set_cookie};
    let cookies = answer(async {
        let req = request().await?;
        panel_core::auth::sign_in::login_code(&req.state, &req.headers, req.client, &code).await
    })
    .await?;
    for cookie in cookies {
        set_cookie(&cookie);
    }
    leptos_axum::redirect(&crate::validate::safe_next_path(Some(&next)));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::rpc::{answer, request, set_cookie};
    let cookie = answer(async {
        let req = request().await?;
        panel_core::auth::sign_in::logout(&req.state, &req.headers, req.client).await
    })
    .await?;
    set_cookie(&cookie);
    leptos_axum::redirect("/login");
    Ok(())
}

/// What `input` holds now (empty before it is mounted).
pub fn input_value(input: NodeRef<leptos::html::Input>) -> String {
    input
        .get_untracked()
        .map(|element| element.value())
        .unwrap_or_default()
}

// The forms below post to their server function (`ServerFn::url()`) without JavaScript, and dispatch the action
// from typed values once hydrated. (`ActionForm` would do the same by decoding the form data
// with serde_qs, which would ship a query-string decoder in the WASM that every page loads.)
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let (email, password) = (NodeRef::new(), NodeRef::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        login.dispatch(Login {
            email: input_value(email),
            password: input_value(password),
            next: next(),
        });
    };
    let error = move || {
        login
            .value()
            .get()
            .and_then(Result::err)
            .map(|err| view! { <FormError message=err.message/> })
    };
    view! {
        <AuthCard title="Welcome back">
            <form method="post" action=Login::url() on:submit=submit>
                <input type="hidden" name="next" value=next/>
                <label for="login-email">"Email"</label>
                <input id="login-email" node_ref=email name="email" type="email" autocomplete="username" required/>
                <label for="login-password">"Password"</label>
                <input id="login-password" node_ref=password name="password" type="password" autocomplete="current-password" required/>
                {error}
                <button type="submit" class="button primary" disabled=move || login.pending().get()>
                    "Sign in"
                </button>
            </form>
        </AuthCard>
    }
}

#[component]
pub fn LoginCodePage() -> impl IntoView {
    let login = ServerAction::<LoginCode>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let code = NodeRef::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        login.dispatch(LoginCode {
            code: input_value(code),
            next: next(),
        });
    };
    let error = move || {
        login
            .value()
            .get()
            .and_then(Result::err)
            .map(|err| view! { <FormError message=err.message/> })
    };
    view! {
        <AuthCard title="Two-factor sign-in">
            <form method="post" action=LoginCode::url() on:submit=submit>
                <input type="hidden" name="next" value=next/>
                <label for="login-code">"Authentication code"</label>
                <input id="login-code" node_ref=code name="code" autocomplete="one-time-code" autofocus required
                    aria-describedby="login-code-hint"/>
                <p id="login-code-hint" class="hint">"The 6-digit code from your authenticator app, or one of your recovery codes."</p>
                {error}
                <button type="submit" class="button primary" disabled=move || login.pending().get()>"Verify"</button>
            </form>
            <p class="hint"><a href="/login">"Start over"</a></p>
        </AuthCard>
    }
}

/// The signed-out pages' card: the brand, a heading, the form.
#[component]
fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand">"Nobregas MySQL Panel"</p>
                <h1>{title}</h1>
                {children()}
            </div>
        </main>
    }
}
