//! Profile: the account's details and its API key (masked; regenerated through a confirmation,
//! revealed once).
use crate::backups::{JobStatus, list_backups};
use crate::components::form_error::failure;
use crate::components::load::Load;
use crate::components::{confirm::ConfirmDialog, icons::SyncIcon, reveal::RevealSecret};
use crate::key_options::{KeyChoices, KeyOptionsFields, RegenerateApiKey};
use crate::layout::AccountResource;
use crate::model::{Account, ApiKeyInfo, Suspension};
use leptos::prelude::*;

fn last_used_text(info: &ApiKeyInfo) -> String {
    match (&info.last_used_at, &info.last_used_ip) {
        (Some(at), Some(ip)) => format!("{at} from {ip}"),
        (Some(at), None) => at.clone(),
        _ => "Never".to_owned(),
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let AccountResource(account) = expect_context::<AccountResource>();
    let confirm_open = RwSignal::new(false);
    let regenerate = ServerAction::<RegenerateApiKey>::new();
    let choices = KeyChoices::default();
    // The new key lives only in the action's value, and only until the reveal dialog is closed.
    let new_key = move || regenerate.value().get().and_then(Result::ok);
    Effect::new(move |_| {
        if matches!(regenerate.value().get(), Some(Ok(_))) {
            confirm_open.set(false);
            account.refetch();
        }
    });
    let key_info = move || account.get().and_then(Result::ok).and_then(|a| a.api_key);

    view! {
        <h1>"Profile"</h1>
        <Load resource=account let:account>
            <ProfileDetails account confirm_open/>
        </Load>
        <crate::usage::UsageBars/>
        <crate::two_factor::TwoFactorSection/>
        <crate::account_security::AccountSecurity/>
        <crate::webhooks::WebhooksSection/>
        <Show when=move || confirm_open.get()>
            <ConfirmDialog
                title="Regenerate API key?".to_owned()
                message="The current key will be invalidated immediately. Scripts and pipelines that use it will get \
                         401 Unauthorized until you give them the new key.".to_owned()
                confirm_label="Generate"
                pending=regenerate.pending().into()
                error=failure(regenerate)
                on_cancel=Callback::new(move |_| {
                    confirm_open.set(false);
                    regenerate.value().set(None);
                })
                on_confirm=Callback::new(move |_| {
                    regenerate.dispatch(choices.request());
                })
            >
                <p>
                    "Current key last used: "
                    {move || key_info().map(|info| last_used_text(&info)).unwrap_or_else(|| "never (no key yet)".to_owned())}
                </p>
                <KeyOptionsFields choices/>
            </ConfirmDialog>
        </Show>
        {move || new_key().map(|new_key| view! {
            <RevealSecret
                title="Your new API key".to_owned()
                secret=new_key.key
                testid="new-api-key"
                on_done=Callback::new(move |_| regenerate.value().set(None))
            >
                <dl class="facts" data-testid="new-key-policy">{policy_facts(&new_key.info.policy())}</dl>
            </RevealSecret>
        })}
    }
}

/// The key's policy as facts (access, expiry, networks, retirement); nothing for today's default.
fn policy_facts(policy: &crate::key_policy::KeyOptions) -> impl IntoView + use<> {
    let access = match policy.access {
        crate::key_policy::KeyAccess::Full => "Full",
        crate::key_policy::KeyAccess::ReadOnly => "Read-only",
    };
    let expires = policy
        .expires_at
        .clone()
        .unwrap_or_else(|| "Never".to_owned());
    let from = if policy.allowed_networks.is_empty() {
        "Anywhere".to_owned()
    } else {
        policy.allowed_networks.join(", ")
    };
    let unused = policy.revoke_after_unused_days.map_or_else(
        || "Never".to_owned(),
        |days| format!("After {days} days unused"),
    );
    view! {
        <dt>"Access"</dt>
        <dd data-testid="key-access">{access}</dd>
        <dt>"Expires"</dt>
        <dd data-testid="key-expires">{expires}</dd>
        <dt>"Allowed from"</dt>
        <dd data-testid="key-networks">{from}</dd>
        <dt>"Revoked"</dt>
        <dd data-testid="key-unused">{unused}</dd>
    }
}

#[component]
fn ProfileDetails(account: Account, confirm_open: RwSignal<bool>) -> impl IntoView {
    let key = match account.api_key {
        Some(info) => {
            let last_used = last_used_text(&info);
            let exposed = info.sent_insecurely_at.clone().map(|at| {
                let from = info.sent_insecurely_from.clone().unwrap_or_else(|| "an unknown address".to_owned());
                view! {
                    <p class="warning" role="alert" data-testid="key-sent-insecurely">
                        "This key was sent to the panel over plain HTTP from "{from}" on "{at}". The panel refused "
                        "the request, but the key crossed the network unencrypted: regenerate it with the button "
                        "above, and use https:// in your scripts."
                    </p>
                }
            });
            let expiring = info.expires_in_days.map(|days| {
                let at = info.expires_at.clone().unwrap_or_default();
                let when = if days == 1 { "within a day".to_owned() } else { format!("in {days} days") };
                view! {
                    <p class="warning" role="status" data-testid="key-expiring">
                        "Your API key expires "{when}" ("{at}"). Generate a new one with the button above "
                        "and put it in your scripts before then."
                    </p>
                }
            });
            let refused = info.network_refused_at.clone().map(|at| {
                let from = info.network_refused_from.clone().unwrap_or_else(|| "an unknown address".to_owned());
                view! {
                    <p class="notice" role="status" data-testid="key-network-refused">
                        "A request with this key from "{from}" on "{at}" was refused: that address is outside "
                        "the key's allowed networks."
                    </p>
                }
            });
            let policy = policy_facts(&info.policy());
            view! {
                {exposed}
                {expiring}
                {refused}
                <code class="masked-key" data-testid="masked-key">{info.masked}</code>
                <dl class="facts">
                    <dt>"Created"</dt>
                    <dd>{info.created_at}</dd>
                    <dt>"Last used"</dt>
                    <dd>{last_used}</dd>
                    {policy}
                </dl>
            }
            .into_any()
        }
        None => match account.api_key_revoked_at {
            Some(at) => view! {
                <p class="warning" role="status" data-testid="key-revoked">
                    "Your key was revoked on "{at}" because "
                    {account.api_key_revoked_reason.unwrap_or_else(|| "it was reported as exposed".to_owned())}". "
                    "Generate a new one with the button above, and keep it out of code and logs."
                </p>
            }
            .into_any(),
            None => view! { <p class="muted" data-testid="no-key">"No API key yet"</p> }.into_any(),
        },
    };
    view! {
        {account.suspension.map(|suspension| view! { <SuspendedNotice suspension/> })}
        <section class="card" aria-labelledby="account-heading">
            <h2 id="account-heading">"Account"</h2>
            <dl class="facts">
                <dt>"Email"</dt>
                <dd>{account.email}</dd>
                <dt>"Prefix"</dt>
                <dd class="mono">{account.prefix.clone()}"_"</dd>
            </dl>
        </section>
        <section class="card" aria-labelledby="api-key-heading">
            <div class="card-head">
                <h2 id="api-key-heading">"API Key"</h2>
                <button
                    type="button"
                    class="icon-button"
                    aria-label="Regenerate API key"
                    title="Regenerate API key"
                    on:click=move |_| confirm_open.set(true)
                >
                    <SyncIcon/>
                </button>
            </div>
            <p class="muted">
                "Send it as " <code>"Authorization: Bearer <key>"</code>
                " to the REST API under /api; it can do everything you can do here."
            </p>
            {key}
        </section>
    }
}

/// Why the account is suspended, and what is left to the customer: their existing backups.
#[component]
fn SuspendedNotice(suspension: Suspension) -> impl IntoView {
    let backups = Resource::new(|| (), |_| list_backups(String::new()));
    view! {
        <section class="card" aria-labelledby="suspended-heading" data-testid="account-suspended">
            <h2 id="suspended-heading">"Account suspended"</h2>
            <p class="warning" role="alert">
                "Your provider suspended this account on "{suspension.since}": "{suspension.reason}". "
                "Your databases are kept exactly as they are, but neither the panel nor your database users "
                "can reach them, and scheduled backups are paused until the account is resumed."
            </p>
            <h3>"Your backups"</h3>
            <Load resource=backups let:list>
                <ul class="plain-list">
                    {list
                        .backups
                        .into_iter()
                        .filter(|backup| backup.status == JobStatus::Completed)
                        .map(|backup| view! {
                            <li>
                                <a href=format!("/api/backups/{}/download", backup.id) download>
                                    {format!("{} — {}", backup.database, backup.created_at)}
                                </a>
                            </li>
                        })
                        .collect_view()}
                </ul>
            </Load>
        </section>
    }
}
