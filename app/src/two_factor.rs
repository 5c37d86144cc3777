//! Profile → "Two-factor authentication": enrol an authenticator app (QR code or typed secret),
//! confirm it with a code, keep the recovery codes; turn it off with the password and a code.
//! Browser sessions only: an API key cannot change how its owner signs in.
pub use types::two_factor::*;

use crate::auth::input_value;
use crate::components::form_error::ActionError;
use crate::components::load::Load;
use crate::components::reveal::RevealSecret;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[server(prefix = "/rpc", endpoint = "get_two_factor")]
pub async fn get_two_factor() -> Result<TwoFactorStatus, AppError> {
    use panel_core::services::two_factor;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in_even_if_suspended().await?;
        two_factor::status(&state.store, caller.account_id).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "begin_two_factor")]
pub async fn begin_two_factor() -> Result<Enrolment, AppError> {
    use panel_core::services::{accounts, two_factor};
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in_even_if_suspended().await?;
        let email = accounts::view(&state.store, caller.account_id).await?.email;
        two_factor::begin(&state.store, &state.sealer, &caller, &email).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "confirm_two_factor")]
pub async fn confirm_two_factor(code: String) -> Result<RecoveryCodes, AppError> {
    use panel_core::services::two_factor;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in_even_if_suspended().await?;
        two_factor::confirm(
            &state.store,
            &state.sealer,
            &state.login_limiter,
            &caller,
            &code,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "disable_two_factor")]
pub async fn disable_two_factor(password: String, code: String) -> Result<(), AppError> {
    use panel_core::services::two_factor;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in_even_if_suspended().await?;
        two_factor::disable(
            &state.store,
            &state.sealer,
            &state.login_limiter,
            &caller,
            &password,
            &code,
        )
        .await
    })
    .await
}

#[component]
pub fn TwoFactorSection() -> impl IntoView {
    let begin = ServerAction::<BeginTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    // Read again only when something changed: a refused code must not re-render the form it was
    // typed into (a retry typed meanwhile would be lost).
    let changed = RwSignal::new(0u32);
    Effect::new(move |_| {
        if matches!(confirm.value().get(), Some(Ok(_)))
            || matches!(disable.value().get(), Some(Ok(_)))
        {
            changed.update(|n| *n += 1);
        }
    });
    let status = Resource::new(move || changed.get(), |_| get_two_factor());
    // The recovery codes live only in the action's value, until their dialog is closed.
    let codes = move || confirm.value().get().and_then(Result::ok);
    let enrolment = move || {
        begin
            .value()
            .get()
            .and_then(Result::ok)
            .filter(|_| codes().is_none())
    };
    view! {
        <section class="card" aria-labelledby="two-factor-heading">
            <h2 id="two-factor-heading">"Two-factor authentication"</h2>
            <Load resource=status let:status>
                {if status.enabled {
                    view! { <TwoFactorOn status disable/> }.into_any()
                } else {
                    view! {
                        <p class="muted">
                            "Off. With it on, signing in also asks for a code from an authenticator app on your phone."
                        </p>
                        {move || match enrolment() {
                            Some(enrolment) => view! { <EnrolForm enrolment confirm/> }.into_any(),
                            None => view! {
                                <button type="button" class="button primary" disabled=move || begin.pending().get()
                                    on:click=move |_| { begin.dispatch(BeginTwoFactor {}); }>
                                    "Set up two-factor authentication"
                                </button>
                            }.into_any(),
                        }}
                        <ActionError action=begin/>
                    }.into_any()
                }}
            </Load>
        </section>
        {move || codes().map(|codes| view! {
            <RevealSecret
                title="Your recovery codes".to_owned()
                secret=codes.codes.join("\n")
                testid="recovery-codes"
                download="nobregas-recovery-codes.txt"
                on_done=Callback::new(move |_| confirm.value().set(None))
            />
        })}
    }
}

#[component]
fn EnrolForm(enrolment: Enrolment, confirm: ServerAction<ConfirmTwoFactor>) -> impl IntoView {
    let code = NodeRef::<leptos::html::Input>::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        confirm.dispatch(ConfirmTwoFactor {
            code: input_value(code),
        });
    };
    view! {
        <ol class="steps">
            <li>"Scan this QR code with your authenticator app (or type the key below into it)."</li>
            <li>"Enter the 6-digit code the app shows."</li>
        </ol>
        <div class="qr" role="img" aria-label="QR code for your authenticator app" inner_html=enrolment.qr_svg></div>
        <p>"Key: " <code class="mono" data-testid="totp-secret">{enrolment.secret}</code></p>
        <form class="stack-form" method="post" action=ConfirmTwoFactor::url() on:submit=submit>
            <label for="enrol-code">"Code from your app"</label>
            <input id="enrol-code" node_ref=code name="code" inputmode="numeric" autocomplete="one-time-code"
                pattern="[0-9 ]*" maxlength="8" required/>
            <ActionError action=confirm/>
            <button type="submit" class="button primary" disabled=move || confirm.pending().get()>"Turn on"</button>
        </form>
    }
}

#[component]
fn TwoFactorOn(status: TwoFactorStatus, disable: ServerAction<DisableTwoFactor>) -> impl IntoView {
    let (password, code) = (
        NodeRef::<leptos::html::Input>::new(),
        NodeRef::<leptos::html::Input>::new(),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        disable.dispatch(DisableTwoFactor {
            password: input_value(password),
            code: input_value(code),
        });
    };
    view! {
        <p data-testid="two-factor-on">
            <span class="badge ok">"On"</span>
            " since " {status.enabled_at.unwrap_or_default()} ". "
            {format!("{} recovery codes left.", status.recovery_codes_left)}
        </p>
        <form class="stack-form" method="post" action=DisableTwoFactor::url() on:submit=submit>
            <label for="disable-password">"Password"</label>
            <input id="disable-password" node_ref=password name="password" type="password" autocomplete="current-password" required/>
            <label for="disable-code">"Code from your app or a recovery code"</label>
            <input id="disable-code" node_ref=code name="code" autocomplete="one-time-code" required/>
            <p class="hint">"Needs a sign-in from the last 10 minutes."</p>
            <ActionError action=disable/>
            <button type="submit" class="button danger-outline" disabled=move || disable.pending().get()>
                "Turn off two-factor authentication"
            </button>
        </form>
    }
}
