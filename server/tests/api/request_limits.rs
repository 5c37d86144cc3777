//! Oversized bodies and slow requests end with a clear answer in the API's error shape.
use crate::helpers::{error_code, spawn_app_with, test_settings};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_changes_nothing() {
    let mut settings = test_settings();
    settings.body_limit_bytes = 1024;
    let app = spawn_app_with(settings).await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let name = format!("{}_big", account.prefix);
    let body = json!({ "name": name, "charset": "x".repeat(2000) });
    let response = app
        .send_json(Method::POST, "/api/databases", &key, body)
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(response).await, "payload_too_large");
    assert!(!app.database_exists(&name).await);

    // A chunked body (no Content-Length to refuse up front) is cut at the same size.
    let answer = raw_chunked_post(
        &app.address,
        "/api/databases",
        &key,
        &format!("{{\"name\":\"{}\"}}", "a".repeat(3000)),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("payload_too_large"), "{answer}");
}

/// reqwest always knows the length of what it sends: write the chunked request by hand.
async fn raw_chunked_post(address: &str, path: &str, key: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.as_bytes().chunks(500) {
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .unwrap();
        stream.write_all(chunk).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// A request stuck behind a customer's metadata lock ends at the request deadline with 408.
#[tokio::test]
async fn a_request_past_the_deadline_is_408() {
    let mut settings = test_settings();
    settings.request_timeout = Duration::from_secs(1);
    let app = spawn_app_with(settings).await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let db = format!("{}_locked", account.prefix);
    app.send_json(Method::POST, "/api/databases", &key, json!({ "name": db }))
        .await;
    sqlx::query(&format!("CREATE TABLE `{db}`.t (id INT)"))
        .execute(&app.state.mysql)
        .await
        .unwrap();
    let mut holder = app.state.mysql.acquire().await.unwrap();
    sqlx::query("BEGIN").execute(&mut *holder).await.unwrap();
    sqlx::query(&format!("SELECT * FROM `{db}`.t"))
        .execute(&mut *holder)
        .await
        .unwrap();

    let started = Instant::now();
    let response = app
        .delete_bearer(&format!("/api/databases/{db}"), &key)
        .await;
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(error_code(response).await, "request_timeout");
    sqlx::query("ROLLBACK").execute(&mut *holder).await.unwrap();
}
