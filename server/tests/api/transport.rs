//! Issue 22, findings 6, 8 and 9: credentials travel only over HTTPS (from anything but this
//! machine), only the `__Host-` cookie counts over HTTPS, and server functions take no API key.
use crate::helpers::{
    TestApp, error_code, session_cookie, spawn_app, spawn_app_with, test_settings,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::config::TrustedProxies;

async fn behind_proxy() -> TestApp {
    let mut settings = test_settings();
    settings.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    spawn_app_with(settings).await
}

/// A request as a TLS-terminating proxy on this machine forwards it, from `client` over `proto`.
fn forwarded(
    app: &TestApp,
    method: Method,
    path: &str,
    client: &str,
    proto: &str,
) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(path))
        .header("x-forwarded-for", client)
        .header("x-forwarded-proto", proto)
}

/// Finding 8: through a trusted proxy with `X-Forwarded-Proto: http`, a key from 198.51.100.23
/// added a whitelist entry. Now it is refused, nothing changes, and the owner is told.
#[tokio::test]
async fn a_key_sent_over_plain_http_from_afar_is_refused_and_its_owner_told() {
    let app = behind_proxy().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let refused = forwarded(
        &app,
        Method::POST,
        "/api/whitelist",
        "198.51.100.23",
        "http",
    )
    .bearer_auth(&key)
    .json(&json!({ "host": "203.0.113.9" }))
    .send()
    .await
    .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "https_required");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("https://"),
        "{body}"
    );
    let whitelist: Value = app
        .get_bearer("/api/whitelist", &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(whitelist["entries"], json!([]), "nothing changed");

    // Its owner sees it on the account (Profile) and in the audit log, with the address.
    let account_view: Value = app
        .get_bearer("/api/account", &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        account_view["api_key"]["sent_insecurely_from"], "198.51.100.23",
        "{account_view}"
    );
    assert!(account_view["api_key"]["sent_insecurely_at"].is_string());
    let event = app.audit_event(&key, "api_key_sent_insecurely").await;
    assert_eq!(event.expect("an audit event")["source_ip"], "198.51.100.23");
    // (Profile's warning in the browser: end2end/tests/profile.spec.ts.)

    // Over https through the proxy, the same request works; on this machine plain http does too.
    let over_https = forwarded(
        &app,
        Method::POST,
        "/api/whitelist",
        "198.51.100.23",
        "https",
    )
    .bearer_auth(&key)
    .json(&json!({ "host": "203.0.113.9" }))
    .send()
    .await
    .unwrap();
    assert_eq!(over_https.status(), StatusCode::CREATED);
    assert_eq!(
        app.get_bearer("/api/databases", &key).await.status(),
        StatusCode::OK
    );
    // A new key clears the warning.
    let new_key = app.issue_key(&account).await;
    let account_view: Value = app
        .get_bearer("/api/account", &new_key)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        account_view["api_key"].get("sent_insecurely_at").is_none(),
        "{account_view}"
    );
}

/// Finding 8, for the other credentials: a session cookie or a password from afar over plain
/// http is refused before anything reads it.
#[tokio::test]
async fn cookies_and_passwords_over_plain_http_from_afar_are_refused() {
    let app = behind_proxy().await;
    let account = app.create_account().await;
    let cookie = app.sign_in(&account).await;
    let with_cookie = forwarded(&app, Method::GET, "/api/account", "198.51.100.23", "http")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(with_cookie.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(with_cookie).await, "https_required");
    let sign_in = forwarded(&app, Method::POST, "/rpc/login", "198.51.100.23", "http")
        .header("origin", &app.address)
        .form(&[
            ("email", account.email.as_str()),
            ("password", account.password.as_str()),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(sign_in.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        session_cookie(sign_in.headers()),
        None,
        "no session was opened"
    );
    // Requests without credentials (the sign-in page itself, health) are served.
    let page = forwarded(&app, Method::GET, "/login", "198.51.100.23", "http")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
}

/// Finding 9: over https a plain `nbg_session` cookie (which a sibling host can plant) was
/// accepted next to `__Host-nbg_session`. Only the `__Host-` one counts now.
#[tokio::test]
async fn over_https_only_the_host_prefixed_cookie_signs_in() {
    let app = crate::tls::spawn_tls_app().await;
    let account = app.create_account().await;
    let login = app
        .post_login(&account.email, &account.password, None)
        .await;
    let cookie = session_cookie(login.headers()).unwrap();
    let token = cookie
        .strip_prefix("__Host-nbg_session=")
        .expect("a __Host- cookie over https");
    let me = |cookie: String| {
        app.client
            .get(app.url("/api/account"))
            .header("cookie", cookie)
            .send()
    };
    assert_eq!(
        me(format!("__Host-nbg_session={token}"))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        me(format!("nbg_session={token}")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "planted plain cookie"
    );
    let rpc = app
        .rpc_request("get_account", &format!("nbg_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(rpc.status(), StatusCode::UNAUTHORIZED);

    // Behind a proxy that says https, the same.
    let proxied = behind_proxy().await;
    let account = proxied.create_account().await;
    let plain = proxied.sign_in(&account).await; // over plain http on loopback: `nbg_session`
    let over_https = forwarded(&proxied, Method::GET, "/api/account", "127.0.0.1", "https")
        .header("cookie", &plain)
        .send()
        .await
        .unwrap();
    assert_eq!(over_https.status(), StatusCode::UNAUTHORIZED);
}

/// Finding 6: with two-factor off, `POST /rpc/regenerate_api_key` took `Authorization: Bearer`,
/// so a leaked key minted its own successor and revoking it did nothing.
#[tokio::test]
async fn a_leaked_key_cannot_mint_the_next_one() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    for endpoint in [
        "regenerate_api_key",
        "get_account",
        "list_databases",
        "begin_two_factor",
    ] {
        let response = app
            .client
            .post(app.url(&format!("/rpc/{endpoint}")))
            .bearer_auth(&key)
            .header("origin", &app.address)
            .header("sec-fetch-site", "same-origin")
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{endpoint}");
        assert_eq!(error_code(response).await, "session_required", "{endpoint}");
    }
    let before: Value = app
        .get_bearer("/api/account", &key)
        .await
        .json()
        .await
        .unwrap();
    // Revoking the leaked key leaves the account without a usable key.
    let revoked = app
        .client
        .post(app.url("/api/keys/revoke"))
        .json(&json!({ "key": key }))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::ACCEPTED);
    assert_eq!(
        app.get_bearer("/api/account", &key).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let cookie = app.sign_in(&account).await;
    let after: Value = app
        .client
        .get(app.url("/api/account"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        before["api_key"].is_object() && after["api_key"].is_null(),
        "no key was minted: {after}"
    );
}

/// Finding 6: `/rpc/*` had no rate limit (650 parallel calls, no 429). It has the API's now.
#[tokio::test]
async fn server_functions_are_rate_limited_like_the_api() {
    let mut settings = test_settings();
    settings.api_rate_limit_per_minute = std::num::NonZeroU32::new(20).unwrap();
    let app = spawn_app_with(settings).await;
    let account = app.create_account().await;
    let cookie = app.sign_in(&account).await;
    let calls = (0..60).map(|_| app.post_rpc("get_account", &cookie));
    let answers = futures_util::future::join_all(calls).await;
    let limited: Vec<_> = answers
        .iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(limited.len() >= 30, "{} of 60 were limited", limited.len());
    assert!(
        limited
            .iter()
            .all(|r| r.headers().contains_key("retry-after"))
    );
    assert!(
        answers
            .iter()
            .all(|r| r.headers()["ratelimit-limit"] == "20"),
        "every answer says where the caller stands"
    );
    // The API and the server functions draw on one budget per account.
    let key = app.issue_key(&account).await;
    assert_eq!(
        app.get_bearer("/api/account", &key).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}
