use crate::helpers::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn account_shows_email_prefix_and_only_the_masked_key() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let response = app.get_bearer("/api/account", &key).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(
        !text.contains(&key),
        "the full key must never be returned again"
    );
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["email"], account.email);
    assert_eq!(body["prefix"], account.prefix);
    assert_eq!(
        body["api_key"]["masked"],
        format!("nbg_••••••••{}", &key[key.len() - 4..])
    );
    assert!(
        body["api_key"]["created_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
}

#[tokio::test]
async fn a_new_account_has_no_key_until_one_is_generated() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let cookie = app.sign_in(&account).await;
    let body: serde_json::Value = app
        .client
        .get(app.url("/api/account"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["api_key"].is_null());
}

#[tokio::test]
async fn each_account_sees_only_itself() {
    let app = spawn_app().await;
    let (alice, bob) = (app.create_account().await, app.create_account().await);
    let (alice_key, bob_key) = (app.issue_key(&alice).await, app.issue_key(&bob).await);
    let seen_by_alice: serde_json::Value = app
        .get_bearer("/api/account", &alice_key)
        .await
        .json()
        .await
        .unwrap();
    let seen_by_bob: serde_json::Value = app
        .get_bearer("/api/account", &bob_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen_by_alice["email"], alice.email);
    assert_eq!(seen_by_bob["email"], bob.email);
}
