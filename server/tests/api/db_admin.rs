//! Creating, inspecting and dropping databases through the API, checked in MariaDB itself.
use crate::helpers::{error_code, spawn_app};
use app::names::DatabaseName;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn create_show_and_drop_a_database() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let name = format!("{}_shop", account.prefix);

    let created = app
        .send_json(
            Method::POST,
            "/api/databases",
            &key,
            json!({ "name": name }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: serde_json::Value = created.json().await.unwrap();
    let default_collation: String = sqlx::query_scalar(
        "SELECT DEFAULT_COLLATE_NAME FROM information_schema.CHARACTER_SETS WHERE CHARACTER_SET_NAME = 'utf8mb4'",
    )
    .fetch_one(&app.state.mysql)
    .await
    .unwrap();
    assert_eq!(
        body,
        json!({ "name": name, "size_bytes": 0, "tables": 0, "charset": "utf8mb4", "collation": default_collation })
    );
    assert!(app.database_exists(&name).await);

    let again = app
        .send_json(
            Method::POST,
            "/api/databases",
            &key,
            json!({ "name": name }),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    sqlx::query(&format!(
        "CREATE TABLE `{name}`.orders (id INT PRIMARY KEY)"
    ))
    .execute(&app.state.mysql)
    .await
    .unwrap();
    let detail: serde_json::Value = app
        .get_bearer(&format!("/api/databases/{name}"), &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["name"], name);
    assert_eq!(detail["tables"], 1);
    assert_eq!(detail["users"], json!([]));
    assert_eq!(detail["table_list"][0]["name"], "orders");

    let dropped = app
        .delete_bearer(&format!("/api/databases/{name}"), &key)
        .await;
    assert_eq!(dropped.status(), StatusCode::NO_CONTENT);
    assert!(!app.database_exists(&name).await);
    let gone = app
        .get_bearer(&format!("/api/databases/{name}"), &key)
        .await;
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
    assert_eq!(
        (body["charset"].as_str(), body["collation"].as_str()),
        (Some("latin1"), Some("latin1_swedish_ci"))
    );

    let cases = [
        json!({ "name": format!("{p}_a"), "charset": "klingon" }),
        json!({ "name": format!("{p}_b"), "charset": "utf8mb4", "collation": "latin1_swedish_ci" }),
        json!({ "name": format!("{p}_c"), "charset": "utf8mb4; DROP DATABASE x" }),
        json!({ "name": format!("{p}_d"), "collation": "utf8mb4_bin`" }),
    ];
    for case in cases {
        let response = app
            .send_json(Method::POST, "/api/databases", &key, case.clone())
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case}"
        );
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
        let db = app
            .send_json(
                Method::POST,
                "/api/databases",
                &key,
                json!({ "name": name }),
            )
            .await;
        assert_eq!(
            db.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "database {name:?}"
        );
        assert_eq!(error_code(db).await, "validation_failed");
        let user = app
            .send_json(Method::POST, "/api/users", &key, json!({ "name": name }))
            .await;
        assert_eq!(
            user.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "user {name:?}"
        );
    }
    let long_user = app
        .send_json(
            Method::POST,
            "/api/users",
            &key,
            json!({ "name": format!("{p}_{}", "a".repeat(32)) }),
        )
        .await;
    assert_eq!(long_user.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let message = app
        .send_json(
            Method::POST,
            "/api/databases",
            &key,
            json!({ "name": "shop" }),
        )
        .await;
    let body: serde_json::Value = message.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        format!("Database names must start with {p}_.")
    );
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
    let wrong_type = app
        .send_json(Method::POST, "/api/databases", &key, json!({ "name": 42 }))
        .await;
    assert_eq!(wrong_type.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let no_type = app
        .client
        .post(app.url("/api/databases"))
        .bearer_auth(&key)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(no_type.status(), StatusCode::BAD_REQUEST);
}

/// Weakness 7: grants name the database as a pattern with every `_` escaped (`acme\_shop`), which
/// MariaDB stores in 64 characters. The longest accepted name fills exactly 64 once escaped, and
/// a grant on it names exactly it; one character more is a clear 422 and creates nothing.
#[tokio::test]
async fn the_longest_name_whose_grant_pattern_fits_is_created_and_granted() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let p = &account.prefix;
    // Plenty of `_`, each counted twice, then letters up to exactly 64.
    let mut longest = format!("{p}_x");
    while DatabaseName::pattern_len(&longest) + 3 <= 64 {
        longest.push_str("_y");
    }
    while DatabaseName::pattern_len(&longest) < 64 {
        longest.push('z');
    }
    assert_eq!(DatabaseName::pattern_len(&longest), 64);

    let too_long = format!("{longest}z");
    let refused = app
        .send_json(
            Method::POST,
            "/api/databases",
            &key,
            json!({ "name": too_long }),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "validation_failed");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("once each _ is counted twice"),
        "{body}"
    );
    assert!(!app.database_exists(&too_long).await);

    let created = app
        .send_json(
            Method::POST,
            "/api/databases",
            &key,
            json!({ "name": longest }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let user = format!("{p}_app");
    let made = app
        .send_json(Method::POST, "/api/users", &key, json!({ "name": user }))
        .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let granted = app
        .send_json(
            Method::PUT,
            &format!("/api/users/{user}/privileges/{longest}"),
            &key,
            json!({ "privileges": ["SELECT"] }),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::OK);
    let escaped = longest.replace('_', "\\_");
    assert_eq!(escaped.len(), 64);
    let grants = app.show_grants(&user).await;
    assert!(
        grants.contains(&format!("GRANT SELECT ON `{escaped}`.* TO")),
        "{grants}"
    );
    assert_eq!(app.footprint(p).await.0, vec![longest]);
}
