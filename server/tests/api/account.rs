use crate::helpers::spawn_app;
use reqwest::StatusCode;
use types::model::Account;

#[tokio::test]
async fn account_shows_email_prefix_and_only_the_masked_key() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let answer = app.api(&key).get_account().await.unwrap();
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        !answer.raw.contains(&key),
        "the full key must never be returned again"
    );
    let body = answer.value;
    assert_eq!(body.email, account.email);
    assert_eq!(body.prefix, account.prefix);
    let api_key = body.api_key.expect("the masked key");
    assert_eq!(
        api_key.masked,
        format!("nbg_••••••••{}", &key[key.len() - 4..])
    );
    assert!(api_key.created_at.ends_with('Z'));
}

#[tokio::test]
async fn a_new_account_has_no_key_until_one_is_generated() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let cookie = app.sign_in(&account).await;
    // A session, not a key: the typed client only sends keys, so the call stays raw.
    let body: Account = app
        .client
        .get(app.url("/api/account"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body.api_key.is_none());
}

#[tokio::test]
async fn each_account_sees_only_itself() {
    let app = spawn_app().await;
    let (alice, bob) = (app.create_account().await, app.create_account().await);
    let (alice_key, bob_key) = (app.issue_key(&alice).await, app.issue_key(&bob).await);
    let seen_by_alice = app.api(&alice_key).get_account().await.unwrap().value;
    let seen_by_bob = app.api(&bob_key).get_account().await.unwrap().value;
    assert_eq!(seen_by_alice.email, alice.email);
    assert_eq!(seen_by_bob.email, bob.email);
}
