//! Profile → "Password" and "Sessions": change the panel password, see and end the account's
//! browser sessions. The same services answer `/api/account/password` and `/api/account/sessions`.
use crate::auth::input_value;
use crate::components::form_error::FormError;
use crate::components::load::Load;
use crate::components::table::DataTable;
use crate::error::AppError;
use crate::security::{SessionInfo, SessionList, SignedOut};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[server(prefix = "/rpc", endpoint = "change_password", input = leptos::server_fn::codec::Json)]
pub async fn change_password(
    request: crate::security::ChangePassword,
) -> Result<SignedOut, AppError> {
    use panel_core::services::security;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in_even_if_suspended().await?;
        security::change_password(&state.store, &state.login_limiter, &caller, &request).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "list_sessions")]
pub async fn list_sessions() -> Result<SessionList, AppError> {
    use panel_core::services::sessions;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in_even_if_suspended().await?;
        sessions::list(&state.store, &caller).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "revoke_session")]
pub async fn revoke_session(id: i64) -> Result<(), AppError> {
    use panel_core::services::security;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in_even_if_suspended().await?;
        security::revoke_session(&state.store, &caller, id).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "revoke_other_sessions")]
pub async fn revoke_other_sessions() -> Result<SignedOut, AppError> {
    use panel_core::services::security;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in_even_if_suspended().await?;
        security::revoke_other_sessions(&state.store, &caller).await
    })
    .await
}

fn signed_out_text(signed_out: u64) -> String {
    match signed_out {
        0 => "No other session was signed in.".to_owned(),
        1 => "1 other session was signed out.".to_owned(),
        n => format!("{n} other sessions were signed out."),
    }
}

/// Profile → Password, then Sessions (a password change signs the other sessions out, so the list
/// is read again after one).
#[component]
pub fn AccountSecurity() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_others = ServerAction::<RevokeOtherSessions>::new();
    let sessions = Resource::new(
        move || {
            (
                change.version().get(),
                revoke.version().get(),
                revoke_others.version().get(),
            )
        },
        |_| list_sessions(),
    );
    view! {
        <PasswordForm change/>
        <section class="card" aria-labelledby="sessions-heading">
            <div class="card-head">
                <h2 id="sessions-heading">"Sessions"</h2>
                <button type="button" class="button small danger-outline" on:click=move |_| { revoke_others.dispatch(RevokeOtherSessions {}); }>
                    "Sign out all other sessions"
                </button>
            </div>
            <p class="muted">"Browsers signed in to this account. Sign out any you do not recognise, then change your password."</p>
            {move || revoke_others.value().get().map(|result| match result {
                Ok(done) => view! { <p class="notice" role="status">{signed_out_text(done.signed_out)}</p> }.into_any(),
                Err(err) => view! { <FormError message=err.message/> }.into_any(),
            })}
            <Load resource=sessions let:list>
                <SessionTable sessions=list.sessions revoke/>
            </Load>
        </section>
    }
}

#[component]
fn PasswordForm(change: ServerAction<ChangePassword>) -> impl IntoView {
    let (current, new) = (
        NodeRef::<leptos::html::Input>::new(),
        NodeRef::<leptos::html::Input>::new(),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change.dispatch(ChangePassword {
            request: crate::security::ChangePassword {
                current_password: input_value(current),
                new_password: input_value(new),
            },
        });
    };
    // A changed password empties the form: nothing of it stays on the page.
    Effect::new(move |_| {
        if matches!(change.value().get(), Some(Ok(_))) {
            for input in [current, new] {
                if let Some(input) = input.get_untracked() {
                    input.set_value("");
                }
            }
        }
    });
    view! {
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <form class="stack-form" method="post" action=ChangePassword::url() on:submit=submit>
                <label for="current-password">"Current password"</label>
                <input id="current-password" node_ref=current name="current_password" type="password" autocomplete="current-password" required/>
                <label for="new-password">"New password"</label>
                <input id="new-password" node_ref=new name="new_password" type="password" autocomplete="new-password"
                    minlength="8" maxlength="128" required aria-describedby="new-password-hint"/>
                <p id="new-password-hint" class="hint">"8 to 128 characters. Every other session of this account is signed out."</p>
                {move || change.value().get().map(|result| match result {
                    Ok(done) => view! { <p class="notice" role="status">"Password changed. "{signed_out_text(done.signed_out)}</p> }.into_any(),
                    Err(err) => view! { <FormError message=err.message/> }.into_any(),
                })}
                <button type="submit" class="button primary" disabled=move || change.pending().get()>"Change password"</button>
            </form>
        </section>
    }
}

#[component]
fn SessionTable(sessions: Vec<SessionInfo>, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    let rows = sessions
        .into_iter()
        .map(|session| {
            let SessionInfo { id, created_at, last_seen_at, ip, browser, current } = session;
            let action = if current {
                view! { <span class="badge ok">"This device"</span> }.into_any()
            } else {
                let label = format!("Sign out {browser} ({})", ip.clone().unwrap_or_default());
                view! {
                    <button type="button" class="button small danger-outline" aria-label=label
                        on:click=move |_| { revoke.dispatch(RevokeSession { id }); }>"Sign out"</button>
                }
                .into_any()
            };
            view! {
                <tr data-testid="session-row" data-current=current.to_string()>
                    <td>{browser}</td>
                    <td class="mono">{ip.unwrap_or_else(|| "—".to_owned())}</td>
                    <td>{created_at}</td>
                    <td>{last_seen_at}</td>
                    <td class="actions">{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable columns=&["Browser", "IP address", "Signed in", "Last seen"] with_actions=true plain=true>{rows}</DataTable>
    }
}
