//! The session cookie: HttpOnly, SameSite=Lax, Secure when the panel is reached over https.
use crate::services::sessions::{COOKIE_NAME, LIFETIME_SECS};
use axum::http::{HeaderMap, header};

pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, token)| token)
        .filter(|token| !token.is_empty())
}

/// https is known from a TLS-terminating proxy's `X-Forwarded-Proto`.
fn secure_attribute(request_headers: &HeaderMap) -> &'static str {
    let https = request_headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
    if https { "; Secure" } else { "" }
}

pub fn session_cookie(token: &str, request_headers: &HeaderMap) -> String {
    format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={LIFETIME_SECS}{}",
        secure_attribute(request_headers)
    )
}

pub fn clear_session_cookie(request_headers: &HeaderMap) -> String {
    format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", secure_attribute(request_headers))
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
    fn cookies_are_http_only_lax_and_secure_behind_https() {
        let mut headers = HeaderMap::new();
        assert!(session_cookie("t", &headers).contains("HttpOnly; SameSite=Lax"));
        assert!(!session_cookie("t", &headers).contains("Secure"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(session_cookie("t", &headers).ends_with("; Secure"));
    }
}
