//! A key's policy as the panel keeps and checks it (issue 28): `KeyOptions` is what callers send
//! and read; `Policy` is the same, validated, with times as Unix seconds and networks parsed.
use crate::domain::time;
use std::net::IpAddr;
use types::error::{AppError, ErrorCode};
use types::key_policy::{KeyAccess, KeyNetwork, KeyOptions, MAX_UNUSED_DAYS, parse_networks};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    pub expires_at: Option<i64>,
    pub networks: Vec<KeyNetwork>,
    pub access: KeyAccess,
    pub revoke_after_unused_days: Option<u32>,
}

impl Policy {
    /// Checks what a caller asked for at `now`: an expiry in the future, networks that parse,
    /// 1–3650 unused days.
    pub fn from_options(options: &KeyOptions, now: i64) -> Result<Self, AppError> {
        let expires_at = match options.expires_at.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => {
                let at = time::parse_rfc3339(text).ok_or_else(|| {
                    AppError::validation(format!(
                        "expires_at {text:?} is not an RFC 3339 time (2027-03-01T00:00:00Z)."
                    ))
                })?;
                if at <= now {
                    return Err(AppError::validation("expires_at must be in the future."));
                }
                Some(at)
            }
        };
        if let Some(days) = options.revoke_after_unused_days
            && !(1..=MAX_UNUSED_DAYS).contains(&days)
        {
            return Err(AppError::validation(format!(
                "revoke_after_unused_days must be 1 to {MAX_UNUSED_DAYS}."
            )));
        }
        Ok(Self {
            expires_at,
            networks: parse_networks(&options.allowed_networks)?,
            access: options.access,
            revoke_after_unused_days: options.revoke_after_unused_days,
        })
    }

    /// What callers read back.
    pub fn options(&self) -> KeyOptions {
        KeyOptions {
            expires_at: self.expires_at.map(time::rfc3339),
            allowed_networks: self.networks.iter().map(ToString::to_string).collect(),
            access: self.access,
            revoke_after_unused_days: self.revoke_after_unused_days,
        }
    }

    /// The store's column: canonical spellings joined by commas, `None` for any address.
    pub fn networks_column(&self) -> Option<String> {
        (!self.networks.is_empty()).then(|| {
            self.networks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
    }
}

/// The store's column back; a spelling that no longer parses allows nothing rather than anything.
pub fn networks_from_column(column: Option<&str>) -> Vec<KeyNetwork> {
    column
        .unwrap_or_default()
        .split(',')
        .filter(|one| !one.is_empty())
        .map(|one| {
            KeyNetwork::parse(one).unwrap_or_else(|_| {
                KeyNetwork::parse("0.0.0.0/32").expect("a valid network that no client has")
            })
        })
        .collect()
}

/// Days before expiry at which the owner is reminded (Profile shows a banner from the first).
pub const EXPIRY_REMINDERS: [i64; 2] = [14, 3];

/// Days left, rounded up, once a key is within its first reminder; `None` before that or after.
pub fn expires_in_days(expires_at: Option<i64>, now: i64) -> Option<i64> {
    expires_at
        .filter(|at| *at > now && at - now <= EXPIRY_REMINDERS[0] * 86_400)
        .map(|at| (at - now + 86_399) / 86_400)
}

/// Expired keys are 401 `api_key_expired` from the very second they expire.
pub fn check_expiry(expires_at: Option<i64>, now: i64) -> Result<(), AppError> {
    match expires_at {
        Some(at) if now >= at => Err(AppError::new(
            ErrorCode::ApiKeyExpired,
            format!(
                "This API key expired at {}. Issue a new one on Profile (or `nobregas-panel key regenerate`).",
                time::rfc3339(at)
            ),
        )),
        _ => Ok(()),
    }
}

/// Whether a client at `ip` may use a key limited to `networks` (none: any client).
pub fn network_allows(networks: &[KeyNetwork], ip: Option<IpAddr>) -> bool {
    networks.is_empty() || ip.is_some_and(|ip| networks.iter().any(|net| net.contains(ip)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_options_are_checked_and_read_back_in_their_canonical_form() {
        let now = 1_800_000_000;
        let options = KeyOptions {
            expires_at: Some(time::rfc3339(now + 86_400)),
            allowed_networks: vec![" 127.0.0.0/30".into(), "2001:db8::/48".into()],
            access: KeyAccess::ReadOnly,
            revoke_after_unused_days: Some(30),
        };
        let policy = Policy::from_options(&options, now).unwrap();
        assert_eq!(policy.expires_at, Some(now + 86_400));
        assert_eq!(
            policy.networks_column().as_deref(),
            Some("127.0.0.0/30,2001:db8::/48")
        );
        let back = networks_from_column(policy.networks_column().as_deref());
        assert_eq!(back, policy.networks);
        assert_eq!(
            policy.options(),
            KeyOptions {
                allowed_networks: vec!["127.0.0.0/30".into(), "2001:db8::/48".into()],
                ..options
            }
        );
        assert_eq!(
            Policy::from_options(&KeyOptions::default(), now).unwrap(),
            Policy::default()
        );
    }

    #[test]
    fn past_or_malformed_expiry_and_out_of_range_days_are_refused() {
        let now = 1_800_000_000;
        for expires_at in [
            time::rfc3339(now),
            "tomorrow".into(),
            "2020-01-01T00:00:00Z".into(),
        ] {
            let options = KeyOptions {
                expires_at: Some(expires_at.clone()),
                ..KeyOptions::default()
            };
            assert!(Policy::from_options(&options, now).is_err(), "{expires_at}");
        }
        for days in [0, MAX_UNUSED_DAYS + 1] {
            let options = KeyOptions {
                revoke_after_unused_days: Some(days),
                ..KeyOptions::default()
            };
            assert!(Policy::from_options(&options, now).is_err(), "{days}");
        }
    }

    #[test]
    fn days_left_show_from_fourteen_days_and_round_up() {
        let now = 1_000_000;
        assert_eq!(expires_in_days(None, now), None);
        assert_eq!(expires_in_days(Some(now + 15 * 86_400), now), None);
        assert_eq!(expires_in_days(Some(now + 14 * 86_400), now), Some(14));
        assert_eq!(expires_in_days(Some(now + 2 * 86_400 + 1), now), Some(3));
        assert_eq!(expires_in_days(Some(now + 1), now), Some(1));
        assert_eq!(expires_in_days(Some(now), now), None);
    }

    #[test]
    fn expiry_bites_at_its_second_and_networks_at_their_edge() {
        assert!(check_expiry(None, 5).is_ok());
        assert!(check_expiry(Some(10), 9).is_ok());
        assert_eq!(
            check_expiry(Some(10), 10).unwrap_err().code,
            ErrorCode::ApiKeyExpired
        );
        let nets = vec![KeyNetwork::parse("127.0.0.0/30").unwrap()];
        assert!(network_allows(&nets, Some("127.0.0.3".parse().unwrap())));
        assert!(!network_allows(&nets, Some("127.0.0.7".parse().unwrap())));
        assert!(!network_allows(&nets, None));
        assert!(network_allows(&[], None));
    }
}
