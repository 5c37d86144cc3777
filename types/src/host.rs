//! Remote hosts allowed to connect to the customer's databases (the IP whitelist).
use crate::error::AppError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 address, an IPv4 network in CIDR form, an IPv6 address, or `%` (any host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Ipv4(Ipv4Addr),
    Ipv4Net(Ipv4Addr, u8),
    Ipv6(Ipv6Addr),
    Any,
}

impl HostPattern {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let raw = raw.trim();
        if raw == "%" {
            return Ok(Self::Any);
        }
        let invalid = || {
            AppError::validation(format!(
                "{raw:?} is not an IPv4 address (203.0.113.5), an IPv4 network (203.0.113.0/24), an IPv6 address, or %."
            ))
        };
        if let Some((addr, bits)) = raw.split_once('/') {
            let addr: Ipv4Addr = addr.parse().map_err(|_| invalid())?;
            let bits: u8 = bits
                .parse()
                .ok()
                .filter(|b| (1..=32).contains(b))
                .ok_or_else(invalid)?;
            let network = Ipv4Addr::from(u32::from(addr) & mask(bits));
            if network != addr {
                return Err(AppError::validation(format!(
                    "{raw} is not a network address; did you mean {network}/{bits}?"
                )));
            }
            return Ok(if bits == 32 {
                Self::Ipv4(addr)
            } else {
                Self::Ipv4Net(addr, bits)
            });
        }
        if let Ok(v4) = raw.parse::<Ipv4Addr>() {
            return Ok(Self::Ipv4(v4));
        }
        raw.parse::<Ipv6Addr>()
            .map(Self::Ipv6)
            .map_err(|_| invalid())
    }

    /// How MySQL's Host column spells it: netmask form for networks (`203.0.113.0/255.255.255.0`).
    pub fn mysql_host(&self) -> String {
        match self {
            Self::Ipv4(addr) => addr.to_string(),
            Self::Ipv4Net(addr, bits) => format!("{addr}/{}", Ipv4Addr::from(mask(*bits))),
            Self::Ipv6(addr) => addr.to_string(),
            Self::Any => "%".to_owned(),
        }
    }

    /// Whether a client at `ip` matches the entry, as MariaDB matches the account's host
    /// (an IPv4 address given in IPv6-mapped form counts as the IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self, ip.to_canonical()) {
            (Self::Any, _) => true,
            (Self::Ipv4(addr), IpAddr::V4(ip)) => *addr == ip,
            (Self::Ipv4Net(addr, bits), IpAddr::V4(ip)) => {
                u32::from(ip) & mask(*bits) == u32::from(*addr)
            }
            (Self::Ipv6(addr), IpAddr::V6(ip)) => *addr == ip,
            _ => false,
        }
    }

    /// `%` and IPv4 networks of /8 or wider deserve a loud warning.
    pub fn is_wide(&self) -> bool {
        matches!(self, Self::Any) || matches!(self, Self::Ipv4Net(_, bits) if *bits <= 8)
    }
}

fn mask(bits: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0)
}

/// A whitelist note: at most 200 characters, no control characters.
pub fn parse_note(raw: Option<&str>) -> Result<String, AppError> {
    let note = raw.unwrap_or_default().trim();
    if note.chars().count() > 200 {
        return Err(AppError::validation("Notes are at most 200 characters."));
    }
    if note.chars().any(char::is_control) {
        return Err(AppError::validation(
            "Notes cannot contain control characters.",
        ));
    }
    Ok(note.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms_and_their_mysql_spelling() {
        let cases = [
            ("203.0.113.5", "203.0.113.5"),
            ("203.0.113.0/24", "203.0.113.0/255.255.255.0"),
            ("10.0.0.0/8", "10.0.0.0/255.0.0.0"),
            ("198.51.100.7/32", "198.51.100.7"),
            ("0.0.0.0/1", "0.0.0.0/128.0.0.0"),
            ("2001:db8::1", "2001:db8::1"),
            ("2001:DB8:0:0::1", "2001:db8::1"),
            ("%", "%"),
            (" 203.0.113.5 ", "203.0.113.5"),
        ];
        for (raw, mysql) in cases {
            assert_eq!(
                HostPattern::parse(raw).unwrap().mysql_host(),
                mysql,
                "{raw}"
            );
        }
    }

    #[test]
    fn bad_hosts_are_refused() {
        let bad = [
            "",
            "999.1.1.1",
            "1.2.3.4/33",
            "1.2.3.4/0",
            "1.2.3.4/",
            "1.2.3",
            "localhost",
            "example.com",
            "1.2.3.4'",
            "1.2.3.4; DROP USER x",
            "1.2.3.4 ",
            "1.2.3.%",
            "%%",
            "_",
            "2001:db8::1/64",
            "1.2.3.4/24",
        ];
        for raw in bad {
            if raw == "1.2.3.4 " {
                continue; // trimmed: accepted
            }
            assert!(HostPattern::parse(raw).is_err(), "{raw:?}");
        }
        assert!(
            HostPattern::parse("1.2.3.4/24")
                .unwrap_err()
                .message
                .contains("did you mean 1.2.3.0/24")
        );
    }

    #[test]
    fn contains_matches_addresses_inside_the_entry_only() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let net = HostPattern::parse("127.0.5.0/24").unwrap();
        assert!(
            net.contains(ip("127.0.5.9"))
                && net.contains(ip("127.0.5.0"))
                && net.contains(ip("127.0.5.255"))
        );
        assert!(!net.contains(ip("127.0.6.9")) && !net.contains(ip("2001:db8::1")));
        assert!(net.contains(ip("::ffff:127.0.5.9")), "IPv6-mapped IPv4");
        let one = HostPattern::parse("203.0.113.5").unwrap();
        assert!(one.contains(ip("203.0.113.5")) && !one.contains(ip("203.0.113.6")));
        let six = HostPattern::parse("2001:db8::1").unwrap();
        assert!(
            six.contains(ip("2001:db8::1"))
                && !six.contains(ip("2001:db8::2"))
                && !six.contains(ip("203.0.113.5"))
        );
        assert!(
            HostPattern::parse("%")
                .unwrap()
                .contains(ip("198.51.100.1"))
        );
    }

    #[test]
    fn wide_ranges_are_flagged() {
        assert!(HostPattern::parse("%").unwrap().is_wide());
        assert!(HostPattern::parse("10.0.0.0/8").unwrap().is_wide());
        assert!(!HostPattern::parse("10.0.0.0/9").unwrap().is_wide());
        assert!(!HostPattern::parse("10.1.2.3").unwrap().is_wide());
    }

    #[test]
    fn notes_are_limited() {
        assert_eq!(parse_note(Some("  office ")).unwrap(), "office");
        assert!(parse_note(Some(&"n".repeat(200))).is_ok());
        assert!(parse_note(Some(&"n".repeat(201))).is_err());
        assert!(parse_note(Some("a\u{0}b")).is_err());
    }
}
