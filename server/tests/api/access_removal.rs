//! Weakness 9: taking access away ends the sessions it admitted, now — not at their next login.
use crate::helpers::{TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::MySqlConnection;

const PASSWORD: &str = "removal password";

/// An account with a database, a user holding SELECT and INSERT on it, and a whitelist entry for
/// `remote`; returns (key, database, user, entry id).
async fn setup(app: &TestApp, remote: &str) -> (String, String, String, i64) {
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let (db, user) = (
        format!("{}_shop", account.prefix),
        format!("{}_app", account.prefix),
    );
    app.send_json(Method::POST, "/api/databases", &key, json!({ "name": db }))
        .await;
    sqlx::query(&format!("CREATE TABLE `{db}`.t (id INT PRIMARY KEY)"))
        .execute(&app.state.mysql)
        .await
        .unwrap();
    app.send_json(
        Method::POST,
        "/api/users",
        &key,
        json!({ "name": user, "password": PASSWORD }),
    )
    .await;
    let path = format!("/api/users/{user}/privileges/{db}");
    assert_eq!(
        app.send_json(
            Method::PUT,
            &path,
            &key,
            json!({ "privileges": ["SELECT", "INSERT"] })
        )
        .await
        .status(),
        StatusCode::OK
    );
    let entry = app
        .send_json(
            Method::POST,
            "/api/whitelist",
            &key,
            json!({ "host": remote }),
        )
        .await;
    assert_eq!(entry.status(), StatusCode::CREATED);
    let id = entry.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    (key, db, user, id)
}

/// A session over the socket and one from the whitelisted address, both working.
async fn sessions(app: &TestApp, remote: &str, user: &str) -> (MySqlConnection, MySqlConnection) {
    let mut local = app
        .connect_as(user, PASSWORD)
        .await
        .expect("socket session");
    let mut far = app
        .connect_from(remote, user, PASSWORD)
        .await
        .expect("remote session");
    assert!(alive(&mut local).await && alive(&mut far).await);
    (local, far)
}

/// Whether the session still answers (a query that needs no privilege at all).
async fn alive(conn: &mut MySqlConnection) -> bool {
    sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(conn)
        .await
        .is_ok()
}

#[tokio::test]
async fn removing_a_whitelist_entry_ends_the_sessions_from_that_host() {
    let app = spawn_app().await;
    let remote = "127.0.9.1";
    let (key, _, user, id) = setup(&app, remote).await;
    let (mut local, mut far) = sessions(&app, remote, &user).await;
    assert_eq!(
        app.delete_bearer(&format!("/api/whitelist/{id}"), &key)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert!(
        !alive(&mut far).await,
        "the session from the removed host is gone"
    );
    assert!(
        alive(&mut local).await,
        "the socket session is not affected"
    );
}

#[tokio::test]
async fn narrowing_or_revoking_privileges_ends_the_users_sessions() {
    let app = spawn_app().await;
    let remote = "127.0.9.2";
    let (key, db, user, _) = setup(&app, remote).await;
    let path = format!("/api/users/{user}/privileges/{db}");

    let (mut local, mut far) = sessions(&app, remote, &user).await;
    assert_eq!(
        app.send_json(
            Method::PUT,
            &path,
            &key,
            json!({ "privileges": ["SELECT", "INSERT", "UPDATE"] })
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert!(
        alive(&mut local).await && alive(&mut far).await,
        "widening takes nothing away"
    );
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
    assert!(
        !alive(&mut local).await && !alive(&mut far).await,
        "narrowing ends every session"
    );

    let (mut local, mut far) = sessions(&app, remote, &user).await;
    assert_eq!(
        app.delete_bearer(&path, &key).await.status(),
        StatusCode::NO_CONTENT
    );
    assert!(
        !alive(&mut local).await && !alive(&mut far).await,
        "revoking ends every session"
    );
}

#[tokio::test]
async fn deleting_a_user_ends_its_sessions() {
    let app = spawn_app().await;
    let remote = "127.0.9.3";
    let (key, _, user, _) = setup(&app, remote).await;
    let (mut local, mut far) = sessions(&app, remote, &user).await;
    assert_eq!(
        app.delete_bearer(&format!("/api/users/{user}"), &key)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert!(!alive(&mut local).await && !alive(&mut far).await);
}
