//! Two tenants: every endpoint, called by one on the other's resources, is 404 and changes nothing.
use crate::helpers::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn another_tenant_gets_404_everywhere_and_nothing_changes() {
    let app = spawn_app().await;
    let (alice, mallory) = (app.create_account().await, app.create_account().await);
    let (alice_key, mallory_key) = (app.issue_key(&alice).await, app.issue_key(&mallory).await);
    let (db, user) = (
        format!("{}_shop", alice.prefix),
        format!("{}_app", alice.prefix),
    );
    let mallory_db = format!("{}_mine", mallory.prefix);
    app.send_json(
        Method::POST,
        "/api/databases",
        &alice_key,
        json!({ "name": db }),
    )
    .await;
    app.send_json(
        Method::POST,
        "/api/users",
        &alice_key,
        json!({ "name": user, "password": "alice's password" }),
    )
    .await;
    app.send_json(
        Method::PUT,
        &format!("/api/users/{user}/privileges/{db}"),
        &alice_key,
        json!({ "privileges": ["SELECT"] }),
    )
    .await;
    app.send_json(
        Method::POST,
        "/api/databases",
        &mallory_key,
        json!({ "name": mallory_db }),
    )
    .await;
    let before = (
        app.footprint(&alice.prefix).await,
        app.show_grants(&user).await,
    );

    let not_found: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, format!("/api/databases/{db}"), None),
        (Method::DELETE, format!("/api/databases/{db}"), None),
        (Method::DELETE, format!("/api/users/{user}"), None),
        (
            Method::PUT,
            format!("/api/users/{user}/password"),
            Some(json!({ "password": "mallory was here!" })),
        ),
        (
            Method::PUT,
            format!("/api/users/{user}/privileges/{db}"),
            Some(json!({ "privileges": ["ALL"] })),
        ),
        (
            Method::DELETE,
            format!("/api/users/{user}/privileges/{db}"),
            None,
        ),
        // Mixed: Mallory's database, Alice's user, and the other way round.
        (
            Method::PUT,
            format!("/api/users/{user}/privileges/{mallory_db}"),
            Some(json!({ "privileges": ["SELECT"] })),
        ),
        (
            Method::PUT,
            format!("/api/users/{}_none/privileges/{db}", mallory.prefix),
            Some(json!({ "privileges": ["SELECT"] })),
        ),
        (Method::GET, "/api/databases/mysql".to_owned(), None),
        (
            Method::DELETE,
            "/api/databases/information_schema".to_owned(),
            None,
        ),
    ];
    for (method, path, body) in not_found {
        let mut request = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&mallory_key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
        let text = response.text().await.unwrap();
        assert!(text.contains("\"not_found\""), "{method} {path}: {text}");
    }
    for (path, name) in [("/api/databases", &db), ("/api/users", &user)] {
        let response = app
            .send_json(Method::POST, path, &mallory_key, json!({ "name": name }))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}"
        );
    }
    let lists = [("/api/databases", "databases"), ("/api/users", "users")];
    for (path, field) in lists {
        let body: serde_json::Value = app
            .get_bearer(path, &mallory_key)
            .await
            .json()
            .await
            .unwrap();
        assert!(
            !body[field].to_string().contains(&alice.prefix),
            "{path} leaks: {body}"
        );
    }
    assert_eq!(
        (
            app.footprint(&alice.prefix).await,
            app.show_grants(&user).await
        ),
        before
    );
    app.connect_as(&user, "alice's password")
        .await
        .expect("Alice's user is untouched");
}

/// A grant on `p_s_p` written unescaped would also open `pxs_p`, a database of tenant `pxs`.
#[tokio::test]
async fn grants_do_not_leak_through_wildcards() {
    let app = spawn_app().await;
    let alice = app.create_account().await; // 12-character prefix: room for "xs" within 16
    let neighbour = app
        .create_account_with_prefix(&format!("{}xs", alice.prefix))
        .await;
    let (alice_key, neighbour_key) = (app.issue_key(&alice).await, app.issue_key(&neighbour).await);
    let (db, user, password) = (
        format!("{}_s_p", alice.prefix),
        format!("{}_u", alice.prefix),
        "alice's password",
    );
    let victim = format!("{}_p", neighbour.prefix);
    assert_eq!(victim, format!("{}xs_p", alice.prefix));
    for (key, name) in [(&alice_key, &db), (&neighbour_key, &victim)] {
        let created = app
            .send_json(Method::POST, "/api/databases", key, json!({ "name": name }))
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        sqlx::query(&format!("CREATE TABLE `{name}`.secrets (v INT)"))
            .execute(&app.state.mysql)
            .await
            .unwrap();
    }
    app.send_json(
        Method::POST,
        "/api/users",
        &alice_key,
        json!({ "name": user, "password": password }),
    )
    .await;
    let granted = app
        .send_json(
            Method::PUT,
            &format!("/api/users/{user}/privileges/{db}"),
            &alice_key,
            json!({ "privileges": ["ALL"] }),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::OK);

    let mut conn = app.connect_as(&user, password).await.unwrap();
    sqlx::query(&format!("SELECT * FROM `{db}`.secrets"))
        .fetch_all(&mut conn)
        .await
        .expect("own database readable");
    let stolen = sqlx::query(&format!("SELECT * FROM `{victim}`.secrets"))
        .fetch_all(&mut conn)
        .await;
    assert!(stolen.is_err(), "the neighbour's database must stay closed");
    let visible: Vec<String> = sqlx::query_scalar("SHOW DATABASES")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(!visible.contains(&victim), "{visible:?}");
}
