//! Issue 12: anyone who finds a key can revoke it, without signing in, and learns nothing else.
use crate::helpers::{TestApp, refusal, sent, spawn_app, spawn_app_with, test_settings};
use nobregas_client::Answer;
use reqwest::StatusCode;
use std::num::NonZeroU32;
use types::activity::AuditPage;
use types::model::{Account, RevocationReceived, RevokeKey};

/// Reports `key` as exposed, without a key of one's own.
async fn report(app: &TestApp, key: &str) -> nobregas_client::Result<Answer<RevocationReceived>> {
    let anonymous =
        nobregas_client::Client::new(app.address.parse().unwrap(), None, app.client.clone());
    anonymous
        .revoke_exposed_key(&RevokeKey {
            key: key.to_owned(),
        })
        .await
}

#[tokio::test]
async fn a_reported_key_stops_working_at_once_and_its_owner_is_told() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    assert_eq!(
        api.list_databases().await.unwrap().status,
        StatusCode::OK,
        "cached as valid first"
    );

    let answer = report(&app, &key).await.unwrap();
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    assert!(answer.value.message.contains("no longer works"));
    assert_eq!(
        refusal(api.list_databases().await).0,
        StatusCode::UNAUTHORIZED,
        "the very next request"
    );

    // With the owner's session (the typed client only sends keys, so these calls stay raw).
    let cookie = app.sign_in(&account).await;
    let account_view: Account = app
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
        account_view.api_key.is_none(),
        "the account has no key until its owner issues one"
    );
    assert!(
        account_view
            .api_key_revoked_at
            .as_deref()
            .is_some_and(|at| at.ends_with('Z')),
        "{account_view:?}"
    );
    let audit: AuditPage = app
        .client
        .get(app.url("/api/audit"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let event = audit
        .events
        .iter()
        .find(|e| e.action == "api_key_revoked")
        .expect("recorded");
    assert_eq!(event.details["reason"], "reported as exposed");
    assert_eq!(event.actor, "anonymous");

    let fresh = app.issue_key(&account).await;
    let account_view = app.api(&fresh).get_account().await.unwrap().value;
    assert!(
        account_view.api_key_revoked_at.is_none(),
        "a new key clears the notice"
    );
}

#[tokio::test]
async fn unknown_or_malformed_keys_get_the_same_answer_and_revoke_nothing() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let valid_answer = sent(
        &report(&app, &app.issue_key(&app.create_account().await).await)
            .await
            .unwrap(),
    );
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
        let answer = report(&app, reported).await.unwrap();
        assert_eq!(
            (answer.status, &sent(&answer)),
            (StatusCode::ACCEPTED, &valid_answer),
            "{reported:?}"
        );
    }
    assert_eq!(
        app.api(&key).list_databases().await.unwrap().status,
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
        assert_eq!(
            report(&app, "nbg_guess").await.unwrap().status,
            StatusCode::ACCEPTED
        );
    }
    assert_eq!(
        refusal(report(&app, "nbg_guess").await),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into())
    );
}
