//! Alerts (issue 27, item 5): what happened to an account — a backup failed, a restore finished,
//! its key was used from a new address, its storage is nearly full — told to its webhooks (signed
//! HTTP posts, retried with backoff) and, when the operator set `NOBREGAS_SMTP_URL`, by email.
//! `notify` only queues (a few rows in the store) and never fails its caller; the maintenance
//! lease holder sends what is due (`send_due`).
pub mod address;
pub mod deliveries;
pub mod email;
pub mod events;
pub mod signature;
pub mod watch;
pub mod webhooks;

pub use events::Event;

use crate::domain::seal::Sealer;
use crate::domain::time;
use crate::store::{Store, Text};
use std::sync::Arc;
use std::time::Duration;
use types::alerts::AlertEvent;
use types::error::AppError;

/// The operator's settings for alerts.
#[derive(Clone)]
pub struct Config {
    /// Webhooks may point at loopback, private and link-local addresses (a panel on a private
    /// network whose receivers are there too; the tests).
    pub allow_private: bool,
    /// How long to wait after each failed attempt; past the last step a delivery is given up.
    pub backoff: Arc<[Duration]>,
    /// How often the lease holder sends what is due.
    pub tick: Duration,
    /// A scheduled database whose last completed backup is older than this is `backup.missing`.
    pub backup_missing_after: Duration,
    /// The operator's SMTP server; `None`: no email.
    pub smtp: Option<Arc<email::Smtp>>,
}

impl Config {
    /// From the operator's settings; fails on an SMTP URL that cannot be used.
    pub fn new(settings: &crate::config::Settings) -> anyhow::Result<Self> {
        let smtp = settings
            .smtp_url
            .as_deref()
            .filter(|url| !url.is_empty())
            .map(email::Smtp::from_url)
            .transpose()?
            .map(Arc::new);
        Ok(Self {
            allow_private: settings.webhook_allow_private,
            backoff: settings.alert_backoff.clone().into(),
            tick: settings.alert_tick,
            backup_missing_after: settings.backup_missing_after,
            smtp,
        })
    }
}

/// Queues `event` for every webhook of the account that subscribed to it, and an email when it is
/// one emails are sent for. Failures are logged: the operation that caused the event succeeded.
pub async fn notify(store: &Store, account_id: i64, event: Event) {
    if let Err(err) = queue(store, account_id, &event).await {
        tracing::warn!(
            error = %err.message,
            account_id,
            event = event.kind.as_str(),
            "could not queue an alert"
        );
    }
}

async fn queue(store: &Store, account_id: i64, event: &Event) -> Result<(), AppError> {
    let prefix: Option<Text> = sqlx::query_scalar("SELECT prefix FROM accounts WHERE id = ?")
        .bind(account_id)
        .fetch_optional(store)
        .await?;
    let Some(Text(prefix)) = prefix else {
        return Ok(());
    };
    let payload = event.payload(&prefix, &time::rfc3339(time::now()));
    let subscribed: Vec<(Text, Text)> =
        sqlx::query_as("SELECT id, events FROM webhooks WHERE account_id = ?")
            .bind(account_id)
            .fetch_all(store)
            .await?;
    for (Text(id), Text(events)) in subscribed {
        if webhooks::parse_events(&events).contains(&event.kind) {
            deliveries::enqueue(store, &id, event.kind, &payload).await?;
        }
    }
    if AlertEvent::defaults().any(|kind| kind == event.kind) {
        email::enqueue(store, account_id, event, &payload).await?;
    }
    Ok(())
}

/// How a backup or a restore/import job ended, as its row says.
#[derive(sqlx::FromRow)]
struct Ended {
    account_id: i64,
    kind: Text,
    database: Text,
    status: Text,
    error: Option<Text>,
}

/// A backup ended (its row says how): `backup.failed` with the reason, or `backup.succeeded`.
pub async fn backup_ended(store: &Store, backup_id: &str) {
    let row: Result<Option<Ended>, _> = sqlx::query_as(
        "SELECT account_id, 'backup' AS kind, `database`, status, error FROM backups WHERE id = ?",
    )
    .bind(backup_id)
    .fetch_optional(store)
    .await;
    match row {
        Ok(Some(Ended {
            account_id,
            database: Text(database),
            status: Text(status),
            error,
            ..
        })) => {
            let error = (status == "failed").then(|| error.map(|Text(e)| e).unwrap_or_default());
            let event = Event::backup_ended(&database, backup_id, error.as_deref());
            notify(store, account_id, event).await;
        }
        Ok(None) => {}
        Err(err) => {
            tracing::warn!(error = %err, backup_id, "could not read a backup for its alert")
        }
    }
}

/// A restore or import job ended (its row says which, and how).
pub async fn job_ended(store: &Store, job_id: &str) {
    let row: Result<Option<Ended>, _> = sqlx::query_as(
        "SELECT account_id, kind, `database`, status, error FROM backup_jobs WHERE id = ?",
    )
    .bind(job_id)
    .fetch_optional(store)
    .await;
    match row {
        Ok(Some(Ended {
            account_id,
            kind: Text(kind),
            database: Text(database),
            status: Text(status),
            error,
        })) => {
            let error = (status == "failed").then(|| error.map(|Text(e)| e).unwrap_or_default());
            let event = Event::job_ended(kind == "import", &database, job_id, error.as_deref());
            notify(store, account_id, event).await;
        }
        Ok(None) => {}
        Err(err) => tracing::warn!(error = %err, job_id, "could not read a job for its alert"),
    }
}

/// The lease holder's pass: webhooks and emails that are due.
pub async fn send_due(store: &Store, sealer: &Sealer, config: &Config) {
    if let Err(err) = deliveries::send_due(store, sealer, config).await {
        tracing::warn!(error = %err.message, "could not send due webhook deliveries; will retry");
    }
    if let Err(err) = email::send_due(store, config).await {
        tracing::warn!(error = %err.message, "could not send due alert emails; will retry");
    }
}

/// The slower pass (with the reconciliation): databases gone too long without a backup, and old
/// deliveries out of the log.
pub async fn watch(store: &Store, config: &Config) {
    if let Err(err) = watch::missing_backups(store, config.backup_missing_after).await {
        tracing::warn!(error = %err.message, "could not look for databases without recent backups");
    }
    if let Err(err) = deliveries::prune(store).await {
        tracing::warn!(error = %err.message, "could not prune old webhook deliveries");
    }
    if let Err(err) = email::prune(store).await {
        tracing::warn!(error = %err.message, "could not prune old alert emails");
    }
}
