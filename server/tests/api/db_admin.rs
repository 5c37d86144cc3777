//! Creating, inspecting and dropping databases through the API, checked in MariaDB itself.
use crate::helpers::{error_code, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn create_show_and_drop_a_database() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let name = format!("{}_shop", account.prefix);

    let created = app.send_json(Method::POST, "/api/databases", &key, json!({ "name": name })).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: serde_json::Value = created.json().await.unwrap();
    let default_collation: String = sqlx::query_scalar(
        "SELECT DEFAULT_COLLATE_NAME FROM information_schema.CHARACTER_SETS WHERE CHARACTER_SET_NAME = 'utf8mb4'",
    )
    .fetch_one(&app.state.mysql)
    .await
    .unwrap();
    assert_eq!(body, json!({ "name": name, "size_bytes": 0, "tables": 0, "charset": "utf8mb4", "collation": default_collation }));
    assert!(app.database_exists(&name).await);

    let again = app.send_json(Method::POST, "/api/databases", &key, json!({ "name": name })).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    sqlx::query(&format!("CREATE TABLE `{name}`.orders (id INT PRIMARY KEY)")).execute(&app.state.mysql).await.unwrap();
    let detail: serde_json::Value = app.get_bearer(&format!("/api/databases/{name}"), &key).await.json().await.unwrap();
    assert_eq!(detail["name"], name);
    assert_eq!(detail["tables"], 1);
    assert_eq!(detail["users"], json!([]));
    assert_eq!(detail["table_list"][0]["name"], "orders");

    let dropped = app.delete_bearer(&format!("/api/databases/{name}"), &key).await;
    assert_eq!(dropped.status(), StatusCode::NO_CONTENT);
    assert!(!app.database_exists(&name).await);
    let gone = app.get_bearer(&format!("/api/databases/{name}"), &key).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn charset_and_collation_are_checked_against_the_server() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let p = &account.prefix;
    let latin = app
        .send_json(Method::POST, "/api/databases", &key, json!({ "name": format!("{p}_latin"), "charset": "latin1", "collation": "latin1_swedish_ci" }))
        .await;
    assert_eq!(latin.status(), StatusCode::CREATED);
    let body: serde_json::Value = latin.json().await.unwrap();
    assert_eq!((body["charset"].as_str(), body["collation"].as_str()), (Some("latin1"), Some("latin1_swedish_ci")));

    let cases = [
        json!({ "name": format!("{p}_a"), "charset": "klingon" }),
        json!({ "name": format!("{p}_b"), "charset": "utf8mb4", "collation": "latin1_swedish_ci" }),
        json!({ "name": format!("{p}_c"), "charset": "utf8mb4; DROP DATABASE x" }),
        json!({ "name": format!("{p}_d"), "collation": "utf8mb4_bin`" }),
    ];
    for case in cases {
        let response = app.send_json(Method::POST, "/api/databases", &key, case.clone()).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{case}");
    }
    assert_eq!(app.footprint(p).await.0, vec![format!("{p}_latin")]);
}

/// Quotes, backticks, wildcards, spaces, unicode, NUL, too long, other prefixes, system schemas.
#[tokio::test]
async fn bad_names_are_refused_and_nothing_is_created() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let p = account.prefix.clone();
    let corpus = vec![
        String::new(),
        p.clone(),
        format!("{p}_"),
        format!("{p}_a'b"),
        format!("{p}_a`b"),
        format!("{p}_a\"b"),
        format!("{p}_a%"),
        format!("{p}_a b"),
        format!("{p}_ä"),
        format!("{p}_a\u{0}b"),
        format!("{p}_a;DROP DATABASE mysql"),
        format!("{p}_A"),
        format!("{p}_{}", "a".repeat(64)),
        "other_shop".to_owned(),
        format!("{p}x_shop"),
        "mysql".to_owned(),
        "information_schema".to_owned(),
    ];
    for name in &corpus {
        let db = app.send_json(Method::POST, "/api/databases", &key, json!({ "name": name })).await;
        assert_eq!(db.status(), StatusCode::UNPROCESSABLE_ENTITY, "database {name:?}");
        assert_eq!(error_code(db).await, "validation_failed");
        let user = app.send_json(Method::POST, "/api/users", &key, json!({ "name": name })).await;
        assert_eq!(user.status(), StatusCode::UNPROCESSABLE_ENTITY, "user {name:?}");
    }
    let long_user = app.send_json(Method::POST, "/api/users", &key, json!({ "name": format!("{p}_{}", "a".repeat(32)) })).await;
    assert_eq!(long_user.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let message = app.send_json(Method::POST, "/api/databases", &key, json!({ "name": "shop" })).await;
    let body: serde_json::Value = message.json().await.unwrap();
    assert_eq!(body["error"]["message"], format!("Database names must start with {p}_."));
    let (dbs, users) = app.footprint(&p).await;
    assert!(dbs.is_empty() && users.is_empty(), "{dbs:?} {users:?}");
}

#[tokio::test]
async fn malformed_bodies_get_the_error_shape() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let broken = app
        .client
        .post(app.url("/api/databases"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(broken).await, "bad_request");
    let wrong_type = app.send_json(Method::POST, "/api/databases", &key, json!({ "name": 42 })).await;
    assert_eq!(wrong_type.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let no_type = app.client.post(app.url("/api/databases")).bearer_auth(&key).body("{}").send().await.unwrap();
    assert_eq!(no_type.status(), StatusCode::BAD_REQUEST);
}
