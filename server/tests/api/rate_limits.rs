//! Per-key and per-IP limits on /api, announced on every answer.
use crate::helpers::{error_code, spawn_app_with, test_settings};
use reqwest::StatusCode;
use std::num::NonZeroU32;

fn header(response: &reqwest::Response, name: &str) -> Option<u64> {
    response.headers().get(name)?.to_str().ok()?.parse().ok()
}

#[tokio::test]
async fn each_key_has_its_own_budget_and_answers_say_what_is_left() {
    let mut settings = test_settings();
    settings.api_rate_limit_per_minute = NonZeroU32::new(5).unwrap();
    let app = spawn_app_with(settings).await;
    let (ann, bob) = (app.create_account().await, app.create_account().await);
    let (ann_key, bob_key) = (app.issue_key(&ann).await, app.issue_key(&bob).await);

    for expected_remaining in (0..5).rev() {
        let response = app.get_bearer("/api/account", &ann_key).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "ratelimit-limit"), Some(5));
        assert_eq!(
            header(&response, "ratelimit-remaining"),
            Some(expected_remaining)
        );
        assert!(header(&response, "ratelimit-reset").is_some_and(|reset| reset <= 60));
    }
    let refused = app.get_bearer("/api/databases", &ann_key).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after = header(&refused, "retry-after").expect("Retry-After");
    assert!(
        (1..=12).contains(&retry_after),
        "one request's worth of a minute: {retry_after}"
    );
    assert_eq!(header(&refused, "ratelimit-remaining"), Some(0));
    assert_eq!(error_code(refused).await, "rate_limited");

    let other = app.get_bearer("/api/account", &bob_key).await;
    assert_eq!(
        other.status(),
        StatusCode::OK,
        "another key is not affected"
    );
    assert_eq!(header(&other, "ratelimit-remaining"), Some(4));
}

#[tokio::test]
async fn unauthenticated_requests_are_limited_per_ip() {
    let mut settings = test_settings();
    settings.ip_rate_limit_per_minute = NonZeroU32::new(3).unwrap();
    let app = spawn_app_with(settings).await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    for _ in 0..3 {
        let response = app
            .client
            .get(app.url("/api/databases"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(header(&response, "ratelimit-limit"), Some(3));
    }
    // Bad keys count against the IP too: guessing keys is not free.
    let guess = app.get_bearer("/api/databases", "nbg_notakey").await;
    assert_eq!(guess.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(guess.headers().contains_key("retry-after"));
    let valid = app.get_bearer("/api/databases", &key).await;
    assert_eq!(
        valid.status(),
        StatusCode::OK,
        "a valid key has its own budget"
    );
}
