//! The audit log: every security-relevant event, with actor and source, paged, per account.
use crate::helpers::{error_code, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn events(app: &crate::helpers::TestApp, key: &str, query: &str) -> Value {
    let response = app.get_bearer(&format!("/api/audit{query}"), key).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn actions(page: &Value) -> Vec<String> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_change_is_recorded_with_actor_and_source() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let (db, user) = (
        format!("{}_shop", account.prefix),
        format!("{}_app", account.prefix),
    );
    let send = |method, path: String, body| {
        let key = key.clone();
        let app = &app;
        async move { app.send_json(method, &path, &key, body).await.status() }
    };
    assert_eq!(
        send(Method::POST, "/api/databases".into(), json!({ "name": db })).await,
        StatusCode::CREATED
    );
    assert_eq!(
        send(
            Method::POST,
            "/api/users".into(),
            json!({ "name": user, "password": "a long password" })
        )
        .await,
        StatusCode::CREATED
    );
    let privileges = format!("/api/users/{user}/privileges/{db}");
    assert_eq!(
        send(
            Method::PUT,
            privileges.clone(),
            json!({ "privileges": ["SELECT"] })
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        send(
            Method::PUT,
            format!("/api/users/{user}/password"),
            json!({ "password": "another long one" })
        )
        .await,
        StatusCode::NO_CONTENT
    );
    let added = app
        .send_json(
            Method::POST,
            "/api/whitelist",
            &key,
            json!({ "host": "192.0.2.10" }),
        )
        .await;
    let id = added.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(
        app.delete_bearer(&format!("/api/whitelist/{id}"), &key)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete_bearer(&privileges, &key).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete_bearer(&format!("/api/users/{user}"), &key)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete_bearer(&format!("/api/databases/{db}"), &key)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    let page = events(&app, &key, "").await;
    assert_eq!(
        actions(&page),
        [
            "database_deleted",
            "user_deleted",
            "privileges_revoked",
            "whitelist_removed",
            "whitelist_added",
            "user_password_changed",
            "privileges_set",
            "user_created",
            "database_created",
            "api_key_regenerated",
        ]
    );
    let newest = &page["events"][0];
    assert_eq!(newest["details"]["database"], db);
    assert_eq!(newest["source_ip"], "127.0.0.1");
    let actor = newest["actor"].as_str().unwrap();
    assert!(
        actor.starts_with("api_key nbg_") && actor.ends_with(&key[key.len() - 4..]),
        "{actor}"
    );
    assert_eq!(page["events"][3]["details"]["host"], "192.0.2.10");
    assert_eq!(page["events"][6]["details"]["privileges"], "SELECT");
    assert_eq!(page["events"][9]["actor"], "cli");
    assert!(newest["at"].as_str().unwrap().ends_with('Z'));
    let text = page.to_string();
    assert!(
        !text.contains(&key)
            && !text.contains("a long password")
            && !text.contains("another long one"),
        "no secrets"
    );
}

#[tokio::test]
async fn sign_ins_and_sign_outs_are_recorded() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    assert_eq!(
        app.post_login(&account.email, "wrong password", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let cookie = app.sign_in(&account).await;
    assert_eq!(
        app.post_rpc("logout", &cookie).await.status(),
        StatusCode::OK
    );
    let key = app.issue_key(&account).await;
    let page = events(&app, &key, "").await;
    assert_eq!(
        actions(&page),
        [
            "api_key_regenerated",
            "sign_out",
            "sign_in",
            "sign_in_failed"
        ]
    );
    assert_eq!(page["events"][1]["actor"], "session");
    assert_eq!(page["events"][3]["actor"], "anonymous");
    assert_eq!(page["events"][3]["source_ip"], "127.0.0.1");
}

#[tokio::test]
async fn pages_follow_the_cursor_without_overlap_and_stay_in_the_account() {
    let app = spawn_app().await;
    let (ann, bob) = (app.create_account().await, app.create_account().await);
    let bob_key = app.issue_key(&bob).await;
    let mut ann_key = String::new();
    for _ in 0..5 {
        ann_key = app.issue_key(&ann).await;
    }
    let first = events(&app, &ann_key, "?limit=2").await;
    assert_eq!(first["events"].as_array().unwrap().len(), 2);
    let mut seen: Vec<i64> = first["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let mut next = first["next"].as_str().map(str::to_owned);
    while let Some(cursor) = next {
        let page = events(&app, &ann_key, &format!("?limit=2&before={cursor}")).await;
        seen.extend(
            page["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap()),
        );
        next = page["next"].as_str().map(str::to_owned);
    }
    assert_eq!(
        seen.len(),
        5,
        "five regenerations, each seen once: {seen:?}"
    );
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first");

    // Bob sees only his own event, even with Ann's cursor.
    let bobs = events(&app, &bob_key, &format!("?before={}", seen[0] + 1)).await;
    assert_eq!(actions(&bobs), ["api_key_regenerated"]);

    for bad in [
        "?limit=0",
        "?limit=101",
        "?limit=abc",
        "?before=xyz",
        "?before=-1",
    ] {
        let response = app.get_bearer(&format!("/api/audit{bad}"), &ann_key).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(error_code(response).await, "validation_failed");
    }
    assert_eq!(
        app.client
            .get(app.url("/api/audit"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}
