//! Weakness 2: a customer's open transaction must not hold admin connections for long. Admin
//! statements wait briefly for locks (409) and have a deadline (503); a failed drop keeps grants.
use crate::helpers::{
    TestApp, mysql_url, new_user, refusal_with_message, spawn_app_with, test_settings,
    whitelist_entry,
};
use reqwest::StatusCode;
use server::config::Settings;
use sqlx::{Connection, Executor, MySqlConnection};
use std::time::{Duration, Instant};
use types::model::{CreateDatabase, SetPrivileges};

/// An account with a database holding a table, and a user with SELECT on it.
async fn setup(app: &TestApp) -> (String, String, String) {
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    let (db, user) = (
        format!("{}_locked", account.prefix),
        format!("{}_app", account.prefix),
    );
    let created = api
        .create_database(&CreateDatabase::named(db.clone()))
        .await
        .expect("created");
    assert_eq!(created.status, StatusCode::CREATED);
    sqlx::query(&format!("CREATE TABLE `{db}`.t (id INT PRIMARY KEY)"))
        .execute(&app.state.mysql)
        .await
        .unwrap();
    api.create_user(&new_user(&user, Some("admin pool password")))
        .await
        .expect("the user");
    let grant = api
        .set_privileges(
            &user,
            &db,
            &SetPrivileges {
                privileges: vec!["SELECT".to_owned()],
            },
        )
        .await
        .expect("granted");
    assert_eq!(grant.status, StatusCode::OK);
    (key, db, user)
}

/// A customer's session in an open transaction that has read the table: it holds a metadata lock
/// that DROP DATABASE must wait for.
async fn hold_lock(db: &str) -> MySqlConnection {
    let mut conn = MySqlConnection::connect(&mysql_url()).await.unwrap();
    conn.execute("BEGIN").await.unwrap();
    conn.execute(format!("SELECT COUNT(*) FROM `{db}`.t").as_str())
        .await
        .unwrap();
    conn
}

async fn grant_is_intact(app: &TestApp, user: &str, db: &str) {
    let grants = app.show_grants(user).await;
    assert!(
        grants.contains(&format!("GRANT SELECT ON `{}`.*", db.replace('_', "\\_"))),
        "{grants}"
    );
}

#[tokio::test]
async fn a_drop_waiting_on_a_customer_lock_answers_409_and_changes_nothing() {
    let mut settings = test_settings();
    settings.mysql_lock_wait_timeout = Duration::from_secs(2);
    settings.mysql_statement_deadline = Settings::deadline_for(Duration::from_secs(2));
    let app = spawn_app_with(settings).await;
    let (key, db, user) = setup(&app).await;
    let mut holder = hold_lock(&db).await;

    let api = app.api(&key);
    let started = Instant::now();
    let (dropped, (listed, listed_in)) = tokio::join!(api.delete_database(&db), async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let asked = Instant::now();
        (
            api.list_databases().await.map(|listed| listed.status),
            asked.elapsed(),
        )
    });
    let (status, code, message) = refusal_with_message(dropped);
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered after {:?}",
        started.elapsed()
    );
    assert_eq!(code, "conflict");
    assert!(message.contains("lock"), "{message}");
    assert_eq!(
        listed,
        Ok(StatusCode::OK),
        "the API serves other requests meanwhile"
    );
    assert!(listed_in < Duration::from_secs(1), "{listed_in:?}");
    assert!(
        app.database_exists(&db).await,
        "the database is still there"
    );
    grant_is_intact(&app, &user, &db).await;

    holder.execute("COMMIT").await.unwrap();
    assert_eq!(api.delete_database(&db).await, Ok(StatusCode::NO_CONTENT));
    assert!(!app.database_exists(&db).await);
    assert!(
        !app.show_grants(&user)
            .await
            .contains(&db.replace('_', "\\_")),
        "grants go once the drop succeeded"
    );
}

#[tokio::test]
async fn a_statement_past_its_deadline_is_killed_and_answers_503() {
    let mut settings = test_settings();
    settings.mysql_lock_wait_timeout = Duration::from_secs(60);
    settings.mysql_statement_deadline = Duration::from_secs(2);
    let app = spawn_app_with(settings).await;
    let (key, db, user) = setup(&app).await;
    let mut holder = hold_lock(&db).await;

    let api = app.api(&key);
    let started = Instant::now();
    let (status, code, message) = refusal_with_message(api.delete_database(&db).await);
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered after {:?}",
        started.elapsed()
    );
    assert_eq!(code, "unavailable");
    assert!(message.contains("cancelled"), "{message}");

    let statement = format!("DROP DATABASE `{db}`");
    let still_running = || async {
        let running: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = ?",
        )
        .bind(&statement)
        .fetch_one(&app.state.mysql)
        .await
        .unwrap();
        running > 0
    };
    let mut waited = Duration::ZERO;
    while still_running().await && waited < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += Duration::from_millis(100);
    }
    assert!(
        !still_running().await,
        "the server-side statement was killed, not left waiting"
    );
    assert!(app.database_exists(&db).await);
    grant_is_intact(&app, &user, &db).await;

    holder.execute("COMMIT").await.unwrap();
    assert_eq!(api.delete_database(&db).await, Ok(StatusCode::NO_CONTENT));
}

/// Database users get MAX_USER_CONNECTIONS at every host, and MariaDB enforces it.
#[tokio::test]
async fn database_users_have_a_connection_limit_at_every_host() {
    let mut settings = test_settings();
    settings.max_user_connections = 2;
    let app = spawn_app_with(settings).await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let user = format!("{}_capped", account.prefix);
    let password = "capped user password";
    let api = app.api(&key);
    api.add_whitelist_entry(&whitelist_entry("192.0.2.70", None))
        .await
        .expect("the first whitelist entry");
    let created = api
        .create_user(&new_user(&user, Some(password)))
        .await
        .expect("created");
    assert_eq!(created.status, StatusCode::CREATED);
    api.add_whitelist_entry(&whitelist_entry("192.0.2.71", None))
        .await
        .expect("the second whitelist entry");
    let limits: Vec<(String, i64)> = sqlx::query_as(
        "SELECT CONVERT(Host USING utf8mb4), CAST(max_user_connections AS SIGNED) FROM mysql.user WHERE User = ? ORDER BY Host",
    )
    .bind(&user)
    .fetch_all(&app.state.mysql)
    .await
    .unwrap();
    let hosts = ["127.0.0.1", "192.0.2.70", "192.0.2.71", "::1", "localhost"];
    assert_eq!(
        limits,
        hosts.map(|host| (host.to_owned(), 2)).to_vec(),
        "the loopback accounts too"
    );

    let _first = app.connect_as(&user, password).await.unwrap();
    let _second = app.connect_as(&user, password).await.unwrap();
    assert!(
        app.connect_as(&user, password).await.is_err(),
        "a third session is refused"
    );
}

#[tokio::test]
async fn the_default_connection_limit_is_30() {
    let app = crate::helpers::spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let user = format!("{}_app", account.prefix);
    app.api(&key)
        .create_user(&new_user(&user, None))
        .await
        .expect("the user");
    let limit: i64 = sqlx::query_scalar("SELECT CAST(max_user_connections AS SIGNED) FROM mysql.user WHERE User = ? AND Host = 'localhost'")
        .bind(&user)
        .fetch_one(&app.state.mysql)
        .await
        .unwrap();
    assert_eq!(limit, 30);
}
