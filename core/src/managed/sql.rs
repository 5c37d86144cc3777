//! The one module that turns user-supplied text into SQL fragments. Everything else binds values
//! as parameters or calls these. Admin connections run with NO_BACKSLASH_ESCAPES (see
//! `managed::pool`), so inside a string literal only `'` is special.
use types::names::{DatabaseName, DbUserName};
use types::privilege::Privilege;

/// A LIKE pattern matching exactly `literal`, with `!` as the escape character (use
/// `ESCAPE '!'`; unlike `\`, it means the same under every sql_mode).
pub fn like_exact(literal: &str) -> String {
    let mut pattern = String::with_capacity(literal.len() + 4);
    for c in literal.chars() {
        if matches!(c, '!' | '%' | '_') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern
}

/// A LIKE pattern (escape `!`) matching strings that start with `literal`.
pub fn like_starts_with(literal: &str) -> String {
    like_exact(literal) + "%"
}

/// A backtick-quoted identifier (`a``b` for a`b).
pub fn quote_identifier(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A string literal: `'it''s'`. Only valid with NO_BACKSLASH_ESCAPES (every admin connection).
pub fn quote_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The database as GRANT/REVOKE read it: a *pattern*, so `_` and `%` are escaped (`acme\_shop`);
/// otherwise a grant on `acme_s_p` would also open `acmexs_p` of another tenant.
pub fn grant_target(database: &DatabaseName) -> String {
    format!("{}.*", quote_identifier(&grant_pattern(database)))
}

/// The pattern of `grant_target` as mysql.db keeps it: `acme\_shop`.
pub fn grant_pattern(database: &DatabaseName) -> String {
    let mut pattern = String::with_capacity(database.as_str().len() + 4);
    for c in database.as_str().chars() {
        if matches!(c, '_' | '%' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern
}

/// Every database of the account as a grant target: `acme\_%`.* (prefixes are `[a-z0-9]`, so only
/// the separator needs escaping).
pub fn prefix_grant_target(prefix: &types::validate::Prefix) -> String {
    format!(
        "{}.*",
        quote_identifier(&format!("{}\\_%", prefix.as_str()))
    )
}

/// How information_schema.SCHEMA_PRIVILEGES and mysql.db spell a grant target we wrote.
pub fn unescape_grant_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `'acme_app'@'localhost'`.
pub fn account(user: &DbUserName, host: &str) -> String {
    account_raw(user.as_str(), host)
}

/// An account named by the server itself (e.g. a grantee read from information_schema).
pub fn account_raw(user: &str, host: &str) -> String {
    format!("{}@{}", quote_string(user), quote_string(host))
}

/// `'acme_app'@'localhost'` (information_schema's GRANTEE) → `("acme_app", "localhost")`.
pub fn parse_grantee(grantee: &str) -> Option<(String, String)> {
    let (user, host) = grantee.rsplit_once("@")?;
    let unquote = |s: &str| {
        s.strip_prefix('\'')?
            .strip_suffix('\'')
            .map(|s| s.replace("''", "'"))
    };
    Some((unquote(user)?, unquote(host)?))
}

/// `SELECT, INSERT` — only from the allowed enum, never from text.
pub fn privilege_list(privileges: &[Privilege]) -> String {
    privileges
        .iter()
        .map(|p| p.sql())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Charset and collation names come from information_schema lookups, but are checked again here.
pub fn is_charset_word(word: &str) -> bool {
    !word.is_empty()
        && word.len() <= 64
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use types::validate::Prefix;

    #[test]
    fn grant_targets_escape_wildcards() {
        let acme = Prefix::parse("acme").unwrap();
        let db = DatabaseName::parse("acme_s_p", &acme).unwrap();
        assert_eq!(grant_target(&db), "`acme\\_s\\_p`.*");
        assert_eq!(unescape_grant_pattern("acme\\_s\\_p"), "acme_s_p");
    }

    #[test]
    fn grantees_parse_back() {
        assert_eq!(
            parse_grantee("'acme_app'@'localhost'"),
            Some(("acme_app".into(), "localhost".into()))
        );
        assert_eq!(
            parse_grantee("'a@b'@'10.0.0.0/255.0.0.0'"),
            Some(("a@b".into(), "10.0.0.0/255.0.0.0".into()))
        );
        assert_eq!(parse_grantee("nonsense"), None);
    }

    #[test]
    fn string_literals_double_quotes() {
        assert_eq!(quote_string("it's"), "'it''s'");
        assert_eq!(quote_string("a\\'b"), "'a\\''b'");
    }

    proptest! {
        /// Every accepted name round-trips through the grant pattern and the identifier quoting,
        /// and its pattern fits the 64 characters MariaDB keeps (long names with many `_` are refused).
        #[test]
        fn accepted_names_round_trip(suffix in "[a-z0-9_]{1,59}") {
            let acme = Prefix::parse("acme").unwrap();
            let name = format!("acme_{suffix}");
            let Ok(db) = DatabaseName::parse(&name, &acme) else {
                prop_assert!(DatabaseName::pattern_len(&name) > 64);
                return Ok(());
            };
            let target = grant_target(&db);
            let quoted = target.strip_suffix(".*").unwrap();
            let inner = quoted.strip_prefix('`').unwrap().strip_suffix('`').unwrap();
            prop_assert!(!inner.contains('`'));
            prop_assert!(inner.len() <= 64, "{inner}");
            prop_assert_eq!(unescape_grant_pattern(inner), db.as_str());
            prop_assert_eq!(inner.matches("\\_").count(), db.as_str().matches('_').count());
        }

        #[test]
        fn quoted_strings_have_balanced_quotes(value in ".{0,40}") {
            let quoted = quote_string(&value);
            let inner = &quoted[1..quoted.len() - 1];
            prop_assert_eq!(inner.replace("''", ""), value.replace('\'', ""));
        }
    }

    #[test]
    fn like_patterns_escape_wildcards_and_the_escape_char() {
        assert_eq!(like_starts_with("acme_"), "acme!_%");
        assert_eq!(like_starts_with("a%b!c_"), "a!%b!!c!_%");
    }

    #[test]
    fn identifiers_are_backtick_quoted() {
        assert_eq!(quote_identifier("acme_shop"), "`acme_shop`");
        assert_eq!(quote_identifier("a`b"), "`a``b`");
    }
}
