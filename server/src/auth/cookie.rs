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

pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    find_cookie(headers, SECURE_COOKIE_NAME, COOKIE_NAME)
}

pub fn pending_sign_in_token(headers: &HeaderMap) -> Option<&str> {
    find_cookie(headers, SECURE_PENDING_COOKIE_NAME, PENDING_COOKIE_NAME)
}

/// The `secure` cookie's value, else the plain one's.
fn find_cookie<'h>(headers: &'h HeaderMap, secure: &str, plain: &str) -> Option<&'h str> {
    let pairs = || {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
    };
    let find = |wanted: &str| pairs().find(|(name, _)| *name == wanted).map(|(_, token)| token).filter(|t| !t.is_empty());
    find(secure).or_else(|| find(plain))
}

fn cookie(token: &str, max_age: i64, https: bool, [secure_name, plain_name]: [&str; 2]) -> String {
    let (name, secure) = if https { (secure_name, "; Secure") } else { (plain_name, "") };
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

pub fn session_cookie(token: &str, https: bool) -> String {
    cookie(token, LIFETIME_SECS, https, [SECURE_COOKIE_NAME, COOKIE_NAME])
}

pub fn clear_session_cookie(https: bool) -> String {
    cookie("", 0, https, [SECURE_COOKIE_NAME, COOKIE_NAME])
}

pub fn pending_sign_in_cookie(token: &str, https: bool) -> String {
    cookie(token, PENDING_SECS, https, [SECURE_PENDING_COOKIE_NAME, PENDING_COOKIE_NAME])
}

pub fn clear_pending_sign_in_cookie(https: bool) -> String {
    cookie("", 0, https, [SECURE_PENDING_COOKIE_NAME, PENDING_COOKIE_NAME])
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn finds_the_session_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("theme=dark; nbg_session=abc123"));
        assert_eq!(session_token(&headers), Some("abc123"));
        headers.clear();
        headers.append(header::COOKIE, HeaderValue::from_static("xnbg_session=no; nbg_session="));
        assert_eq!(session_token(&headers), None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_host_prefixed_over_https() {
        assert!(session_cookie("t", false).starts_with("nbg_session=t; Path=/; HttpOnly; SameSite=Lax"));
        assert!(!session_cookie("t", false).contains("Secure"));
        let secure = session_cookie("t", true);
        assert!(secure.starts_with("__Host-nbg_session=t; Path=/;") && secure.ends_with("; Secure"), "{secure}");
        assert!(!secure.contains("Domain"));
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("nbg_session=old; __Host-nbg_session=new"));
        assert_eq!(session_token(&headers), Some("new"));
    }
}
