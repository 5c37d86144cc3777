//! `nobregas webhooks …`: where the account's alerts are posted, and what was sent.
use crate::api::{Api, Body, Failure};
use crate::output::{Output, confirm, read_stdin_line, show, table};
use clap::Subcommand;
use types::alerts::{AlertEvent, CreateWebhook};

#[derive(Subcommand)]
pub enum WebhooksCommand {
    List,
    /// Add a webhook; without --secret-stdin the panel makes a secret and prints it once.
    Add {
        /// http(s) URL the events are posted to.
        url: String,
        /// An event to send (repeat for more): backup.failed, backup.succeeded, backup.missing,
        /// restore.finished, restore.failed, import.finished, import.failed, api_key.regenerated,
        /// api_key.new_ip, storage.threshold. None: all but backup.succeeded.
        #[arg(long = "event", value_parser = parse_event)]
        events: Vec<AlertEvent>,
        /// Read the signing secret (16 to 200 characters) as one line of standard input.
        #[arg(long)]
        secret_stdin: bool,
    },
    Delete {
        id: String,
        /// Do not ask (needed without a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// The webhook's last 50 deliveries, newest first.
    Deliveries {
        id: String,
    },
    /// Send a `ping` event to the webhook.
    Test {
        id: String,
    },
}

fn parse_event(text: &str) -> Result<AlertEvent, String> {
    AlertEvent::parse(text)
        .filter(|event| *event != AlertEvent::Ping)
        .ok_or_else(|| format!("no event {text:?}; see --help"))
}

impl WebhooksCommand {
    pub async fn run(self, api: &Api, output: Output, key_on_stdin: bool) -> Result<(), Failure> {
        let client = api.client();
        match self {
            Self::List => {
                let answer = client.list_webhooks().await?;
                show(output, &Body::from(&answer), || {
                    let rows = answer.value.webhooks.into_iter().map(|w| {
                        let events: Vec<_> = w.events.iter().map(|e| e.as_str()).collect();
                        [w.id, w.url, events.join(","), w.created_at]
                    });
                    Ok(table(["ID", "URL", "EVENTS", "ADDED"], rows))
                })
            }
            Self::Add {
                url,
                events,
                secret_stdin,
            } => {
                if secret_stdin && key_on_stdin {
                    return Err(Failure::usage(
                        "--secret-stdin and --api-key-stdin both read standard input: use NOBREGAS_API_KEY or --api-key-file.",
                    ));
                }
                let secret = secret_stdin.then(read_stdin_line).transpose()?;
                let request = CreateWebhook {
                    url,
                    secret,
                    events,
                };
                let answer = client.create_webhook(&request).await?;
                show(output, &Body::from(&answer), || {
                    let created = answer.value;
                    let mut text = format!(
                        "Added webhook {} to {}.",
                        created.webhook.id, created.webhook.url
                    );
                    if let Some(secret) = created.secret {
                        text.push_str(&format!("\nIts signing secret (shown this once): {secret}"));
                    }
                    Ok(text)
                })
            }
            Self::Delete { id, yes } => {
                confirm(&format!("Delete webhook {id} and its delivery log?"), yes)?;
                client.delete_webhook(&id).await?;
                eprintln!("Deleted webhook {id}.");
                Ok(())
            }
            Self::Deliveries { id } => {
                let answer = client.list_webhook_deliveries(&id).await?;
                show(output, &Body::from(&answer), || {
                    let rows = answer.value.deliveries.into_iter().map(|d| {
                        let code = d.last_status_code.map_or("-".into(), |c| c.to_string());
                        [
                            d.id.to_string(),
                            d.created_at,
                            d.event.as_str().to_owned(),
                            d.status.as_str().to_owned(),
                            d.attempts.to_string(),
                            code,
                            d.last_error.unwrap_or_default(),
                        ]
                    });
                    Ok(table(
                        ["ID", "TIME", "EVENT", "STATUS", "ATTEMPTS", "HTTP", "ERROR"],
                        rows,
                    ))
                })
            }
            Self::Test { id } => {
                let answer = client.test_webhook(&id).await?;
                show(output, &Body::from(&answer), || {
                    Ok(format!(
                        "Queued a ping to webhook {id} (delivery {}).",
                        answer.value.id
                    ))
                })
            }
        }
    }
}
