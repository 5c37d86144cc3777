//! Names of things on the managed server. A name is the account's `<prefix>_` followed by
//! `[a-z0-9_]`; anything else never becomes SQL. Checked here, in the browser and on the server.
use crate::error::AppError;
use crate::validate::Prefix;

/// A database of the account: `<prefix>_[a-z0-9_]+`, never a system schema, and short enough
/// that its grant pattern fits MySQL's 64 characters: grants name the database with every `_`
/// escaped (`acme\_shop`), so each `_` counts twice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DatabaseName(String);

/// A database user of the account: `<prefix>_[a-z0-9_]+`, at most 32 characters (MySQL 5.7's
/// limit; MariaDB allows 80). User names are never patterns, so `_` counts once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DbUserName(String);

impl DatabaseName {
    /// The longest grant pattern (and database name) MySQL stores.
    pub const MAX_LEN: usize = 64;
    /// The server's own schemas: never named, granted or dropped, whatever the account's prefix
    /// (an account made before `performance` was reserved must not reach `performance_schema`).
    pub const SYSTEM_SCHEMAS: [&str; 4] =
        ["mysql", "information_schema", "performance_schema", "sys"];

    pub fn parse(raw: &str, prefix: &Prefix) -> Result<Self, AppError> {
        let name = prefixed(raw, prefix, "Database names")?;
        if Self::SYSTEM_SCHEMAS.contains(&name.as_str()) {
            return Err(AppError::validation(format!(
                "{name} belongs to the database server itself."
            )));
        }
        if Self::pattern_len(&name) > Self::MAX_LEN {
            return Err(AppError::validation(format!(
                "Database names are at most {} characters, prefix included, once each _ is counted twice \
                 (grants escape it as \\_); {name} counts {}.",
                Self::MAX_LEN,
                Self::pattern_len(&name)
            )));
        }
        Ok(Self(name))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The length of the escaped grant pattern (`managed::sql::grant_target`): `_` becomes `\_`.
    /// `%` and `\` would double too, but cannot occur in a name.
    pub fn pattern_len(name: &str) -> usize {
        name.len() + name.bytes().filter(|&b| b == b'_').count()
    }
}

impl DbUserName {
    pub const MAX_LEN: usize = 32;

    pub fn parse(raw: &str, prefix: &Prefix) -> Result<Self, AppError> {
        let name = prefixed(raw, prefix, "User names")?;
        if name.len() > Self::MAX_LEN {
            return Err(AppError::validation(format!(
                "User names are at most {} characters, prefix included.",
                Self::MAX_LEN
            )));
        }
        Ok(Self(name))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn prefixed(raw: &str, prefix: &Prefix, what: &str) -> Result<String, AppError> {
    let start = format!("{}_", prefix.as_str());
    let Some(suffix) = raw.strip_prefix(&start) else {
        return Err(AppError::validation(format!(
            "{what} must start with {start}."
        )));
    };
    if suffix.is_empty() {
        return Err(AppError::validation(format!("Add a name after {start}.")));
    }
    if !suffix
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(AppError::validation(format!(
            "After {start}, use only lowercase letters, digits and underscores."
        )));
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
            return Err(AppError::validation(
                "Passwords cannot contain control characters.",
            ));
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
            "",
            "acme",
            "acme_",
            "shop",
            "other_shop",
            "acmex_shop",
            "acme_Shop",
            "acme_sh op",
            "acme_sh-op",
            "acme_sh`op",
            "acme_sh'op",
            "acme_sh\"op",
            "acme_sh%op",
            "acme_sh\\op",
            "acme_shöp",
            "acme_sh\0op",
            "mysql",
            "information_schema",
            "acme_sh;drop",
        ];
        for name in bad {
            assert!(DatabaseName::parse(name, &acme()).is_err(), "{name:?}");
        }
        let message = DatabaseName::parse("shop", &acme()).unwrap_err().message;
        assert_eq!(message, "Database names must start with acme_.");
    }

    #[test]
    fn lengths_are_counted_with_the_prefix() {
        // acme_ counts 6: its _ is escaped in grants too.
        let db = format!("acme_{}", "a".repeat(58));
        assert_eq!(DatabaseName::pattern_len(&db), 64);
        assert!(DatabaseName::parse(&db, &acme()).is_ok());
        assert!(DatabaseName::parse(&format!("{db}a"), &acme()).is_err());
        let user = format!("acme_{}", "a".repeat(27));
        assert!(DbUserName::parse(&user, &acme()).is_ok());
        assert!(DbUserName::parse(&format!("{user}a"), &acme()).is_err());
    }

    #[test]
    fn the_escaped_grant_pattern_fits_64_characters() {
        // `acme_` counts 6 (its `_` is escaped too), 19 × `x_` count 57, one `y`: 64 in all.
        let longest = format!("acme_{}y", "x_".repeat(19));
        assert_eq!(DatabaseName::pattern_len(&longest), 64, "{longest}");
        assert!(DatabaseName::parse(&longest, &acme()).is_ok());
        // One more character is 65 once escaped, though the name itself is only 45 long.
        let one_more = format!("{longest}z");
        assert_eq!(one_more.len(), 45);
        let err = DatabaseName::parse(&one_more, &acme()).unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::ValidationFailed);
        assert!(
            err.message.contains("once each _ is counted twice"),
            "{}",
            err.message
        );
        // 64 plain characters would be 65 in the pattern: refused.
        assert!(DatabaseName::parse(&format!("acme_{}", "a".repeat(59)), &acme()).is_err());
        // User names are not patterns: `_` counts once.
        let user = format!("acme_{}", "_".repeat(27));
        assert!(DbUserName::parse(&user, &acme()).is_ok());
    }

    #[test]
    fn system_schemas_are_never_database_names() {
        for (prefix, schema) in [
            ("performance", "performance_schema"),
            ("information", "information_schema"),
        ] {
            // A prefix that is reserved today may belong to an account made before.
            let old_prefix = Prefix::parse_existing(prefix).unwrap();
            let err = DatabaseName::parse(schema, &old_prefix).unwrap_err();
            assert!(
                err.message.contains("belongs to the database server"),
                "{}",
                err.message
            );
            assert!(DatabaseName::parse(&format!("{prefix}_shop"), &old_prefix).is_ok());
        }
        for schema in DatabaseName::SYSTEM_SCHEMAS {
            assert!(DatabaseName::parse(schema, &acme()).is_err());
        }
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
