//! One event and what it says: `AlertEvent` (the word, shared with the browser and the API) and
//! its details. Every payload has the same envelope, which `payload` writes:
//! `{"event": "backup.failed", "occurred_at": "<RFC 3339>", "account": "<prefix>", "data": {…}}`.
use serde_json::{Value, json};
use types::alerts::AlertEvent;

#[derive(Debug, Clone)]
pub struct Event {
    pub kind: AlertEvent,
    /// The event's own details (`data` in the payload).
    pub data: Value,
}

impl Event {
    pub fn backup_ended(database: &str, backup_id: &str, error: Option<&str>) -> Self {
        match error {
            Some(error) => Self {
                kind: AlertEvent::BackupFailed,
                data: json!({ "database": database, "backup_id": backup_id, "error": error }),
            },
            None => Self {
                kind: AlertEvent::BackupSucceeded,
                data: json!({ "database": database, "backup_id": backup_id }),
            },
        }
    }

    /// A restore (point-in-time ones too) or an import ended.
    pub fn job_ended(import: bool, database: &str, job_id: &str, error: Option<&str>) -> Self {
        let kind = match (import, error.is_some()) {
            (false, false) => AlertEvent::RestoreFinished,
            (false, true) => AlertEvent::RestoreFailed,
            (true, false) => AlertEvent::ImportFinished,
            (true, true) => AlertEvent::ImportFailed,
        };
        let mut data = json!({ "database": database, "job_id": job_id });
        if let Some(error) = error {
            data["error"] = json!(error);
        }
        Self { kind, data }
    }

    pub fn backup_missing(database: &str, last_backup_at: &str, hours: u64) -> Self {
        Self {
            kind: AlertEvent::BackupMissing,
            data: json!({ "database": database, "last_backup_at": last_backup_at, "hours": hours }),
        }
    }

    pub fn api_key_regenerated(masked: &str) -> Self {
        Self {
            kind: AlertEvent::ApiKeyRegenerated,
            data: json!({ "key": masked }),
        }
    }

    pub fn api_key_new_ip(ip: &str) -> Self {
        Self {
            kind: AlertEvent::ApiKeyNewIp,
            data: json!({ "ip": ip }),
        }
    }

    pub fn api_key_expiring(masked: &str, expires_at: &str, days_left: i64) -> Self {
        Self {
            kind: AlertEvent::ApiKeyExpiring,
            data: json!({ "key": masked, "expires_at": expires_at, "days_left": days_left }),
        }
    }

    pub fn storage_threshold(percent: i64, used_bytes: i64, limit_bytes: i64) -> Self {
        Self {
            kind: AlertEvent::StorageThreshold,
            data: json!({ "percent": percent, "used_bytes": used_bytes, "limit_bytes": limit_bytes }),
        }
    }

    pub fn ping(webhook_id: &str) -> Self {
        Self {
            kind: AlertEvent::Ping,
            data: json!({ "webhook_id": webhook_id }),
        }
    }

    /// The body every channel sends, signed as it is stored.
    pub fn payload(&self, account: &str, occurred_at: &str) -> String {
        json!({
            "event": self.kind.as_str(),
            "occurred_at": occurred_at,
            "account": account,
            "data": self.data,
        })
        .to_string()
    }

    /// One line saying what happened, for an email's subject and first line.
    pub fn summary(&self) -> String {
        let detail = |key: &str| self.data.get(key).and_then(Value::as_str).unwrap_or("");
        match self.kind {
            AlertEvent::BackupFailed
            | AlertEvent::BackupSucceeded
            | AlertEvent::BackupMissing
            | AlertEvent::RestoreFinished
            | AlertEvent::RestoreFailed
            | AlertEvent::ImportFinished
            | AlertEvent::ImportFailed => {
                format!("{}: {}", self.kind.describe(), detail("database"))
            }
            AlertEvent::ApiKeyNewIp => format!("{}: {}", self.kind.describe(), detail("ip")),
            _ => self.kind.describe().to_owned(),
        }
    }
}
