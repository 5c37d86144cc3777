//! The audit log: who did what to an account, when, from where. Written by the services right
//! after an action took effect; read newest first, a page at a time, by the account itself.
use crate::domain::caller::{Actor, Caller};
use crate::domain::time;
use crate::store::{self, Store};
use std::collections::BTreeMap;
use std::net::IpAddr;
use types::activity::{Action, AuditEvent, AuditPage};
use types::error::AppError;

/// Page sizes a caller may ask for.
pub const MAX_PAGE: u32 = 100;
pub const DEFAULT_PAGE: u32 = 50;

/// Statements and other free text are cut to this many bytes (on a character boundary).
const MAX_DETAIL_BYTES: usize = 1024;

/// One event about to be written.
pub struct Entry<'a> {
    pub account_id: Option<i64>,
    pub actor: &'a Actor,
    pub ip: Option<IpAddr>,
    pub action: Action,
    pub details: Vec<(&'static str, String)>,
}

impl<'a> Entry<'a> {
    /// An action a signed-in caller took.
    pub fn by(caller: &'a Caller, action: Action) -> Self {
        Self {
            account_id: Some(caller.account_id),
            actor: &caller.actor,
            ip: caller.ip,
            action,
            details: Vec::new(),
        }
    }

    pub fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.details.push((key, cut(value.into())));
        self
    }
}

fn cut(mut text: String) -> String {
    if text.len() > MAX_DETAIL_BYTES {
        let mut end = MAX_DETAIL_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// Writes the event. The action already happened: a failure to log it is reported to the
/// operator's log, never turned into a failure of the action.
pub async fn record(store: &Store, entry: Entry<'_>) {
    if let Err(err) = insert(store, &entry).await {
        tracing::error!(error = %err, action = entry.action.as_str(), "failed to write an audit event");
    }
}

async fn insert(store: &Store, entry: &Entry<'_>) -> Result<(), sqlx::Error> {
    let details: BTreeMap<&str, &str> = entry
        .details
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let details = serde_json::to_string(&details).unwrap_or_else(|_| "{}".into());
    sqlx::query("INSERT INTO audit_events (account_id, at, actor, source_ip, action, details) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(entry.account_id)
        .bind(time::now())
        .bind(entry.actor.label())
        .bind(entry.ip.map(|ip| ip.to_string()))
        .bind(entry.action.as_str())
        .bind(details)
        .execute(store)
        .await?;
    Ok(())
}

/// A sign-in attempt, on the account the email names: a success by the new session, a failure by
/// nobody yet (an email no account has is kept too, on no account, for the operator).
pub async fn sign_in(store: &Store, email: &str, signed_in: Option<i64>, ip: Option<IpAddr>) {
    let (account_id, actor, action) = match signed_in {
        Some(id) => (Some(id), Actor::Session, Action::SignIn),
        None => {
            let known = match types::validate::Email::parse(email) {
                Ok(email) => crate::services::accounts::find_id_by_email(store, &email)
                    .await
                    .ok()
                    .flatten(),
                Err(_) => None,
            };
            (known, Actor::Anonymous, Action::SignInFailed)
        }
    };
    let entry = Entry {
        account_id,
        actor: &actor,
        ip,
        action,
        details: Vec::new(),
    };
    record(store, entry.with("email", email.trim().to_lowercase())).await;
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    at: i64,
    actor: String,
    source_ip: Option<String>,
    action: String,
    details: store::Text,
}

/// The account's events older than the cursor `before` (an event id), newest first.
pub async fn page(
    store: &Store,
    caller: &Caller,
    before: Option<&str>,
    limit: Option<u32>,
) -> Result<AuditPage, AppError> {
    let before = match before.filter(|b| !b.is_empty()) {
        Some(cursor) => cursor
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| {
                AppError::validation("`before` must be a cursor from a previous page's `next`.")
            })?,
        None => i64::MAX,
    };
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::validation(format!("`limit` is 1–{MAX_PAGE}.")));
    }
    // One more than asked tells whether another page exists.
    let mut rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, at, actor, source_ip, action, details FROM audit_events
         WHERE account_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
    )
    .bind(caller.account_id)
    .bind(before)
    .bind(i64::from(limit) + 1)
    .fetch_all(store)
    .await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = more
        .then(|| rows.last().map(|row| row.id.to_string()))
        .flatten();
    let events = rows
        .into_iter()
        .map(|row| AuditEvent {
            id: row.id,
            at: time::rfc3339(row.at),
            actor: row.actor,
            source_ip: row.source_ip,
            action: row.action,
            details: serde_json::from_str(&row.details.0).unwrap_or_default(),
        })
        .collect();
    Ok(AuditPage { events, next })
}
