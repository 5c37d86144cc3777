//! Alert emails through the operator's SMTP server: `NOBREGAS_SMTP_URL`, e.g.
//! `smtp://user:password@mail.example.com:587?tls=required&from=panel@example.com` (STARTTLS),
//! `smtps://…:465?from=…` (TLS from the start) or `smtp://127.0.0.1:2525?from=…` (plain, for a
//! relay on the same host). Each email-worthy event (`AlertEvent::defaults`) is queued for the
//! account's address and sent by the maintenance pass, retried with the webhooks' backoff.
//! Without the setting nothing is sent, and what was queued is dropped.
use super::{Config, Event};
use crate::domain::time;
use crate::store::{Store, Text};
use anyhow::Context;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use types::alerts::AlertEvent;
use types::error::AppError;

const PER_PASS: i64 = 50;
const ERROR_CHARS: usize = 500;

/// The operator's SMTP server and the sender's address. Not `Debug`: the URL holds a password.
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    /// From `NOBREGAS_SMTP_URL`; its `from` parameter is the sender.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        let parsed = url::Url::parse(url).context("NOBREGAS_SMTP_URL is not a URL")?;
        let from = parsed
            .query_pairs()
            .find(|(name, _)| name == "from")
            .map(|(_, value)| value.into_owned())
            .context("NOBREGAS_SMTP_URL needs the sender's address as ?from=panel@example.com")?;
        let from: Mailbox = format!("Nobregas Panel <{from}>")
            .parse()
            .with_context(|| format!("NOBREGAS_SMTP_URL's from={from} is not an email address"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .context("NOBREGAS_SMTP_URL: use smtp://host:port, smtp://…?tls=required or smtps://…")?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        Ok(Self { transport, from })
    }
}

/// Queues the event's email to the account.
pub async fn enqueue(
    store: &Store,
    account_id: i64,
    event: &Event,
    payload: &str,
) -> Result<(), AppError> {
    let now = time::now();
    sqlx::query(
        "INSERT INTO alert_emails (account_id, event, payload, status, next_attempt_at, created_at)
         VALUES (?, ?, ?, 'pending', ?, ?)",
    )
    .bind(account_id)
    .bind(event.kind.as_str())
    .bind(payload)
    .bind(now)
    .bind(now)
    .execute(store)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    event: Text,
    payload: Text,
    attempts: i64,
    email: Text,
}

/// Sends the emails that are due; without SMTP, drops them.
pub async fn send_due(store: &Store, config: &Config) -> Result<usize, AppError> {
    let Some(smtp) = &config.smtp else {
        // Only when there is something: a write, even an empty one, is not free on SQLite.
        let queued: Option<i64> = sqlx::query_scalar("SELECT id FROM alert_emails LIMIT 1")
            .fetch_optional(store)
            .await?;
        if queued.is_some() {
            sqlx::query("DELETE FROM alert_emails")
                .execute(store)
                .await?;
        }
        return Ok(0);
    };
    let due: Vec<Due> = sqlx::query_as(&format!(
        "SELECT e.id, e.event, e.payload, e.attempts, a.email FROM alert_emails e
         JOIN accounts a ON a.id = e.account_id
         WHERE e.status = 'pending' AND e.next_attempt_at <= ?
         ORDER BY e.next_attempt_at, e.id LIMIT {PER_PASS}"
    ))
    .bind(time::now())
    .fetch_all(store)
    .await?;
    for email in &due {
        let sent = send(smtp, email).await;
        record(store, config, email, sent.err()).await?;
    }
    Ok(due.len())
}

async fn send(smtp: &Smtp, due: &Due) -> anyhow::Result<()> {
    let payload: serde_json::Value = serde_json::from_str(&due.payload.0)?;
    let event = Event {
        kind: AlertEvent::parse(&due.event.0).unwrap_or(AlertEvent::Ping),
        data: payload["data"].clone(),
    };
    let subject = format!("[Nobregas] {}", event.summary());
    let body = format!(
        "{}\n\nAccount: {}\nEvent: {}\nAt: {}\n\nDetails:\n{}\n\n\
         You get this email because your panel's operator turned alert emails on.\n",
        event.summary(),
        payload["account"].as_str().unwrap_or(""),
        event.kind.as_str(),
        payload["occurred_at"].as_str().unwrap_or(""),
        serde_json::to_string_pretty(&payload["data"])?,
    );
    let to: Mailbox = due.email.0.parse().context("the account's address")?;
    let message = Message::builder()
        .from(smtp.from.clone())
        .to(to)
        .subject(subject)
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(body)?;
    smtp.transport.send(message).await?;
    Ok(())
}

async fn record(
    store: &Store,
    config: &Config,
    due: &Due,
    error: Option<anyhow::Error>,
) -> Result<(), AppError> {
    let now = time::now();
    let Some(error) = error else {
        sqlx::query(
            "UPDATE alert_emails SET status = 'sent', attempts = ?, last_error = NULL WHERE id = ?",
        )
        .bind(due.attempts + 1)
        .bind(due.id)
        .execute(store)
        .await?;
        return Ok(());
    };
    tracing::warn!(error = %error, email = due.id, "an alert email could not be sent");
    let wait = usize::try_from(due.attempts)
        .ok()
        .and_then(|n| config.backoff.get(n));
    let (status, next) = match wait {
        Some(wait) => ("pending", now + wait.as_secs().max(1) as i64),
        None => ("failed", now),
    };
    sqlx::query(
        "UPDATE alert_emails SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
    )
    .bind(status)
    .bind(due.attempts + 1)
    .bind(format!("{error:#}").chars().take(ERROR_CHARS).collect::<String>())
    .bind(next)
    .bind(due.id)
    .execute(store)
    .await?;
    Ok(())
}

/// Removes sent and given-up emails after a month.
pub async fn prune(store: &Store) -> Result<u64, AppError> {
    let done = sqlx::query("DELETE FROM alert_emails WHERE status <> 'pending' AND created_at < ?")
        .bind(time::now() - 30 * 86_400)
        .execute(store)
        .await?;
    Ok(done.rows_affected())
}
