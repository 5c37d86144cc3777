//! Issue 12: anyone who finds a key can revoke it, without signing in, and learns nothing else.
use crate::helpers::{spawn_app, spawn_app_with, test_settings};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::num::NonZeroU32;

async fn report(app: &crate::helpers::TestApp, key: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url("/api/keys/revoke"))
        .json(&json!({ "key": key }))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_reported_key_stops_working_at_once_and_its_owner_is_told() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    assert_eq!(
        app.get_bearer("/api/databases", &key).await.status(),
        StatusCode::OK,
        "cached as valid first"
    );

    let (status, body) = report(&app, &key).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("no longer works")
    );
    assert_eq!(
        app.get_bearer("/api/databases", &key).await.status(),
        StatusCode::UNAUTHORIZED,
        "the very next request"
    );

    let cookie = app.sign_in(&account).await;
    let account_view: Value = app
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
        account_view["api_key"].is_null(),
        "the account has no key until its owner issues one"
    );
    assert!(
        account_view["api_key_revoked_at"]
            .as_str()
            .unwrap()
            .ends_with('Z'),
        "{account_view}"
    );
    let audit: Value = app
        .client
        .get(app.url("/api/audit"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let event = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "api_key_revoked")
        .expect("recorded");
    assert_eq!(event["details"]["reason"], "reported as exposed");
    assert_eq!(event["actor"], "anonymous");

    let fresh = app.issue_key(&account).await;
    let account_view: Value = app
        .get_bearer("/api/account", &fresh)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        account_view["api_key_revoked_at"].is_null(),
        "a new key clears the notice"
    );
}

#[tokio::test]
async fn unknown_or_malformed_keys_get_the_same_answer_and_revoke_nothing() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let (_, valid_answer) = report(&app, &app.issue_key(&app.create_account().await).await).await;
    let unknown = server::domain::api_key::ApiKey::generate()
        .expose()
        .to_owned();
    let mut typo = key.clone();
    typo.replace_range(10..11, if &key[10..11] == "a" { "b" } else { "a" });
    for reported in [
        unknown.as_str(),
        typo.as_str(),
        "nbg_short",
        "",
        "not a key at all",
    ] {
        let (status, body) = report(&app, reported).await;
        assert_eq!(
            (status, &body),
            (StatusCode::ACCEPTED, &valid_answer),
            "{reported:?}"
        );
    }
    assert_eq!(
        app.get_bearer("/api/databases", &key).await.status(),
        StatusCode::OK,
        "nothing was revoked"
    );
}

#[tokio::test]
async fn reports_are_limited_per_ip() {
    let mut settings = test_settings();
    settings.ip_rate_limit_per_minute = NonZeroU32::new(3).unwrap();
    let app = spawn_app_with(settings).await;
    for _ in 0..3 {
        assert_eq!(report(&app, "nbg_guess").await.0, StatusCode::ACCEPTED);
    }
    let (status, body) = report(&app, "nbg_guess").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "rate_limited");
}
