//! Every page carries a strict Content-Security-Policy whose nonce is the one on its inline scripts.
use crate::helpers::spawn_app;
use reqwest::StatusCode;

fn directive<'a>(policy: &'a str, name: &str) -> &'a str {
    policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with(name))
        .unwrap_or_else(|| panic!("no {name} in {policy}"))
}

#[tokio::test]
async fn pages_allow_only_own_scripts_and_this_responses_nonce() {
    let app = spawn_app().await;
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let response = app.client.get(app.url("/login")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        let scripts = directive(&policy, "script-src");
        assert!(
            scripts.contains("'self'") && scripts.contains("'wasm-unsafe-eval'"),
            "{policy}"
        );
        assert!(
            !scripts.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"),
            "{policy}"
        );
        for fixed in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(fixed), "{fixed} missing: {policy}");
        }
        let nonce = scripts
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .expect("a nonce")
            .to_owned();
        let html = response.text().await.unwrap();
        let inline_scripts = html.matches("<script").count();
        assert!(inline_scripts > 0);
        assert_eq!(
            html.matches(&format!("nonce=\"{nonce}\"")).count(),
            html.matches("<script").count(),
            "every script carries it"
        );
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a new nonce for every response");
}

#[tokio::test]
async fn api_answers_allow_nothing_at_all() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/account"))
        .send()
        .await
        .unwrap();
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(
        policy.starts_with("default-src 'none'") && policy.contains("frame-ancestors 'none'"),
        "{policy}"
    );
}
