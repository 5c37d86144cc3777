//! Table, column and index names: whatever MariaDB allows in a quoted identifier, checked here and
//! always written backtick-quoted, so a name is never read as SQL.
use crate::error::AppError;
use std::fmt;

/// A table, view, column or index name: 1 to 64 characters, no NUL or other control character,
/// not ending in a space (MariaDB's own rules for quoted names).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identifier(String);

impl Identifier {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str, what: &str) -> Result<Self, AppError> {
        let chars = raw.chars().count();
        if chars == 0 || chars > Self::MAX_CHARS {
            return Err(AppError::validation(format!(
                "{what} names are 1 to {} characters.",
                Self::MAX_CHARS
            )));
        }
        if raw.chars().any(char::is_control) {
            return Err(AppError::validation(format!(
                "{what} names cannot hold control characters."
            )));
        }
        // MariaDB's names are utf8mb3: nothing beyond the Basic Multilingual Plane (no emoji).
        if raw.chars().any(|c| u32::from(c) > 0xFFFF) {
            return Err(AppError::validation(format!(
                "{what} names cannot hold characters beyond U+FFFF (such as emoji)."
            )));
        }
        if raw.ends_with(' ') {
            return Err(AppError::validation(format!(
                "{what} names cannot end with a space."
            )));
        }
        Ok(Self(raw.to_owned()))
    }

    /// A name from a URL path: one that cannot be valid names nothing that exists, so it is 404.
    pub fn from_path(raw: &str, what: &str) -> Result<Self, AppError> {
        Self::parse(raw, what).map_err(|_| {
            AppError::not_found(format!("No {} named {raw:?} here.", what.to_lowercase()))
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as SQL reads it: backtick-quoted, each backtick doubled.
    pub fn quoted(&self) -> String {
        quote(&self.0)
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The OpenAPI schema of a name in a request body: exactly what [`Identifier::parse`] accepts, as
/// a pattern (no control character, nothing beyond U+FFFF or a lone surrogate, no trailing space),
/// so a client — or a fuzzer — can tell a valid name from the document alone.
#[cfg(feature = "ssr")]
pub struct ObjectName;

#[cfg(feature = "ssr")]
impl ObjectName {
    pub const PATTERN: &'static str = r"^[\u0020-\u007e\u00a0-\ud7ff\ue000-\uffff]{0,63}[\u0021-\u007e\u00a0-\ud7ff\ue000-\uffff]$";
}

#[cfg(feature = "ssr")]
impl utoipa::PartialSchema for ObjectName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A table, column or index name: 1 to 64 characters"))
            .min_length(Some(1))
            .max_length(Some(Identifier::MAX_CHARS))
            .pattern(Some(Self::PATTERN))
            .into()
    }
}

#[cfg(feature = "ssr")]
impl utoipa::ToSchema for ObjectName {}

/// A backtick-quoted identifier (`a``b` for a`b).
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A string literal that reads the same whether or not the session has NO_BACKSLASH_ESCAPES:
/// quotes are doubled, and a backslash — the one character whose meaning depends on the mode —
/// makes the literal a hex one (`X'…'`, the bytes of the UTF-8 text).
pub fn quote_string(value: &str) -> String {
    if value.contains('\\') || value.chars().any(|c| c == '\0') {
        let hex: String = value.bytes().map(|b| format!("{b:02X}")).collect();
        return format!("X'{hex}'");
    }
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_with_backticks_doubled() {
        let name = Identifier::parse("we`ird name", "Column").unwrap();
        assert_eq!(name.quoted(), "`we``ird name`");
    }

    #[test]
    fn bad_names_are_refused() {
        for raw in ["", "trailing ", "nul\0", &"x".repeat(65)] {
            assert!(Identifier::parse(raw, "Table").is_err(), "{raw:?}");
        }
        assert!(Identifier::parse(&"é".repeat(64), "Table").is_ok());
    }

    /// The ranges `ObjectName::PATTERN` spells end exactly where `Identifier::parse` draws its lines.
    #[test]
    fn the_schema_pattern_and_the_parser_draw_the_same_lines() {
        let refused = ['\u{1f}', '\u{7f}', '\u{80}', '\u{9f}', '\u{10000}', '😀'];
        let accepted = [' ', '~', '\u{a0}', '\u{d7ff}', '\u{e000}', '\u{ffff}'];
        for c in refused {
            assert!(
                Identifier::parse(&format!("a{c}b"), "Table").is_err(),
                "{c:?}"
            );
        }
        for c in accepted {
            assert!(
                Identifier::parse(&format!("a{c}b"), "Table").is_ok(),
                "{c:?}"
            );
        }
    }

    #[test]
    fn string_literals_do_not_depend_on_backslash_escapes() {
        assert_eq!(quote_string("it's"), "'it''s'");
        assert_eq!(quote_string("a\\b"), "X'615C62'");
    }
}
