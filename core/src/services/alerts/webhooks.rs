//! An account's webhooks: add (URL checked, secret sealed), list, delete. Every lookup is by the
//! caller's account, so another account's webhook id is 404 like one that does not exist.
use super::{Config, address};
use crate::domain::caller::Caller;
use crate::domain::seal::Sealer;
use crate::domain::sealed_columns::{unopenable, webhook_secret};
use crate::domain::secret::random_base62;
use crate::domain::time;
use crate::services::audit;
use crate::store::{Store, Text};
use types::activity::Action;
use types::alerts::{AlertEvent, CreateWebhook, CreatedWebhook, MAX_WEBHOOKS, Webhook};
use types::error::AppError;

const SECRET_LEN: std::ops::RangeInclusive<usize> = 16..=200;

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: Text,
    url: Text,
    events: Text,
    created_at: i64,
}

impl WebhookRow {
    fn into_webhook(self) -> Webhook {
        Webhook {
            id: self.id.0,
            url: self.url.0,
            events: parse_events(&self.events.0),
            created_at: time::rfc3339(self.created_at),
        }
    }
}

pub async fn list(store: &Store, caller: &Caller) -> Result<Vec<Webhook>, AppError> {
    let rows: Vec<WebhookRow> = sqlx::query_as(
        "SELECT id, url, events, created_at FROM webhooks WHERE account_id = ? ORDER BY created_at, id",
    )
    .bind(caller.account_id)
    .fetch_all(store)
    .await?;
    Ok(rows.into_iter().map(WebhookRow::into_webhook).collect())
}

pub async fn create(
    store: &Store,
    sealer: &Sealer,
    config: &Config,
    caller: &Caller,
    request: &CreateWebhook,
) -> Result<CreatedWebhook, AppError> {
    let url = address::parse(&request.url)?;
    let made = request.secret.is_none();
    let secret = match &request.secret {
        Some(secret) if SECRET_LEN.contains(&secret.chars().count()) => secret.clone(),
        Some(_) => {
            return Err(AppError::validation(
                "The webhook secret must be 16 to 200 characters long (or left out: the panel makes one).",
            ));
        }
        None => format!("whsec_{}", random_base62(32)),
    };
    let mut events: Vec<AlertEvent> = Vec::new();
    for event in &request.events {
        if *event == AlertEvent::Ping {
            return Err(AppError::validation(
                "`ping` is sent by POST /api/webhooks/{id}/test, not subscribed to.",
            ));
        }
        if !events.contains(event) {
            events.push(*event);
        }
    }
    if events.is_empty() {
        events = AlertEvent::defaults().collect();
    }
    // Resolved last: what can be refused without a lookup is.
    address::resolve(&url, config.allow_private).await?;
    let id = random_base62(16);
    let created_at = time::now();
    let mut tx = store.begin().await?;
    // Counted inside the transaction that inserts: two adds at once cannot both take the last place.
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhooks WHERE account_id = ?")
        .bind(caller.account_id)
        .fetch_one(&mut *tx)
        .await?;
    if count >= MAX_WEBHOOKS as i64 {
        // The request is fine; the account's state is not: 409, like the plan's limits.
        return Err(AppError::conflict(format!(
            "An account may have {MAX_WEBHOOKS} webhooks; delete one first."
        )));
    }
    sqlx::query(
        "INSERT INTO webhooks (id, account_id, url, secret, events, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(caller.account_id)
    .bind(url.as_str())
    .bind(sealer.seal(&webhook_secret(&id), secret.as_bytes()))
    .bind(join_events(&events))
    .bind(created_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    audit::record(
        store,
        audit::Entry::by(caller, Action::WebhookCreated)
            .with("url", url.as_str())
            .with("events", join_events(&events)),
    )
    .await;
    Ok(CreatedWebhook {
        webhook: Webhook {
            id,
            url: url.into(),
            events,
            created_at: time::rfc3339(created_at),
        },
        secret: made.then_some(secret),
    })
}

/// Deletes the webhook and its delivery log.
pub async fn delete(store: &Store, caller: &Caller, id: &str) -> Result<(), AppError> {
    let url = owned(store, caller, id).await?;
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM webhooks WHERE id = ? AND account_id = ?")
        .bind(id)
        .bind(caller.account_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    audit::record(
        store,
        audit::Entry::by(caller, Action::WebhookDeleted).with("url", url),
    )
    .await;
    Ok(())
}

/// The webhook's URL if it is the caller's; 404 otherwise.
pub async fn owned(store: &Store, caller: &Caller, id: &str) -> Result<String, AppError> {
    let url: Option<Text> =
        sqlx::query_scalar("SELECT url FROM webhooks WHERE id = ? AND account_id = ?")
            .bind(id)
            .bind(caller.account_id)
            .fetch_optional(store)
            .await?;
    url.map(|Text(url)| url)
        .ok_or_else(|| AppError::not_found(format!("No webhook {id} in your account.")))
}

/// The secret a delivery is signed with.
pub fn open_secret(sealer: &Sealer, id: &str, sealed: &str) -> Result<String, AppError> {
    sealer
        .open_text(&webhook_secret(id), sealed)
        .map_err(|err| unopenable("a webhook's secret", err))
}

pub fn join_events(events: &[AlertEvent]) -> String {
    events
        .iter()
        .map(|event| event.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn parse_events(text: &str) -> Vec<AlertEvent> {
    text.split(',').filter_map(AlertEvent::parse).collect()
}
