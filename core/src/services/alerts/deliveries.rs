//! The webhooks' outbox: each event becomes one row per subscribed webhook, sent by `send_due`
//! (the maintenance lease holder, every few seconds) and retried with the configured backoff until
//! the receiver answers 2xx or the attempts run out. Delivery is at least once: a receiver may see
//! a delivery twice (a lease changing hands mid-request) and drops repeats by `X-Nobregas-Delivery`.
use super::signature::{DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign};
use super::{Config, address, webhooks};
use crate::domain::caller::Caller;
use crate::domain::seal::Sealer;
use crate::domain::time;
use crate::store::{self, Store, Text};
use futures_util::StreamExt;
use std::time::Duration;
use types::alerts::{AlertEvent, Delivery, DeliveryList, DeliveryStatus};
use types::error::AppError;

/// A receiver has this long to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries taken per pass, and sent at once.
const PER_PASS: i64 = 100;
const AT_ONCE: usize = 8;
/// The log keeps this many deliveries per webhook in its answer.
const LISTED: i64 = 50;
/// Finished deliveries older than this are removed (`prune`).
const KEPT_FOR_SECS: i64 = 30 * 86_400;
const ERROR_CHARS: usize = 500;

/// Queues `payload` for the webhook; the id is its `X-Nobregas-Delivery`.
pub async fn enqueue(
    store: &Store,
    webhook_id: &str,
    event: AlertEvent,
    payload: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let now = time::now();
    let insert = store::returning_id(
        store,
        "INSERT INTO webhook_deliveries (webhook_id, event, payload, status, next_attempt_at, created_at)
         VALUES (?, ?, ?, 'pending', ?, ?)",
    );
    let query = sqlx::query(&insert)
        .bind(webhook_id)
        .bind(event.as_str())
        .bind(payload)
        .bind(now)
        .bind(now);
    store::inserted_id(store, query).await
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    event: Text,
    status: Text,
    attempts: i64,
    last_status_code: Option<i64>,
    last_error: Option<Text>,
    created_at: i64,
    next_attempt_at: i64,
    delivered_at: Option<i64>,
}

impl DeliveryRow {
    fn into_delivery(self) -> Delivery {
        let status = DeliveryStatus::parse(&self.status.0);
        Delivery {
            id: self.id,
            event: AlertEvent::parse(&self.event.0).unwrap_or(AlertEvent::Ping),
            status,
            attempts: u32::try_from(self.attempts).unwrap_or(0),
            last_status_code: self.last_status_code.and_then(|c| u16::try_from(c).ok()),
            last_error: self.last_error.map(|Text(error)| error),
            created_at: time::rfc3339(self.created_at),
            next_attempt_at: (status == DeliveryStatus::Pending)
                .then(|| time::rfc3339(self.next_attempt_at)),
            delivered_at: self.delivered_at.map(time::rfc3339),
        }
    }
}

const COLUMNS: &str = "id, event, status, attempts, last_status_code, last_error, created_at, next_attempt_at, delivered_at";

/// The webhook's last deliveries, newest first.
pub async fn list(
    store: &Store,
    caller: &Caller,
    webhook_id: &str,
) -> Result<DeliveryList, AppError> {
    webhooks::owned(store, caller, webhook_id).await?;
    let rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT {LISTED}"
    ))
    .bind(webhook_id)
    .fetch_all(store)
    .await?;
    Ok(DeliveryList {
        deliveries: rows.into_iter().map(DeliveryRow::into_delivery).collect(),
    })
}

/// Queues a `ping` to the webhook alone, to try a receiver out.
pub async fn test(store: &Store, caller: &Caller, webhook_id: &str) -> Result<Delivery, AppError> {
    webhooks::owned(store, caller, webhook_id).await?;
    let event = super::events::Event::ping(webhook_id);
    let payload = event.payload(caller.prefix.as_str(), &time::rfc3339(time::now()));
    let id = enqueue(store, webhook_id, event.kind, &payload)
        .await?
        .ok_or_else(|| AppError::internal("the test delivery was not queued"))?;
    let row: DeliveryRow = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM webhook_deliveries WHERE id = ?"
    ))
    .bind(id)
    .fetch_one(store)
    .await?;
    Ok(row.into_delivery())
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    webhook_id: Text,
    event: Text,
    payload: Text,
    attempts: i64,
    url: Text,
    secret: Text,
}

/// What one attempt came to.
struct Attempt {
    status_code: Option<u16>,
    error: Option<String>,
}

/// Sends every delivery that is due; how many were attempted.
pub async fn send_due(store: &Store, sealer: &Sealer, config: &Config) -> Result<usize, AppError> {
    let due: Vec<Due> = sqlx::query_as(&format!(
        "SELECT d.id, d.webhook_id, d.event, d.payload, d.attempts, w.url, w.secret
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= ?
         ORDER BY d.next_attempt_at, d.id LIMIT {PER_PASS}"
    ))
    .bind(time::now())
    .fetch_all(store)
    .await?;
    let count = due.len();
    let results: Vec<Result<(), AppError>> = futures_util::stream::iter(due)
        .map(|due| async move {
            let attempt = attempt(sealer, config, &due).await;
            record(store, config, &due, attempt).await
        })
        .buffer_unordered(AT_ONCE)
        .collect()
        .await;
    for result in results {
        if let Err(err) = result {
            tracing::warn!(error = %err.message, "could not record a webhook delivery's attempt");
        }
    }
    Ok(count)
}

async fn attempt(sealer: &Sealer, config: &Config, due: &Due) -> Attempt {
    let failed = |error: String| Attempt {
        status_code: None,
        error: Some(error),
    };
    let url = match address::parse(&due.url.0) {
        Ok(url) => url,
        Err(err) => return failed(err.message),
    };
    // Checked again now: the name may point elsewhere since the webhook was added.
    let addresses = match address::resolve(&url, config.allow_private).await {
        Ok(addresses) => addresses,
        Err(err) => return failed(err.message),
    };
    let secret = match webhooks::open_secret(sealer, &due.webhook_id.0, &due.secret.0) {
        Ok(secret) => secret,
        Err(err) => return failed(err.message),
    };
    // The request goes to the addresses just checked, not to a second lookup of the name.
    let host = url.host_str().unwrap_or_default().to_owned();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .resolve_to_addrs(&host, &addresses)
        .user_agent("Nobregas-Webhooks/1")
        .build();
    let client = match client {
        Ok(client) => client,
        Err(err) => return failed(format!("could not prepare the request: {err}")),
    };
    let body = due.payload.0.clone();
    let signature = sign(secret.as_bytes(), time::now(), body.as_bytes());
    let sent = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header(EVENT_HEADER, &due.event.0)
        .header(DELIVERY_HEADER, due.id.to_string())
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => Attempt {
            status_code: Some(response.status().as_u16()),
            error: None,
        },
        Ok(response) => Attempt {
            status_code: Some(response.status().as_u16()),
            error: Some(format!("The receiver answered {}.", response.status())),
        },
        Err(err) => failed(format!(
            "The receiver could not be reached: {}",
            describe(&err)
        )),
    }
}

/// reqwest's error with its causes: "error sending request" alone does not say what happened.
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

async fn record(
    store: &Store,
    config: &Config,
    due: &Due,
    attempt: Attempt,
) -> Result<(), AppError> {
    let now = time::now();
    let attempts = due.attempts + 1;
    let code = attempt.status_code.map(i64::from);
    match attempt.error {
        None => {
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'delivered', attempts = ?, last_status_code = ?,
                     last_error = NULL, delivered_at = ? WHERE id = ?",
            )
            .bind(attempts)
            .bind(code)
            .bind(now)
            .bind(due.id)
            .execute(store)
            .await?;
        }
        Some(error) => {
            let error: String = error.chars().take(ERROR_CHARS).collect();
            // The n-th failure waits the n-th step; past the last step the delivery is given up.
            let wait = usize::try_from(due.attempts)
                .ok()
                .and_then(|n| config.backoff.get(n));
            let (status, next) = match wait {
                Some(wait) => ("pending", now + wait.as_secs().max(1) as i64),
                None => ("failed", now),
            };
            sqlx::query(
                "UPDATE webhook_deliveries SET status = ?, attempts = ?, last_status_code = ?,
                     last_error = ?, next_attempt_at = ? WHERE id = ?",
            )
            .bind(status)
            .bind(attempts)
            .bind(code)
            .bind(error)
            .bind(next)
            .bind(due.id)
            .execute(store)
            .await?;
        }
    }
    Ok(())
}

/// Removes finished deliveries older than the log keeps.
pub async fn prune(store: &Store) -> Result<u64, AppError> {
    let done =
        sqlx::query("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?")
            .bind(time::now() - KEPT_FOR_SECS)
            .execute(store)
            .await?;
    Ok(done.rows_affected())
}
