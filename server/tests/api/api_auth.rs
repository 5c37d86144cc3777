//! The Bearer auth matrix on `/api/*`.
use crate::helpers::{error_code, spawn_app};
use reqwest::StatusCode;
use server::services::api_keys;

#[tokio::test]
async fn the_auth_matrix_holds() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let revoked = app.issue_key(&account).await;
    let valid = app.issue_key(&account).await;
    let mut bad_checksum = valid.clone().into_bytes();
    bad_checksum[8] = if bad_checksum[8] == b'A' { b'B' } else { b'A' };
    let bad_checksum = String::from_utf8(bad_checksum).unwrap();

    let unauthorized: Vec<(&str, Option<String>)> = vec![
        ("none", None),
        ("malformed", Some("Bearer not-a-key".into())),
        ("bad checksum", Some(format!("Bearer {bad_checksum}"))),
        ("revoked", Some(format!("Bearer {revoked}"))),
        ("wrong scheme", Some(format!("Basic {valid}"))),
        ("empty", Some("Bearer ".into())),
    ];
    for (case, header) in unauthorized {
        let mut request = app.client.get(app.url("/api/databases"));
        if let Some(header) = header {
            request = request.header("authorization", header);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer", "{case}");
        assert_eq!(error_code(response).await, "unauthorized", "{case}");
    }

    for scheme in ["Bearer", "bearer", "BEARER"] {
        let response = app
            .client
            .get(app.url("/api/databases"))
            .header("authorization", format!("{scheme} {valid}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{scheme}");
    }
}

#[tokio::test]
async fn a_key_in_the_query_string_is_not_accepted() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    for param in ["api_key", "access_token", "key", "token"] {
        let response = app
            .client
            .get(app.url(&format!("/api/databases?{param}={key}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{param}");
    }
}

#[tokio::test]
async fn malformed_keys_are_rejected_without_a_database_lookup() {
    let app = spawn_app().await;
    // With the store closed, any lookup would fail as "unavailable"; format errors must still be 401.
    app.state.store.close().await;
    for garbage in ["nope", "nbg_short", &format!("nbg_{}", "A".repeat(36))] {
        let err = api_keys::authenticate(&app.state.store, &app.state.store_cache, garbage, None)
            .await
            .err()
            .unwrap();
        assert_eq!(err.code.as_str(), "unauthorized", "{garbage}");
    }
}

#[tokio::test]
async fn regeneration_kills_the_old_key_at_once() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let old = app.issue_key(&account).await;
    assert_eq!(
        app.get_bearer("/api/databases", &old).await.status(),
        StatusCode::OK
    );
    let new = app.issue_key(&account).await;
    assert_eq!(
        app.get_bearer("/api/databases", &old).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get_bearer("/api/databases", &new).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn concurrent_regenerations_leave_exactly_one_valid_key() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let cookie = app.sign_in(&account).await;
    let requests: Vec<_> = (0..8)
        .map(|_| {
            tokio::spawn(
                app.rpc_json("regenerate_api_key", &cookie, &serde_json::json!({}))
                    .send(),
            )
        })
        .collect();
    let mut keys = Vec::new();
    for request in requests {
        let response = request.await.unwrap().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: serde_json::Value = response.json().await.unwrap();
        keys.push(body["key"].as_str().unwrap().to_owned());
    }
    let mut valid = 0;
    for key in &keys {
        if app.get_bearer("/api/account", key).await.status() == StatusCode::OK {
            valid += 1;
        }
    }
    assert_eq!(
        valid, 1,
        "exactly one of the concurrently issued keys must work"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE account_id = ?")
        .bind(account.id)
        .fetch_one(&app.state.store)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn last_used_is_recorded_with_the_callers_address() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let before: serde_json::Value = app
        .get_bearer("/api/account", &key)
        .await
        .json()
        .await
        .unwrap();
    // The first use is recorded (at most once a minute afterwards).
    let after: serde_json::Value = app
        .get_bearer("/api/account", &key)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        before["api_key"]["last_used_at"].is_string()
            || after["api_key"]["last_used_at"].is_string()
    );
    assert_eq!(after["api_key"]["last_used_ip"], "127.0.0.1");
}

/// Keys are cached in memory (issue 10): a key regenerated by the operator's CLI — another
/// process, writing the store directly — must still fail on the very next request, however warm
/// the cache is; the new key works at once.
#[tokio::test]
async fn a_key_regenerated_by_the_cli_fails_on_the_very_next_request() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let mut key = app.issue_key(&account).await;
    for round in 0..5 {
        for _ in 0..20 {
            let warm = app.get_bearer("/api/account", &key).await;
            assert_eq!(warm.status(), StatusCode::OK, "round {round}");
        }
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
            .args(["key", "regenerate", "--email", &account.email])
            .env("NOBREGAS_DATA_DIR", &app.data_dir)
            .envs(app.store_env())
            .env("NOBREGAS_MYSQL_URL", crate::helpers::mysql_url())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let new_key = String::from_utf8(output.stdout).unwrap().trim().to_owned();
        let old = app.get_bearer("/api/account", &key).await;
        assert_eq!(
            old.status(),
            StatusCode::UNAUTHORIZED,
            "round {round}: the old key still worked after the CLI regenerated"
        );
        assert_eq!(
            app.get_bearer("/api/account", &new_key).await.status(),
            StatusCode::OK,
            "round {round}"
        );
        key = new_key;
    }
    // And in-process: the Profile page's regeneration goes through the pool.
    let in_process = app.issue_key(&account).await;
    assert_eq!(
        app.get_bearer("/api/account", &key).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get_bearer("/api/account", &in_process).await.status(),
        StatusCode::OK
    );
}
