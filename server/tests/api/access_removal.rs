//! Weakness 9: taking access away ends the sessions it admitted, now — not at their next login.
use crate::helpers::{TestApp, privileges, spawn_app};
use reqwest::StatusCode;
use sqlx::MySqlConnection;
use types::model::{CreateDatabase, CreateUser, NewWhitelistEntry};

const PASSWORD: &str = "removal password";

/// An account with a database, a user holding SELECT and INSERT on it, and a whitelist entry for
/// `remote`; returns (key, database, user, entry id).
async fn setup(app: &TestApp, remote: &str) -> (String, String, String, i64) {
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    let (db, user) = (
        format!("{}_shop", account.prefix),
        format!("{}_app", account.prefix),
    );
    api.create_database(&CreateDatabase::named(db.clone()))
        .await
        .expect("the database");
    sqlx::query(&format!("CREATE TABLE `{db}`.t (id INT PRIMARY KEY)"))
        .execute(&app.state.mysql)
        .await
        .unwrap();
    api.create_user(&CreateUser {
        name: user.clone(),
        password: Some(PASSWORD.to_owned()),
    })
    .await
    .expect("the user");
    let granted = api
        .set_privileges(&user, &db, &privileges(&["SELECT", "INSERT"]))
        .await
        .expect("granted");
    assert_eq!(granted.status, StatusCode::OK);
    let entry = api
        .add_whitelist_entry(&NewWhitelistEntry {
            host: remote.to_owned(),
            note: None,
        })
        .await
        .expect("the whitelist entry");
    assert_eq!(entry.status, StatusCode::CREATED);
    (key, db, user, entry.value.id)
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
        app.api(&key).remove_whitelist_entry(id).await,
        Ok(StatusCode::NO_CONTENT)
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
    let api = app.api(&key);

    let (mut local, mut far) = sessions(&app, remote, &user).await;
    let widened = api
        .set_privileges(&user, &db, &privileges(&["SELECT", "INSERT", "UPDATE"]))
        .await
        .expect("widened");
    assert_eq!(widened.status, StatusCode::OK);
    assert!(
        alive(&mut local).await && alive(&mut far).await,
        "widening takes nothing away"
    );
    let narrowed = api
        .set_privileges(&user, &db, &privileges(&["SELECT"]))
        .await
        .expect("narrowed");
    assert_eq!(narrowed.status, StatusCode::OK);
    assert!(
        !alive(&mut local).await && !alive(&mut far).await,
        "narrowing ends every session"
    );

    let (mut local, mut far) = sessions(&app, remote, &user).await;
    assert_eq!(
        api.revoke_privileges(&user, &db).await,
        Ok(StatusCode::NO_CONTENT)
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
        app.api(&key).delete_user(&user).await,
        Ok(StatusCode::NO_CONTENT)
    );
    assert!(!alive(&mut local).await && !alive(&mut far).await);
}
