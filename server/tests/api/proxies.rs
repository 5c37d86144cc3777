//! Behind a reverse proxy: X-Forwarded-For/-Proto count only from NOBREGAS_TRUSTED_PROXIES.
use crate::helpers::{TestApp, session_cookie, spawn_app, spawn_app_with, test_settings};
use reqwest::StatusCode;
use server::config::TrustedProxies;

async fn behind_proxy() -> TestApp {
    let mut settings = test_settings();
    settings.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    spawn_app_with(settings).await
}

/// A sign-in from `client_ip` through the proxy, over https (passwords travel only over https).
async fn login_from(
    app: &TestApp,
    client_ip: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    login_with_headers(
        app,
        &[
            ("x-forwarded-for", client_ip),
            ("x-forwarded-proto", "https"),
        ],
        email,
        password,
    )
    .await
}

async fn login_with_headers(
    app: &TestApp,
    headers: &[(&str, &str)],
    email: &str,
    password: &str,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/rpc/login"))
        .header("origin", &app.address);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .form(&[("email", email), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap()
}

async fn my_ip(app: &TestApp, cookie: &str, forwarded_for: &str) -> String {
    let response = app
        .rpc_request("my_ip", cookie)
        .header("x-forwarded-for", forwarded_for)
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<String>().await.unwrap()
}

#[tokio::test]
async fn the_sign_in_limit_is_per_client_behind_a_trusted_proxy() {
    let app = behind_proxy().await;
    let account = app.create_account().await;
    for n in 0..10 {
        let email = format!("nobody{n}@example.test");
        assert_eq!(
            login_from(&app, "198.51.100.1", &email, "wrong password")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let blocked = login_from(
        &app,
        "198.51.100.1",
        "nobody99@example.test",
        "wrong password",
    )
    .await;
    assert_eq!(
        blocked.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "that client is limited"
    );
    let other = login_from(&app, "198.51.100.2", &account.email, &account.password).await;
    assert_eq!(
        other.status(),
        StatusCode::OK,
        "another client behind the same proxy is not locked out"
    );
}

#[tokio::test]
async fn forwarded_headers_from_an_untrusted_peer_are_ignored() {
    let app = spawn_app().await;
    for n in 0..10 {
        let email = format!("nobody{n}@example.test");
        login_from(&app, &format!("198.51.100.{n}"), &email, "wrong password").await;
    }
    // Every attempt came from 127.0.0.1 whatever the header said: the peer itself is limited.
    let blocked = login_from(
        &app,
        "203.0.113.77",
        "nobody@example.test",
        "wrong password",
    )
    .await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn add_my_current_ip_sees_the_client_not_the_proxy() {
    let trusted = behind_proxy().await;
    let account = trusted.create_account().await;
    let signed_in = login_from(&trusted, "198.51.100.23", &account.email, &account.password).await;
    let cookie = session_cookie(signed_in.headers()).unwrap();
    assert_eq!(
        my_ip(&trusted, &cookie, "6.6.6.6, 198.51.100.23").await,
        "198.51.100.23",
        "right-most untrusted"
    );

    let direct = spawn_app().await;
    let account = direct.create_account().await;
    let cookie = direct.sign_in(&account).await;
    assert_eq!(
        my_ip(&direct, &cookie, "198.51.100.23").await,
        "127.0.0.1",
        "a spoofed header changes nothing"
    );
}

#[tokio::test]
async fn https_from_a_trusted_proxy_makes_cookies_secure_and_sends_hsts() {
    let app = behind_proxy().await;
    let account = app.create_account().await;
    let response = login_with_headers(
        &app,
        &[("x-forwarded-proto", "https")],
        &account.email,
        &account.password,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set_cookie.starts_with("__Host-nbg_session=") && set_cookie.ends_with("; Secure"),
        "{set_cookie}"
    );
    assert!(
        response.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );

    // The same header from a peer that is not a trusted proxy is a lie, and is treated as one.
    let direct = spawn_app().await;
    let account = direct.create_account().await;
    let response = login_with_headers(
        &direct,
        &[("x-forwarded-proto", "https")],
        &account.email,
        &account.password,
    )
    .await;
    let cookie = session_cookie(response.headers()).unwrap();
    assert!(cookie.starts_with("nbg_session="));
    assert!(
        !response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_none()
    );
}
