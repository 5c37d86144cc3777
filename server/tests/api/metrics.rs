//! Issue 13 (part): `/metrics` in Prometheus' text format, only for a scraper with the token.
use crate::helpers::{spawn_app, spawn_app_with, test_settings};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn there_is_no_metrics_endpoint_without_a_token() {
    let app = spawn_app().await;
    assert_eq!(
        app.client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_scraper_with_the_token_sees_requests_key_outcomes_the_pool_and_jobs() {
    let mut settings = test_settings();
    settings.metrics_token = Some("scrape-token-for-tests".into());
    let app = spawn_app_with(settings).await;
    let scrape = |token: Option<&'static str>| {
        let request = app.client.get(app.url("/metrics"));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
    };
    assert_eq!(
        scrape(None).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        scrape(Some("scrape-token-for-test"))
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );

    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    assert_eq!(
        app.get_bearer("/api/databases", &key).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get_bearer("/api/databases", "nbg_not-a-key")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let db = format!("{}_m", account.prefix);
    app.send_json(
        Method::POST,
        "/api/databases",
        &key,
        serde_json::json!({ "name": db }),
    )
    .await;
    let backup: serde_json::Value = app
        .send_json(
            Method::POST,
            &format!("/api/databases/{db}/backups"),
            &key,
            serde_json::json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = backup["id"].as_str().unwrap().to_owned();
    for _ in 0..100 {
        let status: serde_json::Value = app
            .get_bearer(&format!("/api/backups/{id}"), &key)
            .await
            .json()
            .await
            .unwrap();
        if status["status"] == "completed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let response = scrape(Some("scrape-token-for-tests")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    for expected in [
        r#"nobregas_http_request_duration_seconds_count{route="/api/databases",method="GET",status="200"} 1"#,
        r#"nobregas_http_request_duration_seconds_count{route="/api/databases",method="GET",status="401"} 1"#,
        r#"nobregas_http_request_duration_seconds_count{route="/api/databases/{name}/backups",method="POST",status="202"} 1"#,
        r#"nobregas_api_key_authentications_total{outcome="rejected"} 1"#,
        r#"nobregas_mysql_pool_connections{server="default",state="idle"}"#,
        r#"nobregas_jobs_total{kind="backup",status="completed"} 1"#,
    ] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }
    assert!(
        !text.contains(&key) && !text.contains(&account.prefix),
        "no secrets or tenant names in labels"
    );
    assert!(text.contains("nobregas_api_key_authentications_total{outcome=\"accepted\"}"));

    // Each server's use, from the maintenance loop's measurement (its first pass runs at start).
    let mut text = text;
    for _ in 0..100 {
        if text.contains(r#"nobregas_server_storage_bytes{server="default"}"#) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        text = scrape(Some("scrape-token-for-tests"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    }
    for expected in [
        r#"nobregas_server_storage_bytes{server="default"}"#,
        r#"nobregas_server_databases{server="default"}"#,
    ] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }
}
