use crate::helpers::{spawn_app, spawn_app_with_mysql};
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_is_ok_when_both_stores_answer() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["checks"]["mysql"], "ok");
    assert_eq!(body["checks"]["panel_store"], "ok");
}

#[tokio::test]
async fn healthz_names_mysql_when_it_is_down() {
    // Nothing listens on port 1 of loopback.
    let app = spawn_app_with_mysql("mysql://root@127.0.0.1:1").await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"]["mysql"], "down");
    assert_eq!(body["checks"]["panel_store"], "ok");
}

#[tokio::test]
async fn unknown_api_paths_answer_json_404() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/api/nope")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(crate::helpers::error_code(response).await, "not_found");
}

#[tokio::test]
async fn the_openapi_document_lists_the_endpoints() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/account", "/api/databases"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} missing");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn unsupported_methods_answer_405_with_allow_and_the_error_shape() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    for (method, path, allowed) in [
        ("TRACE", "/api/account", "GET,HEAD"),
        ("PATCH", "/api/databases", "GET,HEAD,POST"),
        ("PUT", "/api/whitelist/1", "DELETE"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let allow = response
            .headers()
            .get(reqwest::header::ALLOW)
            .map(|v| v.to_str().unwrap().replace(' ', ""));
        assert_eq!(allow.as_deref(), Some(allowed), "{method} {path}");
        assert_eq!(
            crate::helpers::error_code(response).await,
            "method_not_allowed",
            "{method} {path}"
        );
    }
}
