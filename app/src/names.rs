//! Names of things on the managed server. A name is the account's `<prefix>_` followed by
//! `[a-z0-9_]`; anything else never becomes SQL. Checked here, in the browser and on the server.
use crate::error::AppError;
use crate::validate::Prefix;

/// A database of the account: `<prefix>_[a-z0-9_]+`, at most 64 characters (MySQL's limit).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DatabaseName(String);

/// A database user of the account: `<prefix>_[a-z0-9_]+`, at most 32 characters (MySQL 5.7's limit).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DbUserName(String);

impl DatabaseName {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str, prefix: &Prefix) -> Result<Self, AppError> {
        prefixed(raw, prefix, Self::MAX_LEN, "Database names").map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl DbUserName {
    pub const MAX_LEN: usize = 32;

    pub fn parse(raw: &str, prefix: &Prefix) -> Result<Self, AppError> {
        prefixed(raw, prefix, Self::MAX_LEN, "User names").map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn prefixed(raw: &str, prefix: &Prefix, max_len: usize, what: &str) -> Result<String, AppError> {
    let start = format!("{}_", prefix.as_str());
    let Some(suffix) = raw.strip_prefix(&start) else {
        return Err(AppError::validation(format!("{what} must start with {start}.")));
    };
    if suffix.is_empty() {
        return Err(AppError::validation(format!("Add a name after {start}.")));
    }
    if !suffix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return Err(AppError::validation(format!(
            "After {start}, use only lowercase letters, digits and underscores."
        )));
    }
    if raw.len() > max_len {
        return Err(AppError::validation(format!("{what} are at most {max_len} characters, prefix included.")));
    }
    Ok(raw.to_owned())
}

/// A database user's password: 12–128 printable characters. No Debug: it must not be logged.
pub struct DbPassword(String);

impl DbPassword {
    pub const MIN: usize = 12;
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let len = raw.chars().count();
        if !(Self::MIN..=Self::MAX).contains(&len) {
            return Err(AppError::validation(format!(
                "Database user passwords are {}–{} characters long.",
                Self::MIN,
                Self::MAX
            )));
        }
        if raw.chars().any(char::is_control) {
            return Err(AppError::validation("Passwords cannot contain control characters."));
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acme() -> Prefix {
        Prefix::parse("acme").unwrap()
    }

    #[test]
    fn names_need_the_prefix_and_a_safe_suffix() {
        for ok in ["acme_shop", "acme_a", "acme_shop_2024", "acme__x"] {
            assert!(DatabaseName::parse(ok, &acme()).is_ok(), "{ok}");
        }
        let bad = [
            "", "acme", "acme_", "shop", "other_shop", "acmex_shop", "acme_Shop", "acme_sh op", "acme_sh-op",
            "acme_sh`op", "acme_sh'op", "acme_sh\"op", "acme_sh%op", "acme_sh\\op", "acme_shöp", "acme_sh\0op",
            "mysql", "information_schema", "acme_sh;drop",
        ];
        for name in bad {
            assert!(DatabaseName::parse(name, &acme()).is_err(), "{name:?}");
        }
        let message = DatabaseName::parse("shop", &acme()).unwrap_err().message;
        assert_eq!(message, "Database names must start with acme_.");
    }

    #[test]
    fn lengths_are_counted_with_the_prefix() {
        let db = format!("acme_{}", "a".repeat(59));
        assert!(DatabaseName::parse(&db, &acme()).is_ok());
        assert!(DatabaseName::parse(&format!("{db}a"), &acme()).is_err());
        let user = format!("acme_{}", "a".repeat(27));
        assert!(DbUserName::parse(&user, &acme()).is_ok());
        assert!(DbUserName::parse(&format!("{user}a"), &acme()).is_err());
    }

    #[test]
    fn passwords_have_a_length_policy() {
        assert!(DbPassword::parse("short").is_err());
        assert!(DbPassword::parse("twelve chars").is_ok());
        assert!(DbPassword::parse(&"p".repeat(129)).is_err());
        assert!(DbPassword::parse("has a\nnewline!").is_err());
        assert!(DbPassword::parse("quote's \"ok\" `too`").is_ok());
    }
}
