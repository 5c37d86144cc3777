//! Profile → Webhooks: where the account's alerts are posted (signed with each webhook's secret),
//! adding one (its events, a secret shown once), deleting one, a test event and each webhook's
//! delivery log. The same services answer `/api/webhooks`.
use crate::components::confirm::ConfirmAction;
use crate::components::form_error::{ActionError, FormError};
use crate::components::load::Load;
use crate::components::reveal::RevealSecret;
use crate::components::table::DataTable;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use types::alerts::{
    AlertEvent, CreatedWebhook, Delivery, DeliveryList, DeliveryStatus, Webhook, WebhookList,
};

#[server(prefix = "/rpc", endpoint = "list_webhooks")]
pub async fn list_webhooks() -> Result<WebhookList, AppError> {
    use panel_core::services::alerts::webhooks;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        Ok(WebhookList {
            webhooks: webhooks::list(&state.store, &caller).await?,
        })
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "create_webhook", input = leptos::server_fn::codec::Json)]
pub async fn create_webhook(
    request: types::alerts::CreateWebhook,
) -> Result<CreatedWebhook, AppError> {
    use panel_core::services::alerts::webhooks;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        webhooks::create(
            &state.store,
            &state.sealer,
            &state.alerts,
            &caller,
            &request,
        )
        .await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_webhook")]
pub async fn delete_webhook(id: String) -> Result<(), AppError> {
    use panel_core::services::alerts::webhooks;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        webhooks::delete(&state.store, &caller, &id).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "list_webhook_deliveries")]
pub async fn list_webhook_deliveries(id: String) -> Result<DeliveryList, AppError> {
    use panel_core::services::alerts::deliveries;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        deliveries::list(&state.store, &caller, &id).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "test_webhook")]
pub async fn test_webhook(id: String) -> Result<Delivery, AppError> {
    use panel_core::services::alerts::deliveries;
    crate::rpc::answer(async {
        let (state, caller) = crate::rpc::signed_in().await?;
        deliveries::test(&state.store, &caller, &id).await
    })
    .await
}

/// Profile → Webhooks.
#[component]
pub fn WebhooksSection() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let test = ServerAction::<TestWebhook>::new();
    let webhooks = Resource::new(
        move || (create.version().get(), delete.version().get()),
        |_| list_webhooks(),
    );
    let deleting = RwSignal::new(None::<Webhook>);
    Effect::new(move |_| {
        if matches!(delete.value().get(), Some(Ok(()))) {
            deleting.set(None);
        }
    });
    // A secret the panel made lives only in the action's value, until the dialog is closed.
    let made_secret = move || {
        create
            .value()
            .get()
            .and_then(Result::ok)
            .and_then(|created| created.secret)
    };
    view! {
        <section class="card" aria-labelledby="webhooks-heading" data-testid="webhooks">
            <h2 id="webhooks-heading">"Webhooks"</h2>
            <p class="muted">
                "The panel posts each event as JSON to your URL, signed in the "
                <code>"X-Nobregas-Signature"</code>" header ("<code>"t=<unix time>,v1=<HMAC-SHA256 of \"<t>.<body>\">"</code>
                " with the webhook's secret), and retries for about two hours while your receiver does not answer 2xx."
            </p>
            <Load resource=webhooks let:list>
                <WebhookTable webhooks=list.webhooks deleting test/>
            </Load>
            <ActionError action=test/>
            <AddWebhookForm create/>
        </section>
        {move || deleting.get().map(|webhook| view! {
            <ConfirmAction
                action=delete
                input=DeleteWebhook { id: webhook.id.clone() }
                title="Delete webhook?".to_owned()
                message=format!("Nothing more is posted to {}, and its delivery log is deleted.", webhook.url)
                confirm_label="Delete"
                on_close=Callback::new(move |()| deleting.set(None))
            />
        })}
        {move || made_secret().map(|secret| view! {
            <RevealSecret
                title="Your webhook's secret".to_owned()
                secret
                testid="new-webhook-secret"
                on_done=Callback::new(move |_| create.value().set(None))
            />
        })}
    }
}

#[component]
fn WebhookTable(
    webhooks: Vec<Webhook>,
    deleting: RwSignal<Option<Webhook>>,
    test: ServerAction<TestWebhook>,
) -> impl IntoView {
    if webhooks.is_empty() {
        return view! { <p class="muted" data-testid="no-webhooks">"No webhooks yet."</p> }
            .into_any();
    }
    let rows = webhooks
        .into_iter()
        .map(|webhook| {
            let events = webhook
                .events
                .iter()
                .map(|event| event.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let shown = RwSignal::new(false);
            let (id, url, added) = (webhook.id.clone(), webhook.url.clone(), webhook.created_at.clone());
            let test_id = id.clone();
            let (log_label, test_label, delete_label) = (
                format!("Deliveries to {url}"),
                format!("Send a test event to {url}"),
                format!("Delete the webhook to {url}"),
            );
            view! {
                <tr data-testid="webhook-row">
                    <td class="mono">{url}</td>
                    <td>{events}</td>
                    <td>{added}</td>
                    <td class="actions">
                        <button type="button" class="button small" aria-expanded=move || shown.get().to_string()
                            aria-label=log_label on:click=move |_| shown.update(|s| *s = !*s)>
                            "Deliveries"
                        </button>
                        <button type="button" class="button small" aria-label=test_label
                            on:click=move |_| { test.dispatch(TestWebhook { id: test_id.clone() }); }>
                            "Test"
                        </button>
                        <button type="button" class="button small danger-outline" aria-label=delete_label
                            on:click=move |_| deleting.set(Some(webhook.clone()))>
                            "Delete"
                        </button>
                    </td>
                </tr>
                <Show when=move || shown.get()>
                    <tr class="detail-row">
                        <td colspan="4"><DeliveryLog id=id.clone() test/></td>
                    </tr>
                </Show>
            }
        })
        .collect_view();
    view! {
        <DataTable columns=&["URL", "Events", "Added"] with_actions=true plain=true>{rows}</DataTable>
    }
    .into_any()
}

/// A webhook's last deliveries, read again after each test event and on request.
#[component]
fn DeliveryLog(id: String, test: ServerAction<TestWebhook>) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let deliveries = Resource::new(
        move || (test.version().get(), refresh.get()),
        move |_| list_webhook_deliveries(id.clone()),
    );
    view! {
        <div class="delivery-log" data-testid="delivery-log">
            <button type="button" class="button small" on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
            <Load resource=deliveries let:list>
                <DeliveryTable deliveries=list.deliveries/>
            </Load>
        </div>
    }
}

#[component]
fn DeliveryTable(deliveries: Vec<Delivery>) -> impl IntoView {
    if deliveries.is_empty() {
        return view! { <p class="muted">"Nothing sent yet."</p> }.into_any();
    }
    let rows = deliveries
        .into_iter()
        .map(|delivery| {
            let status = match delivery.status {
                DeliveryStatus::Pending => match &delivery.next_attempt_at {
                    Some(at) => format!("pending (next try {at})"),
                    None => "pending".to_owned(),
                },
                other => other.as_str().to_owned(),
            };
            let answer = match (delivery.last_status_code, delivery.last_error) {
                (Some(code), None) => code.to_string(),
                (Some(code), Some(error)) => format!("{code}: {error}"),
                (None, Some(error)) => error,
                (None, None) => "—".to_owned(),
            };
            view! {
                <tr data-testid="delivery-row" data-status=delivery.status.as_str()>
                    <td>{delivery.created_at}</td>
                    <td class="mono">{delivery.event.as_str()}</td>
                    <td>{status}</td>
                    <td>{delivery.attempts}</td>
                    <td>{answer}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable columns=&["Time", "Event", "Status", "Attempts", "Last answer"] plain=true>{rows}</DataTable>
    }
    .into_any()
}

#[component]
fn AddWebhookForm(create: ServerAction<CreateWebhook>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let events = RwSignal::new(AlertEvent::defaults().collect::<Vec<_>>());
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) {
            url.set(String::new());
            secret.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let secret = secret.get_untracked();
        create.dispatch(CreateWebhook {
            request: types::alerts::CreateWebhook {
                url: url.get_untracked(),
                secret: (!secret.is_empty()).then_some(secret),
                events: events.get_untracked(),
            },
        });
    };
    let checkboxes = AlertEvent::SUBSCRIBABLE
        .iter()
        .map(|&event| {
            let id = format!("webhook-event-{}", event.as_str().replace(['.', '_'], "-"));
            let label_for = id.clone();
            view! {
                <label class="checkbox" for=label_for>
                    <input id=id type="checkbox" value=event.as_str()
                        prop:checked=move || events.with(|chosen| chosen.contains(&event))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            events.update(|chosen| {
                                chosen.retain(|e| *e != event);
                                if on {
                                    chosen.push(event);
                                }
                            });
                        }/>
                    {event.describe()}" "<code>{event.as_str()}</code>
                </label>
            }
        })
        .collect_view();
    view! {
        <form class="stack-form" method="post" action=CreateWebhook::url() on:submit=submit aria-labelledby="add-webhook-heading">
            <h3 id="add-webhook-heading">"Add a webhook"</h3>
            <label for="webhook-url">"URL"</label>
            <input id="webhook-url" name="url" type="url" required placeholder="https://example.com/hooks/nobregas" bind:value=url/>
            <fieldset>
                <legend>"Events"</legend>
                {checkboxes}
            </fieldset>
            <label for="webhook-secret">"Secret (optional)"</label>
            <input id="webhook-secret" name="secret" type="password" autocomplete="new-password" minlength="16" maxlength="200"
                aria-describedby="webhook-secret-hint" bind:value=secret/>
            <p id="webhook-secret-hint" class="hint">"16 to 200 characters. Leave it empty and the panel makes one, shown once."</p>
            {move || create.value().get().and_then(Result::err).map(|err| view! { <FormError message=err.message/> })}
            <button type="submit" class="button primary" disabled=move || create.pending().get()>"Add webhook"</button>
        </form>
    }
}
