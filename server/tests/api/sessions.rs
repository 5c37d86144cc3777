//! Sign-in through the login server function: answers, cookies, rotation, rate limits, CSRF.
use crate::helpers::{session_cookie, spawn_app};
use reqwest::StatusCode;

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let wrong_password = app.post_login(&account.email, "not the password", None).await;
    let unknown_email = app.post_login("nobody@example.test", "not the password", None).await;
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_email.status(), StatusCode::UNAUTHORIZED);
    assert!(session_cookie(wrong_password.headers()).is_none());
    assert_eq!(wrong_password.text().await.unwrap(), unknown_email.text().await.unwrap());
}

#[tokio::test]
async fn sign_in_sets_a_safe_cookie_and_rotates_the_session() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let response = app.post_login(&account.email, &account.password, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let first = session_cookie(response.headers()).unwrap();

    // Signing in again with the old cookie yields a new id and ends the old session.
    let second = session_cookie(app.post_login(&account.email, &account.password, Some(&first)).await.headers()).unwrap();
    assert_ne!(first, second);
    let status = |cookie: String| {
        let request = app.client.get(app.url("/api/account")).header("cookie", cookie);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(status(first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status(second.clone()).await, StatusCode::OK);

    let logout = app.post_rpc("logout", &second).await;
    assert_eq!(logout.status(), StatusCode::OK);
    assert!(logout.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(status(second).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn repeated_failures_are_rate_limited_with_retry_after() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    for _ in 0..10 {
        assert_eq!(app.post_login(&account.email, "wrong password", None).await.status(), StatusCode::UNAUTHORIZED);
    }
    // Now even the right password waits: the limit is checked before the password.
    let limited = app.post_login(&account.email, &account.password, None).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
}

#[tokio::test]
async fn cross_site_requests_with_the_cookie_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let cookie = app.sign_in(&account).await;
    let attempts = [
        vec![("sec-fetch-site", "cross-site".to_owned())],
        vec![("origin", "http://evil.example".to_owned())],
        vec![],
    ];
    for headers in attempts {
        let mut request = app
            .client
            .post(app.url("/rpc/regenerate_api_key"))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded");
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
    }
    assert_eq!(app.get_bearer("/api/account", &key).await.status(), StatusCode::OK, "the key must be unchanged");
    assert_eq!(app.post_rpc("regenerate_api_key", &cookie).await.status(), StatusCode::OK);
    assert_eq!(app.get_bearer("/api/account", &key).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn server_functions_need_a_session() {
    let app = spawn_app().await;
    let response = app.post_rpc("regenerate_api_key", "nbg_session=forged").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
