//! What the one API key of an account may do (issue 28): when it expires, the networks it may be
//! used from, and whether it may change anything. The defaults are the key as it always was: no
//! expiry, any address, full access.
use crate::error::AppError;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// At most this many allowed networks per key.
pub const MAX_NETWORKS: usize = 20;
/// "Revoke after N days unused": 1 to this many days.
pub const MAX_UNUSED_DAYS: u32 = 3650;
/// "Expires in N days" (the dialog's 30/90/365): 1 to this many days, ten years like the above.
pub const MAX_EXPIRY_DAYS: u32 = 3650;

/// `full`: everything a signed-in session may do. `read_only`: reading only; every changing
/// endpoint answers 403 `api_key_read_only`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KeyAccess {
    #[default]
    Full,
    ReadOnly,
}

impl KeyAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::ReadOnly => "read_only",
        }
    }

    /// The store's word back; anything unknown is the narrower right.
    pub fn from_stored(word: &str) -> Self {
        if word == "full" {
            Self::Full
        } else {
            Self::ReadOnly
        }
    }
}

/// `POST /api/keys` (and the server function, and `key regenerate`'s flags): the new key's policy.
/// Every field may be left out: today's key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KeyOptions {
    /// RFC 3339, in the future; left out or null: the key does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// IPv4/IPv6 addresses and networks (`203.0.113.0/24`, `2001:db8::/48`), at most 20; empty: any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_networks: Vec<String>,
    #[serde(default)]
    pub access: KeyAccess,
    /// The key is revoked once it has gone this many days without a request (1–3650).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::query::whole_number::deserialize"
    )]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 3650))]
    pub revoke_after_unused_days: Option<u32>,
}

/// An allowed network: an address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyNetwork {
    addr: IpAddr,
    bits: u8,
}

impl KeyNetwork {
    /// `203.0.113.5`, `203.0.113.0/24`, `2001:db8::1`, `2001:db8::/48`; the address must be the
    /// network's own (`203.0.113.7/24` is refused with the right spelling).
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let raw = raw.trim();
        let invalid = || {
            AppError::validation(format!(
                "{raw:?} is not an IP address or network (203.0.113.5, 203.0.113.0/24, 2001:db8::/48)."
            ))
        };
        let (addr, bits) = match raw.split_once('/') {
            Some((addr, bits)) => {
                let addr: IpAddr = addr.parse().map_err(|_| invalid())?;
                let bits: u8 = bits.parse().map_err(|_| invalid())?;
                (addr, bits)
            }
            None => {
                let addr: IpAddr = raw.parse().map_err(|_| invalid())?;
                (addr, width(addr))
            }
        };
        if bits == 0 || bits > width(addr) {
            return Err(invalid());
        }
        let network = Self { addr, bits };
        let masked = network.masked(addr);
        if masked != addr {
            return Err(AppError::validation(format!(
                "{raw} is not a network address; did you mean {masked}/{bits}?"
            )));
        }
        Ok(network)
    }

    /// Whether a client at `ip` is inside (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        width(ip) == width(self.addr) && self.masked(ip) == self.addr
    }

    fn masked(&self, ip: IpAddr) -> IpAddr {
        match ip {
            IpAddr::V4(v4) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.bits)).unwrap_or(0);
                IpAddr::V4((u32::from(v4) & mask).into())
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.bits))
                    .unwrap_or(0);
                IpAddr::V6((u128::from(v6) & mask).into())
            }
        }
    }
}

impl std::fmt::Display for KeyNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.bits == width(self.addr) {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.bits)
        }
    }
}

fn width(addr: IpAddr) -> u8 {
    if addr.is_ipv4() { 32 } else { 128 }
}

/// The allowed networks of a request, checked and in their canonical spelling; duplicates once.
pub fn parse_networks(raw: &[String]) -> Result<Vec<KeyNetwork>, AppError> {
    if raw.len() > MAX_NETWORKS {
        return Err(AppError::validation(format!(
            "A key may name at most {MAX_NETWORKS} allowed networks."
        )));
    }
    let mut networks: Vec<KeyNetwork> = Vec::with_capacity(raw.len());
    for one in raw {
        let network = KeyNetwork::parse(one)?;
        if !networks.contains(&network) {
            networks.push(network);
        }
    }
    Ok(networks)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// JSON Schema's "integer" includes `90.0` (schemathesis sends such numbers): it is 90 days.
    #[test]
    fn unused_days_are_whole_numbers_however_they_are_written() {
        let days = |json: &str| {
            serde_json::from_str::<KeyOptions>(json).map(|options| options.revoke_after_unused_days)
        };
        assert_eq!(
            days(r#"{"revoke_after_unused_days":90}"#).unwrap(),
            Some(90)
        );
        assert_eq!(
            days(r#"{"revoke_after_unused_days":90.0}"#).unwrap(),
            Some(90)
        );
        assert_eq!(days(r#"{"revoke_after_unused_days":null}"#).unwrap(), None);
        assert_eq!(days("{}").unwrap(), None);
        assert!(days(r#"{"revoke_after_unused_days":90.5}"#).is_err());
        assert!(days(r#"{"revoke_after_unused_days":-1}"#).is_err());
    }

    #[test]
    fn networks_of_both_families_contain_what_they_should() {
        let net = KeyNetwork::parse("127.0.0.0/30").unwrap();
        assert!(net.contains("127.0.0.3".parse().unwrap()));
        assert!(net.contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!net.contains("127.0.0.7".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let v6 = KeyNetwork::parse("2001:db8::/48").unwrap();
        assert!(v6.contains("2001:db8:0:ffff::1".parse().unwrap()));
        assert!(!v6.contains("2001:db9::1".parse().unwrap()));
        let one = KeyNetwork::parse(" 203.0.113.5 ").unwrap();
        assert_eq!(one.to_string(), "203.0.113.5");
        assert!(one.contains("203.0.113.5".parse().unwrap()));
        assert!(!one.contains("203.0.113.6".parse().unwrap()));
        assert_eq!(
            KeyNetwork::parse("10.1.0.0/16").unwrap().to_string(),
            "10.1.0.0/16"
        );
    }

    #[test]
    fn malformed_or_host_addressed_networks_are_refused() {
        for bad in [
            "",
            "x",
            "10.0.0.0/0",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/x",
            "%",
            "10.0.0.0/-1",
        ] {
            assert!(KeyNetwork::parse(bad).is_err(), "{bad}");
        }
        let err = KeyNetwork::parse("203.0.113.7/24").unwrap_err();
        assert!(err.message.contains("203.0.113.0/24"), "{}", err.message);
        let many: Vec<String> = (0..=MAX_NETWORKS).map(|n| format!("10.0.0.{n}")).collect();
        assert!(parse_networks(&many).is_err());
        let twice = parse_networks(&["10.0.0.1".into(), "10.0.0.1".into()]).unwrap();
        assert_eq!(twice.len(), 1);
    }

    #[test]
    fn an_empty_body_is_todays_key() {
        let options: KeyOptions = serde_json::from_str("{}").unwrap();
        assert_eq!(options, KeyOptions::default());
        let read_only: KeyOptions = serde_json::from_str(r#"{"access":"read_only"}"#).unwrap();
        assert_eq!(read_only.access, KeyAccess::ReadOnly);
        assert!(serde_json::from_str::<KeyOptions>(r#"{"access":"admin"}"#).is_err());
    }
}
