//! Alerts: the events an account can be told about, and its webhooks (`/api/webhooks`).
use crate::word::Word;
use serde::{Deserialize, Serialize};

/// What happened. The wire form is the `X-Nobregas-Event` header and the payload's `event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum AlertEvent {
    #[serde(rename = "backup.failed")]
    BackupFailed,
    /// Opt-in: a daily backup per database would be a lot of messages.
    #[serde(rename = "backup.succeeded")]
    BackupSucceeded,
    /// A scheduled database's last completed backup is older than the panel's limit (26 h by
    /// default): told once per gap.
    #[serde(rename = "backup.missing")]
    BackupMissing,
    #[serde(rename = "restore.finished")]
    RestoreFinished,
    #[serde(rename = "restore.failed")]
    RestoreFailed,
    #[serde(rename = "import.finished")]
    ImportFinished,
    #[serde(rename = "import.failed")]
    ImportFailed,
    #[serde(rename = "api_key.regenerated")]
    ApiKeyRegenerated,
    /// The account's API key was used from an address none of its keys was used from before.
    #[serde(rename = "api_key.new_ip")]
    ApiKeyNewIp,
    /// The account's API key expires in 14 days, then in 3 (issue 28): told once each.
    #[serde(rename = "api_key.expiring")]
    ApiKeyExpiring,
    /// The account's storage climbed to 80 % or 100 % of its plan's.
    #[serde(rename = "storage.threshold")]
    StorageThreshold,
    /// `POST /api/webhooks/{id}/test`: sent to that webhook only, whatever it subscribed to.
    #[serde(rename = "ping")]
    Ping,
}

impl AlertEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BackupFailed => "backup.failed",
            Self::BackupSucceeded => "backup.succeeded",
            Self::BackupMissing => "backup.missing",
            Self::RestoreFinished => "restore.finished",
            Self::RestoreFailed => "restore.failed",
            Self::ImportFinished => "import.finished",
            Self::ImportFailed => "import.failed",
            Self::ApiKeyRegenerated => "api_key.regenerated",
            Self::ApiKeyNewIp => "api_key.new_ip",
            Self::ApiKeyExpiring => "api_key.expiring",
            Self::StorageThreshold => "storage.threshold",
            Self::Ping => "ping",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|event| event.as_str() == text)
    }

    /// What a webhook gets when it names no events, and what email alerts are sent for: all but
    /// the opt-in `backup.succeeded` (and `ping`, which is never subscribed to).
    pub fn defaults() -> impl Iterator<Item = Self> {
        Self::SUBSCRIBABLE
            .iter()
            .copied()
            .filter(|event| *event != Self::BackupSucceeded)
    }

    /// The events a webhook may subscribe to, in the order forms list them.
    pub const SUBSCRIBABLE: &'static [Self] = &[
        Self::BackupFailed,
        Self::BackupSucceeded,
        Self::BackupMissing,
        Self::RestoreFinished,
        Self::RestoreFailed,
        Self::ImportFinished,
        Self::ImportFailed,
        Self::ApiKeyRegenerated,
        Self::ApiKeyNewIp,
        Self::ApiKeyExpiring,
        Self::StorageThreshold,
    ];

    /// In words, for forms and email subjects.
    pub fn describe(self) -> &'static str {
        match self {
            Self::BackupFailed => "A backup failed",
            Self::BackupSucceeded => "A backup succeeded",
            Self::BackupMissing => "No successful backup for too long",
            Self::RestoreFinished => "A restore finished",
            Self::RestoreFailed => "A restore failed",
            Self::ImportFinished => "An import finished",
            Self::ImportFailed => "An import failed",
            Self::ApiKeyRegenerated => "The API key was regenerated",
            Self::ApiKeyNewIp => "The API key was used from a new address",
            Self::ApiKeyExpiring => "The API key expires soon",
            Self::StorageThreshold => "Storage reached 80 % or 100 % of the plan",
            Self::Ping => "A test event",
        }
    }
}

impl Word for AlertEvent {
    const ALL: &'static [Self] = &[
        Self::BackupFailed,
        Self::BackupSucceeded,
        Self::BackupMissing,
        Self::RestoreFinished,
        Self::RestoreFailed,
        Self::ImportFinished,
        Self::ImportFailed,
        Self::ApiKeyRegenerated,
        Self::ApiKeyNewIp,
        Self::ApiKeyExpiring,
        Self::StorageThreshold,
        Self::Ping,
    ];
    fn word(self) -> &'static str {
        self.as_str()
    }
}
crate::deserialize_as_word!(AlertEvent);

/// Webhooks one account may have.
pub const MAX_WEBHOOKS: usize = 10;

/// `POST /api/webhooks`.
// Debug shows no secret.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateWebhook {
    /// `http://` or `https://`. Hosts that resolve to loopback, private or link-local addresses
    /// are refused unless the operator allows them.
    pub url: String,
    /// 16 to 200 characters; left out, the panel makes one and answers it once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(min_length = 16, max_length = 200))]
    pub secret: Option<String>,
    /// Left out or empty: every event but `backup.succeeded`.
    #[serde(default)]
    pub events: Vec<AlertEvent>,
}

impl std::fmt::Debug for CreateWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateWebhook")
            .field("url", &self.url)
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

/// One webhook of the account. Its secret is never shown again after it was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub events: Vec<AlertEvent>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// The answer to `POST /api/webhooks`: the webhook, and the secret the panel made when none was
/// given (shown this once).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl std::fmt::Debug for CreatedWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedWebhook")
            .field("webhook", &self.webhook)
            .finish_non_exhaustive()
    }
}

/// `GET /api/webhooks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookList {
    pub webhooks: Vec<Webhook>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Not sent yet, or to be tried again at `next_attempt_at`.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed; no more are made.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Self {
        match text {
            "pending" => Self::Pending,
            "delivered" => Self::Delivered,
            _ => Self::Failed,
        }
    }
}

impl Word for DeliveryStatus {
    const ALL: &'static [Self] = &[Self::Pending, Self::Delivered, Self::Failed];
    fn word(self) -> &'static str {
        self.as_str()
    }
}
crate::deserialize_as_word!(DeliveryStatus);

/// One event sent (or to be sent) to a webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// The `X-Nobregas-Delivery` header: the same on every attempt.
    pub id: i64,
    pub event: AlertEvent,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// The receiver's HTTP status at the last attempt; none when it could not be reached.
    pub last_status_code: Option<u16>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC: when a pending delivery is tried next.
    pub next_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
}

/// `GET /api/webhooks/{id}/deliveries`: the last 50, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeliveryList {
    pub deliveries: Vec<Delivery>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_statuses_travel_as_their_words() {
        crate::word::tests::round_trips::<AlertEvent>();
        crate::word::tests::round_trips::<DeliveryStatus>();
        assert!(!AlertEvent::defaults().any(|event| event == AlertEvent::BackupSucceeded));
        assert_eq!(
            AlertEvent::parse("backup.failed"),
            Some(AlertEvent::BackupFailed)
        );
    }
}
