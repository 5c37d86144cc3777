//! The built site's static files (`target/site`): served precompressed, cached for good when their
//! names carry their content's hash.
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use leptos::config::LeptosOptions;
use tower_http::services::ServeDir;

/// A release build by cargo-leptos (`hash-files`) names /pkg files by content and lists the names in
/// hash.txt beside the binary; a binary built otherwise (cargo test) has none and uses plain names.
pub fn hash_file_beside_binary(options: &LeptosOptions) -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&*options.hash_file)))
        .is_some_and(|path| path.is_file())
}

/// `target/site` with the `.br`/`.gz` files `cargo leptos build --precompress` wrote beside each file
/// (chosen by `Accept-Encoding`), `Range` and `If-Modified-Since`; a path that is no file goes to
/// `not_found` (the Leptos "page not found").
pub fn files<F>(site_root: &str, not_found: F) -> ServeDir<F> {
    ServeDir::new(site_root)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(not_found)
}

/// A path whose last segment has a dot (`/favicon.svg`, `/pkg/app.x.wasm`): a file, not a page.
pub fn names_a_file(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
}

/// Static files: those under /pkg are named by their content in a release build, so the browser
/// may keep them for a year without asking again; anything else (or a build without hashed names)
/// is revalidated on each use, which costs a 304 and no download. Pages keep `no-store`
/// (`startup::security_headers`).
pub async fn caching(State(hashed_names): State<bool>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let names_a_file =
        !path.starts_with("/api/") && !path.starts_with("/rpc/") && names_a_file(path);
    let immutable = hashed_names && path.starts_with("/pkg/");
    let mut response = next.run(request).await;
    if !names_a_file {
        return response;
    }
    // A missing file answers with the HTML "not found" page.
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let served = matches!(
        response.status(),
        StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
    );
    let headers = response.headers_mut();
    let policy = match (served && !is_html, immutable) {
        (false, _) => "no-store",
        (true, true) => "public, max-age=31536000, immutable",
        (true, false) => "no-cache",
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    if served && !is_html {
        // The same URL answers brotli, gzip or identity: caches on the way must keep them apart.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::response::{Html, IntoResponse};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    /// A site root with a hashed WASM file and its brotli twin, and a favicon.
    fn site() -> std::path::PathBuf {
        let root = std::env::temp_dir().join(format!(
            "nobregas-assets-{}",
            crate::domain::secret::random_base62(10)
        ));
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        std::fs::write(root.join("pkg/app.Xy12.wasm"), b"raw wasm bytes").unwrap();
        std::fs::write(root.join("pkg/app.Xy12.wasm.br"), b"brotli bytes").unwrap();
        std::fs::write(root.join("favicon.svg"), b"<svg/>").unwrap();
        root
    }

    fn app(root: &std::path::Path, hashed_names: bool) -> Router {
        let not_found = tower::service_fn(|_: Request| async {
            Ok::<_, std::convert::Infallible>(
                (StatusCode::NOT_FOUND, Html("<p>Page not found.</p>")).into_response(),
            )
        });
        Router::new()
            .fallback_service(files(root.to_str().unwrap(), not_found))
            .layer(axum::middleware::from_fn_with_state(hashed_names, caching))
    }

    async fn get(
        app: &Router,
        path: &str,
        headers: &[(header::HeaderName, &str)],
    ) -> (Response, Vec<u8>) {
        let mut request = Request::get(path);
        for (name, value) in headers {
            request = request.header(name, *value);
        }
        let response = app
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes().to_vec();
        (Response::from_parts(parts, Body::empty()), bytes)
    }

    fn header_of(response: &Response, name: header::HeaderName) -> &str {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    #[tokio::test]
    async fn hashed_files_are_precompressed_and_immutable() {
        let root = site();
        let app = app(&root, true);
        let (response, body) = get(
            &app,
            "/pkg/app.Xy12.wasm",
            &[(header::ACCEPT_ENCODING, "gzip, br")],
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header_of(&response, header::CONTENT_ENCODING), "br");
        assert_eq!(body, b"brotli bytes");
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header_of(&response, header::VARY), "accept-encoding");

        // A client that takes no brotli gets the file itself.
        let (response, body) = get(&app, "/pkg/app.Xy12.wasm", &[]).await;
        assert_eq!(header_of(&response, header::CONTENT_ENCODING), "");
        assert_eq!(body, b"raw wasm bytes");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[tokio::test]
    async fn other_files_are_revalidated_and_answer_304_when_unchanged() {
        let root = site();
        let app = app(&root, true);
        let (response, _) = get(&app, "/favicon.svg", &[]).await;
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
        let modified = header_of(&response, header::LAST_MODIFIED).to_owned();
        assert!(!modified.is_empty());
        let (response, body) = get(
            &app,
            "/favicon.svg",
            &[(header::IF_MODIFIED_SINCE, &modified)],
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        assert!(body.is_empty());

        // Without hashed names (a debug build) /pkg files are revalidated too.
        let (response, _) = get(&self::app(&root, false), "/pkg/app.Xy12.wasm", &[]).await;
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[tokio::test]
    async fn a_missing_file_is_the_not_found_page_and_is_not_cached() {
        let root = site();
        let (response, body) = get(&app(&root, true), "/pkg/app.Old1.wasm", &[]).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(body, b"<p>Page not found.</p>");
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-store");
        std::fs::remove_dir_all(root).unwrap();
    }
}
