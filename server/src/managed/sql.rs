//! The one module that turns user-supplied text into SQL fragments. Everything else binds values
//! as parameters or calls these.

/// A LIKE pattern matching strings that start with `literal`, with `!` as the escape character
/// (use `ESCAPE '!'`; unlike `\`, it means the same under every sql_mode).
pub fn like_starts_with(literal: &str) -> String {
    let mut pattern = String::with_capacity(literal.len() + 4);
    for c in literal.chars() {
        if matches!(c, '!' | '%' | '_') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A backtick-quoted identifier (`a``b` for a`b).
pub fn quote_identifier(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
