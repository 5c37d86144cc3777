//! Validated newtypes for what people type. Private fields: the only way to get one is `parse`,
//! so a value that reaches a service or SQL has already been checked. They compile to WASM too,
//! so forms can check before sending.
use crate::error::AppError;
use std::fmt;

/// Account prefix: a lowercase letter, then lowercase letters or digits, 2–16 characters in all.
/// A few are reserved because `<prefix>_` would reach what the server itself owns (see `RESERVED`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Prefix(String);

impl Prefix {
    /// `test`: many servers still carry the classic anonymous grant on `test\_%`, so every user
    /// could read and write a `test_…` database. `mysql`, `sys`: system schemas and accounts.
    /// `performance`, `information`: `performance_schema` and `information_schema` would start
    /// with `<prefix>_`. (`admin` stays allowed: it is the first account's default.)
    pub const RESERVED: [&str; 5] = ["test", "mysql", "sys", "performance", "information"];

    /// A prefix for a new account: the shape, and not reserved.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let prefix = Self::parse_existing(raw)?;
        if Self::RESERVED.contains(&raw) {
            return Err(AppError::validation(format!(
                "The prefix {raw} is reserved: {raw}_ names belong to the database server itself. Choose another prefix."
            )));
        }
        Ok(prefix)
    }

    /// A prefix read back from the panel store: the shape only, so an account made before its
    /// prefix was reserved keeps working (`DatabaseName` still keeps it out of system schemas).
    pub fn parse_existing(raw: &str) -> Result<Self, AppError> {
        let ok_len = (2..=16).contains(&raw.len());
        let mut chars = raw.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !(ok_len && starts_with_letter && rest_ok) {
            return Err(AppError::validation(
                "A prefix is 2–16 characters: a lowercase letter, then lowercase letters or digits (e.g. \"acme\").",
            ));
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Sign-in email, compared case-insensitively (stored lowercased).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !domain.starts_with('.')
            });
        if valid {
            Ok(Self(email))
        } else {
            Err(AppError::validation(
                "Enter an email address like name@example.com.",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new account password: 8–128 characters. No Debug or Display, so it cannot be logged by accident.
pub struct Password(String);

impl Password {
    pub const MIN: usize = 8;
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let len = raw.chars().count();
        if (Self::MIN..=Self::MAX).contains(&len) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(AppError::validation(format!(
                "Passwords are {}–{} characters long.",
                Self::MIN,
                Self::MAX
            )))
        }
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Where to go after signing in: only a path on this site, never `//evil.example` or a full URL.
/// Anything doubtful becomes `/`. Browsers drop tabs and newlines from URLs and read `\` as `/`, so
/// `/\t/evil.example` would become `//evil.example`: only printable ASCII without spaces or
/// backslashes passes (the panel's own paths are ASCII). That also
/// keeps the value a valid `Location` header, which the redirect would otherwise panic on.
pub fn safe_next_path(next: Option<&str>) -> String {
    let is_safe = |path: &str| {
        path.starts_with('/')
            && !path.starts_with("//")
            && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
    };
    match next {
        Some(path) if is_safe(path) => path.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Percent-encodes a value for a query string (`/login?next=…`), keeping `/` readable.
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_follow_the_documented_shape() {
        for ok in ["ab", "acme", "a1", "abcdefghijklmnop", "z9z9"] {
            assert!(Prefix::parse(ok).is_ok(), "{ok} should be accepted");
        }
        for bad in [
            "",
            "a",
            "1abc",
            "Acme",
            "ac-me",
            "ac_me",
            "abcdefghijklmnopq",
            "acmé",
            "ac me",
            "a%",
            "a`",
        ] {
            assert!(Prefix::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn prefixes_that_reach_the_servers_own_names_are_reserved() {
        for reserved in ["test", "mysql", "sys", "performance", "information"] {
            let err = Prefix::parse(reserved).unwrap_err();
            assert_eq!(err.code, crate::error::ErrorCode::ValidationFailed);
            assert!(
                err.message.contains("reserved"),
                "{reserved}: {}",
                err.message
            );
        }
        for allowed in ["admin", "tests", "mysql2", "system", "sy"] {
            assert!(
                Prefix::parse(allowed).is_ok(),
                "{allowed} should be accepted"
            );
        }
        // Accounts made before a prefix was reserved still load.
        assert!(Prefix::parse_existing("performance").is_ok());
        assert!(Prefix::parse_existing("ac_me").is_err());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "@example.com",
            "ann@",
            "a b@example.com",
            "a@b@c",
            "ann@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn password_length_is_counted_in_characters() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"é".repeat(128)).is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn next_path_never_leaves_the_site() {
        // What the server function receives: the form value, already percent-decoded.
        for good in [
            "/",
            "/profile",
            "/profile?tab=key",
            "/databases/acme_shop",
            "/%2F/evil",
            "/a#frag",
        ] {
            assert_eq!(safe_next_path(Some(good)), good);
        }
        let bad = [
            "",
            "profile",
            "//evil.example",
            "///evil.example",
            "/\\evil",
            "\\\\evil",
            "\\/evil",
            "https://evil.example",
            "javascript:alert(1)",
            "/\t/evil.example", // /%09/evil.example: browsers drop the tab → //evil.example
            "/\n",
            "/\r\n/x",
            "/\n/evil.example",
            "/x\u{0}y",
            "/x\u{7f}",
            " /x",
            "/x y",
            "/\u{a0}/evil.example",
            "/\u{3000}/evil.example",
            "/\u{2028}/evil.example",
            "/\u{feff}/evil.example",
            "/é",
        ];
        assert_eq!(safe_next_path(None), "/");
        for next in bad {
            assert_eq!(safe_next_path(Some(next)), "/", "{next:?}");
        }
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_query_value("/profile?tab=key&x=1"),
            "/profile%3Ftab%3Dkey%26x%3D1"
        );
    }
}
