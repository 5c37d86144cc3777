//! The session cookie: HttpOnly, SameSite=Lax. Over https (the panel's own TLS, or a trusted
//! proxy saying so) it is also `Secure` and named with the `__Host-` prefix, which browsers accept
//! only from a secure origin, for the whole site, without a Domain: a sibling subdomain cannot
//! plant or overwrite it.
use crate::services::sessions::{COOKIE_NAME, LIFETIME_SECS};
use crate::services::two_factor::PENDING_SECS;
use axum::http::{HeaderMap, header};

const SECURE_COOKIE_NAME: &str = "__Host-nbg_session";
/// A sign-in waiting for its two-factor code (5 minutes).
const PENDING_COOKIE_NAME: &str = "nbg_2fa";
const SECURE_PENDING_COOKIE_NAME: &str = "__Host-nbg_2fa";

/// The session token. Over https only the `__Host-` cookie counts: a plain `nbg_session` can be
/// planted by a sibling subdomain or a plain-http page, and must not sign anyone in.
pub fn session_token(headers: &HeaderMap, https: bool) -> Option<&str> {
    find_cookie(
        headers,
        if https {
            SECURE_COOKIE_NAME
        } else {
            COOKIE_NAME
        },
    )
}

pub fn pending_sign_in_token(headers: &HeaderMap, https: bool) -> Option<&str> {
    find_cookie(
        headers,
        if https {
            SECURE_PENDING_COOKIE_NAME
        } else {
            PENDING_COOKIE_NAME
        },
    )
}

/// Whether the request carries a session (or held sign-in) cookie of any name: a credential.
pub fn carries_session(headers: &HeaderMap) -> bool {
    [
        SECURE_COOKIE_NAME,
        COOKIE_NAME,
        SECURE_PENDING_COOKIE_NAME,
        PENDING_COOKIE_NAME,
    ]
    .iter()
    .any(|name| find_cookie(headers, name).is_some())
}

fn find_cookie<'h>(headers: &'h HeaderMap, wanted: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, token)| token)
        .filter(|t| !t.is_empty())
}

fn cookie(token: &str, max_age: i64, https: bool, [secure_name, plain_name]: [&str; 2]) -> String {
    let (name, secure) = if https {
        (secure_name, "; Secure")
    } else {
        (plain_name, "")
    };
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

pub fn session_cookie(token: &str, https: bool) -> String {
    cookie(
        token,
        LIFETIME_SECS,
        https,
        [SECURE_COOKIE_NAME, COOKIE_NAME],
    )
}

pub fn clear_session_cookie(https: bool) -> String {
    cookie("", 0, https, [SECURE_COOKIE_NAME, COOKIE_NAME])
}

pub fn pending_sign_in_cookie(token: &str, https: bool) -> String {
    cookie(
        token,
        PENDING_SECS,
        https,
        [SECURE_PENDING_COOKIE_NAME, PENDING_COOKIE_NAME],
    )
}

pub fn clear_pending_sign_in_cookie(https: bool) -> String {
    cookie(
        "",
        0,
        https,
        [SECURE_PENDING_COOKIE_NAME, PENDING_COOKIE_NAME],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn finds_the_session_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; nbg_session=abc123"),
        );
        assert_eq!(session_token(&headers, false), Some("abc123"));
        assert!(carries_session(&headers));
        headers.clear();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("xnbg_session=no; nbg_session="),
        );
        assert_eq!(session_token(&headers, false), None);
        assert!(!carries_session(&headers));
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_host_prefixed_over_https() {
        assert!(
            session_cookie("t", false).starts_with("nbg_session=t; Path=/; HttpOnly; SameSite=Lax")
        );
        assert!(!session_cookie("t", false).contains("Secure"));
        let secure = session_cookie("t", true);
        assert!(
            secure.starts_with("__Host-nbg_session=t; Path=/;") && secure.ends_with("; Secure"),
            "{secure}"
        );
        assert!(!secure.contains("Domain"));
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("nbg_session=old; __Host-nbg_session=new"),
        );
        assert_eq!(session_token(&headers, true), Some("new"));
        assert_eq!(session_token(&headers, false), Some("old"));
    }

    #[test]
    fn over_https_a_planted_plain_cookie_signs_nobody_in() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("nbg_session=planted; nbg_2fa=planted"),
        );
        assert_eq!(session_token(&headers, true), None);
        assert_eq!(pending_sign_in_token(&headers, true), None);
        assert_eq!(pending_sign_in_token(&headers, false), Some("planted"));
    }
}
