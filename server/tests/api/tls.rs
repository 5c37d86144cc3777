//! The panel serving HTTPS itself (--tls-cert/--tls-key), with a certificate made by the test.
use crate::helpers::{TestApp, spawn_app_with, test_settings};
use reqwest::StatusCode;
use server::config::TlsFiles;

pub async fn spawn_tls_app() -> TestApp {
    let mut settings = test_settings();
    std::fs::create_dir_all(&settings.data_dir).unwrap();
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let (cert, key) = (
        settings.data_dir.join("cert.pem"),
        settings.data_dir.join("key.pem"),
    );
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    settings.tls = Some(TlsFiles { cert, key });
    spawn_app_with(settings).await
}

#[tokio::test]
async fn https_serves_the_api_with_hsts_and_host_prefixed_secure_cookies() {
    let app = spawn_tls_app().await;
    assert!(app.address.starts_with("https://"));
    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("TLS handshake with the test CA");
    assert_eq!(health.status(), StatusCode::OK);
    assert!(
        health.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );

    let account = app.create_account().await;
    let login = app
        .post_login(&account.email, &account.password, None)
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    let set_cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.starts_with("__Host-nbg_session=") && set_cookie.contains("Path=/"),
        "{set_cookie}"
    );
    assert!(
        set_cookie.ends_with("; Secure") && !set_cookie.contains("Domain"),
        "{set_cookie}"
    );
    let cookie = crate::helpers::session_cookie(login.headers()).unwrap();
    let me = app
        .client
        .get(app.url("/api/account"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK, "the __Host- cookie signs in");

    let key = app.issue_key(&account).await;
    assert_eq!(
        app.get_bearer("/api/databases", &key).await.status(),
        StatusCode::OK
    );

    // Plain HTTP to the TLS port gets no answer the client could mistake for the panel.
    let plain = reqwest::Client::new()
        .get(app.url("/healthz").replacen("https://", "http://", 1))
        .send()
        .await;
    assert!(plain.is_err() || plain.unwrap().status() != StatusCode::OK);
}
