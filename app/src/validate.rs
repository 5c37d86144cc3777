//! Validated newtypes for what people type. Private fields: the only way to get one is `parse`,
//! so a value that reaches a service or SQL has already been checked. They compile to WASM too,
//! so forms can check before sending.
use crate::error::AppError;
use std::fmt;

/// Account prefix: a lowercase letter, then lowercase letters or digits, 2–16 characters in all.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Prefix(String);

impl Prefix {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let ok_len = (2..=16).contains(&raw.len());
        let mut chars = raw.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if ok_len && starts_with_letter && rest_ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(AppError::validation(
                "A prefix is 2–16 characters: a lowercase letter, then lowercase letters or digits (e.g. \"acme\").",
            ))
        }
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
                !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !domain.starts_with('.')
            });
        if valid { Ok(Self(email)) } else { Err(AppError::validation("Enter an email address like name@example.com.")) }
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
            Err(AppError::validation(format!("Passwords are {}–{} characters long.", Self::MIN, Self::MAX)))
        }
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Where to go after signing in: only a path on this site, never `//evil.example` or a full URL.
pub fn safe_next_path(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') && !path.contains("://") => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Percent-encodes a value for a query string (`/login?next=…`), keeping `/` readable.
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
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
        for bad in ["", "a", "1abc", "Acme", "ac-me", "ac_me", "abcdefghijklmnopq", "acmé", "ac me", "a%", "a`"] {
            assert!(Prefix::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse("  Ann@Example.COM ").unwrap().as_str(), "ann@example.com");
        for bad in ["", "ann", "@example.com", "ann@", "a b@example.com", "a@b@c", "ann@.com"] {
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
        assert_eq!(safe_next_path(Some("/profile")), "/profile");
        assert_eq!(safe_next_path(Some("/profile?tab=key")), "/profile?tab=key");
        for bad in [None, Some(""), Some("//evil.example"), Some("https://evil.example"), Some("/\\evil"), Some("profile")] {
            assert_eq!(safe_next_path(bad), "/");
        }
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_query_value("/profile?tab=key&x=1"), "/profile%3Ftab%3Dkey%26x%3D1");
    }
}
