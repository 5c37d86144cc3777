use crate::helpers::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn pages_redirect_to_sign_in_and_back() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/profile")).send().await.unwrap();
    assert!(response.status().is_redirection());
    assert_eq!(response.headers()["location"], "/login?next=/profile");

    let login = app
        .client
        .get(app.url("/login?next=/profile"))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let html = login.text().await.unwrap();
    assert!(
        html.contains("Sign in") && html.contains(r#"value="/profile""#),
        "the form carries next"
    );
}

#[tokio::test]
async fn signed_in_pages_render_without_the_key() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let cookie = app.sign_in(&account).await;
    let response = app
        .client
        .get(app.url("/profile"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    assert!(html.contains("Account menu"));
    assert!(html.contains(&format!("nbg_••••••••{}", &key[key.len() - 4..])));
    assert!(!html.contains(&key));
}
