//! Database users and privileges through the API, proven by connecting as the user.
use crate::helpers::{TestAccount, TestApp, error_code, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn setup(app: &TestApp) -> (TestAccount, String, String) {
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let db = format!("{}_shop", account.prefix);
    let created = app
        .send_json(Method::POST, "/api/databases", &key, json!({ "name": db }))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    sqlx::query(&format!("CREATE TABLE `{db}`.items (id INT PRIMARY KEY)"))
        .execute(&app.state.mysql)
        .await
        .unwrap();
    sqlx::query(&format!("INSERT INTO `{db}`.items VALUES (1)"))
        .execute(&app.state.mysql)
        .await
        .unwrap();
    (account, key, db)
}

#[tokio::test]
async fn a_generated_password_is_returned_once_and_works() {
    let app = spawn_app().await;
    let (account, key, _) = setup(&app).await;
    let user = format!("{}_app", account.prefix);
    let created = app
        .send_json(Method::POST, "/api/users", &key, json!({ "name": user }))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: serde_json::Value = created.json().await.unwrap();
    assert_eq!(body["name"], user);
    let password = body["password"].as_str().unwrap();
    assert!(password.len() >= 20);
    assert_eq!(app.user_hosts(&user).await, vec!["localhost"]);
    app.connect_as(&user, password)
        .await
        .expect("the new user can connect");

    let duplicate = app
        .send_json(Method::POST, "/api/users", &key, json!({ "name": user }))
        .await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);

    let listed: serde_json::Value = app
        .get_bearer("/api/users", &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed,
        json!({ "users": [{ "name": user, "databases": [] }] })
    );
}

#[tokio::test]
async fn a_chosen_password_is_not_echoed_and_the_policy_holds() {
    let app = spawn_app().await;
    let (account, key, _) = setup(&app).await;
    let user = format!("{}_web", account.prefix);
    let short = app
        .send_json(
            Method::POST,
            "/api/users",
            &key,
            json!({ "name": user, "password": "too short" }),
        )
        .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.all_user_hosts(&user).await.is_empty());

    let password = "it's a \"quoted\" `password` \\ ok";
    let created = app
        .send_json(
            Method::POST,
            "/api/users",
            &key,
            json!({ "name": user, "password": password }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(
        created.json::<serde_json::Value>().await.unwrap(),
        json!({ "name": user })
    );
    app.connect_as(&user, password)
        .await
        .expect("quotes and backslashes survive verbatim");

    let new_password = "a brand new password";
    let changed = app
        .send_json(
            Method::PUT,
            &format!("/api/users/{user}/password"),
            &key,
            json!({ "password": new_password }),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert!(
        app.connect_as(&user, password).await.is_err(),
        "the old password stops working"
    );
    app.connect_as(&user, new_password)
        .await
        .expect("the new password works");

    let bad = app
        .send_json(
            Method::PUT,
            &format!("/api/users/{user}/password"),
            &key,
            json!({ "password": "short" }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.connect_as(&user, new_password)
        .await
        .expect("a refused change changes nothing");

    assert_eq!(
        app.delete_bearer(&format!("/api/users/{user}"), &key)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert!(app.all_user_hosts(&user).await.is_empty());
    assert_eq!(
        app.delete_bearer(&format!("/api/users/{user}"), &key)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn select_grant_allows_reading_and_denies_writing() {
    let app = spawn_app().await;
    let (account, key, db) = setup(&app).await;
    let user = format!("{}_ro", account.prefix);
    let password = "read only password";
    app.send_json(
        Method::POST,
        "/api/users",
        &key,
        json!({ "name": user, "password": password }),
    )
    .await;

    let path = format!("/api/users/{user}/privileges/{db}");
    let granted = app
        .send_json(
            Method::PUT,
            &path,
            &key,
            json!({ "privileges": ["SELECT"] }),
        )
        .await;
    assert_eq!(granted.status(), StatusCode::OK);
    assert_eq!(
        granted.json::<serde_json::Value>().await.unwrap(),
        json!({ "user": user, "database": db, "privileges": ["SELECT"] })
    );
    let grants = app.show_grants(&user).await;
    let escaped = db.replace('_', "\\_");
    assert!(
        grants.contains(&format!("GRANT SELECT ON `{escaped}`.* TO")),
        "{grants}"
    );
    assert!(
        !grants.contains("ON *.*") || grants.contains("GRANT USAGE ON *.*"),
        "{grants}"
    );

    let mut conn = app.connect_as(&user, password).await.unwrap();
    let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM `{db}`.items"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(count, 1);
    let insert = sqlx::query(&format!("INSERT INTO `{db}`.items VALUES (2)"))
        .execute(&mut conn)
        .await;
    assert!(insert.is_err(), "INSERT must be denied");

    let all = app
        .send_json(Method::PUT, &path, &key, json!({ "privileges": ["ALL"] }))
        .await;
    assert_eq!(
        all.json::<serde_json::Value>().await.unwrap()["privileges"]
            .as_array()
            .unwrap()
            .len(),
        18
    );
    let detail: serde_json::Value = app
        .get_bearer(&format!("/api/databases/{db}"), &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["users"][0]["user"], user);
    assert_eq!(
        detail["users"][0]["privileges"].as_array().unwrap().len(),
        18
    );
    assert!(!app.show_grants(&user).await.contains("GRANT OPTION"));

    let narrowed = app
        .send_json(
            Method::PUT,
            &path,
            &key,
            json!({ "privileges": ["select", "show view"] }),
        )
        .await;
    assert_eq!(
        narrowed.json::<serde_json::Value>().await.unwrap()["privileges"],
        json!(["SELECT", "SHOW VIEW"])
    );
    let listed: serde_json::Value = app
        .get_bearer("/api/users", &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["users"][0]["databases"],
        json!([{ "database": db, "privileges": ["SELECT", "SHOW VIEW"] }])
    );

    assert_eq!(
        app.delete_bearer(&path, &key).await.status(),
        StatusCode::NO_CONTENT
    );
    assert!(!app.show_grants(&user).await.contains(&escaped));
}

#[tokio::test]
async fn only_database_level_privileges_can_be_granted() {
    let app = spawn_app().await;
    let (account, key, db) = setup(&app).await;
    let user = format!("{}_x", account.prefix);
    app.send_json(Method::POST, "/api/users", &key, json!({ "name": user }))
        .await;
    let path = format!("/api/users/{user}/privileges/{db}");
    for bad in [
        json!(["FILE"]),
        json!(["SUPER"]),
        json!(["PROCESS"]),
        json!(["GRANT OPTION"]),
        json!(["SELECT", "RELOAD"]),
        json!([]),
    ] {
        let response = app
            .send_json(Method::PUT, &path, &key, json!({ "privileges": bad }))
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(error_code(response).await, "validation_failed");
    }
    assert!(
        !app.show_grants(&user)
            .await
            .contains(&db.replace('_', "\\_")),
        "nothing was granted"
    );
}

#[tokio::test]
async fn dropping_a_database_removes_its_grants() {
    let app = spawn_app().await;
    let (account, key, db) = setup(&app).await;
    let user = format!("{}_g", account.prefix);
    app.send_json(Method::POST, "/api/users", &key, json!({ "name": user }))
        .await;
    app.send_json(
        Method::PUT,
        &format!("/api/users/{user}/privileges/{db}"),
        &key,
        json!({ "privileges": ["SELECT"] }),
    )
    .await;
    assert_eq!(
        app.delete_bearer(&format!("/api/databases/{db}"), &key)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert!(
        !app.show_grants(&user)
            .await
            .contains(&db.replace('_', "\\_")),
        "the grant must not outlive the database"
    );
}

/// Weakness 10: hosts never keep different passwords. A host account whose password drifted gets
/// the hash of 'localhost' back from reconciliation and from the next password change.
#[tokio::test]
async fn a_drifted_host_password_is_repaired() {
    let app = spawn_app().await;
    let (account, key, _) = setup(&app).await;
    let user = format!("{}_drift", account.prefix);
    let (remote, password) = ("127.0.9.4", "the original password");
    app.send_json(
        Method::POST,
        "/api/users",
        &key,
        json!({ "name": user, "password": password }),
    )
    .await;
    assert_eq!(
        app.send_json(
            Method::POST,
            "/api/whitelist",
            &key,
            json!({ "host": remote })
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    let drift = format!("ALTER USER '{user}'@'{remote}' IDENTIFIED BY 'a drifted password'");

    sqlx::query(&drift).execute(&app.state.mysql).await.unwrap();
    assert!(
        app.connect_from(remote, &user, password).await.is_err(),
        "drifted"
    );
    server::services::whitelist::reconcile(&app.state.store, &app.state.fleet)
        .await
        .unwrap();
    app.connect_from(remote, &user, password)
        .await
        .expect("reconciliation copied the hash of 'localhost'");
    assert_eq!(hashes(&app, &user).await.len(), 1);

    sqlx::query(&drift).execute(&app.state.mysql).await.unwrap();
    let new_password = "the new password";
    let changed = app
        .send_json(
            Method::PUT,
            &format!("/api/users/{user}/password"),
            &key,
            json!({ "password": new_password }),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    app.connect_from(remote, &user, new_password)
        .await
        .expect("the new password works from the whitelisted host");
    app.connect_as(&user, new_password)
        .await
        .expect("and locally");
    assert_eq!(hashes(&app, &user).await.len(), 1, "one hash at every host");
}

/// The distinct password hashes a user has across its hosts.
async fn hashes(app: &TestApp, user: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT DISTINCT CONVERT(authentication_string USING utf8mb4) FROM mysql.user WHERE User = ?")
        .bind(user)
        .fetch_all(&app.state.mysql)
        .await
        .unwrap()
}

/// Connects over TCP to 127.0.0.1, as a local application with a `.env` template would.
async fn connect_loopback(
    user: &str,
    password: &str,
) -> Result<sqlx::MySqlConnection, sqlx::Error> {
    use sqlx::ConnectOptions;
    let url: reqwest::Url = crate::helpers::mysql_url().parse().unwrap();
    let port = url.port().unwrap_or(3306);
    sqlx::mysql::MySqlConnectOptions::new()
        .host("127.0.0.1")
        .port(port)
        .username(user)
        .password(password)
        .connect()
        .await
}

#[tokio::test]
async fn loopback_follows_localhost() {
    let app = spawn_app().await;
    let (account, key, db) = setup(&app).await;
    let user = format!("{}_tcp", account.prefix);
    let password = "the first password";
    app.send_json(
        Method::POST,
        "/api/users",
        &key,
        json!({ "name": user, "password": password }),
    )
    .await;
    assert_eq!(
        app.all_user_hosts(&user).await,
        vec!["127.0.0.1", "::1", "localhost"]
    );
    let mut conn = connect_loopback(&user, password)
        .await
        .expect("TCP to 127.0.0.1 works like the socket");
    let read = sqlx::query_scalar::<_, i32>(&format!("SELECT id FROM `{db}`.items"))
        .fetch_one(&mut conn)
        .await;
    assert!(read.is_err(), "no grant yet");
    drop(conn);

    let path = format!("/api/users/{user}/privileges/{db}");
    assert_eq!(
        app.send_json(
            Method::PUT,
            &path,
            &key,
            json!({ "privileges": ["SELECT"] })
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.show_grants_at(&user, "127.0.0.1").await,
        app.show_grants(&user)
            .await
            .replace("`localhost`", "`127.0.0.1`")
    );
    assert_eq!(
        app.show_grants_at(&user, "::1").await,
        app.show_grants(&user).await.replace("`localhost`", "`::1`")
    );
    let mut conn = connect_loopback(&user, password).await.unwrap();
    let id: i32 = sqlx::query_scalar(&format!("SELECT id FROM `{db}`.items"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(id, 1);
    assert!(
        sqlx::query(&format!("INSERT INTO `{db}`.items VALUES (2)"))
            .execute(&mut conn)
            .await
            .is_err(),
        "SELECT only"
    );
    drop(conn);

    let changed = app
        .send_json(
            Method::PUT,
            &format!("/api/users/{user}/password"),
            &key,
            json!({ "password": "the second password" }),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert!(
        connect_loopback(&user, password).await.is_err(),
        "the old password stops working over TCP too"
    );
    connect_loopback(&user, "the second password")
        .await
        .expect("the new one works");

    assert_eq!(
        app.delete_bearer(&path, &key).await.status(),
        StatusCode::NO_CONTENT
    );
    let mut conn = connect_loopback(&user, "the second password")
        .await
        .unwrap();
    assert!(
        sqlx::query(&format!("SELECT id FROM `{db}`.items"))
            .fetch_one(&mut conn)
            .await
            .is_err(),
        "revoked at 127.0.0.1 too"
    );
    drop(conn);

    // Loopback needs no whitelist entry, and removing whitelist entries never touches it.
    for loopback in ["127.0.0.1", "::1"] {
        let entry = app
            .send_json(
                Method::POST,
                "/api/whitelist",
                &key,
                json!({ "host": loopback }),
            )
            .await;
        assert_eq!(entry.status(), StatusCode::CONFLICT, "already allowed");
    }
    server::services::whitelist::reconcile(&app.state.store, &app.state.fleet)
        .await
        .unwrap();
    assert_eq!(
        app.all_user_hosts(&user).await,
        vec!["127.0.0.1", "::1", "localhost"]
    );

    assert_eq!(
        app.delete_bearer(&format!("/api/users/{user}"), &key)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert!(app.all_user_hosts(&user).await.is_empty());
}

#[tokio::test]
async fn users_made_before_loopback_accounts_get_them_at_reconciliation() {
    let app = spawn_app().await;
    let (account, key, _) = setup(&app).await;
    let user = format!("{}_old", account.prefix);
    app.send_json(
        Method::POST,
        "/api/users",
        &key,
        json!({ "name": user, "password": "an older password" }),
    )
    .await;
    for host in ["127.0.0.1", "::1"] {
        sqlx::query(&format!("DROP USER '{user}'@'{host}'"))
            .execute(&app.state.mysql)
            .await
            .unwrap();
    }
    assert!(connect_loopback(&user, "an older password").await.is_err());
    server::services::whitelist::reconcile(&app.state.store, &app.state.fleet)
        .await
        .unwrap();
    connect_loopback(&user, "an older password")
        .await
        .expect("reconciliation made the loopback accounts");
    assert_eq!(
        app.all_user_hosts(&user).await,
        vec!["127.0.0.1", "::1", "localhost"]
    );
}
