//! CSRF protection for cookie-authenticated requests: a state-changing request must come from this
//! site's own pages. Browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`), and a
//! cross-site page cannot forge those. Requests with an `Authorization` header carry no ambient
//! credentials and are exempt.
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use types::error::AppError;

pub async fn reject_cross_site(request: Request, next: Next) -> Response {
    if is_safe_method(request.method()) || request.headers().contains_key(header::AUTHORIZATION) {
        return next.run(request).await;
    }
    if same_site(request.headers()) {
        next.run(request).await
    } else {
        AppError::forbidden("Cross-site request refused: state-changing requests must come from the panel's own pages.")
            .into_response()
    }
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn same_site(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        return matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = text(header::ORIGIN) {
        let origin_host = origin.split_once("://").map(|(_, host)| host);
        return origin_host.is_some() && origin_host == text(header::HOST);
    }
    // Neither header: not a modern browser, so only a request without cookies is harmless.
    !headers.contains_key(header::COOKIE)
}

#[cfg(test)]
mod tests {
    use super::same_site;
    use axum::http::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn decides_by_fetch_metadata_then_origin_then_cookies() {
        assert!(same_site(&headers(&[
            ("sec-fetch-site", "same-origin"),
            ("cookie", "a=b")
        ])));
        assert!(!same_site(&headers(&[
            ("sec-fetch-site", "cross-site"),
            ("cookie", "a=b")
        ])));
        assert!(!same_site(&headers(&[
            ("sec-fetch-site", "same-site"),
            ("cookie", "a=b")
        ])));
        assert!(same_site(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!same_site(&headers(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!same_site(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(same_site(&headers(&[])));
        assert!(!same_site(&headers(&[("cookie", "nbg_session=x")])));
    }
}
