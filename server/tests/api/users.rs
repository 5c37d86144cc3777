//! Database users and privileges through the API, proven by connecting as the user.
use crate::helpers::{TestAccount, TestApp, new_user, privileges, refusal, sent, spawn_app};
use reqwest::StatusCode;
use serde_json::json;
use types::model::{CreateDatabase, NewWhitelistEntry, SetPassword};

fn password(password: &str) -> SetPassword {
    SetPassword {
        password: password.to_owned(),
    }
}

async fn setup(app: &TestApp) -> (TestAccount, String, String) {
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let db = format!("{}_shop", account.prefix);
    assert_eq!(
        app.api(&key)
            .create_database(&CreateDatabase::named(db.clone()))
            .await
            .expect("created")
            .status,
        StatusCode::CREATED
    );
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
    let api = app.api(&key);
    let created = api.create_user(&new_user(&user, None)).await.unwrap();
    assert_eq!(created.status, StatusCode::CREATED);
    let created = created.value;
    assert_eq!(created.name, user);
    let password = created.password.expect("a generated password");
    let password = password.as_str();
    assert!(password.len() >= 20);
    assert_eq!(app.user_hosts(&user).await, vec!["localhost"]);
    app.connect_as(&user, password)
        .await
        .expect("the new user can connect");

    let duplicate = api.create_user(&new_user(&user, None)).await;
    assert_eq!(refusal(duplicate).0, StatusCode::CONFLICT);

    let listed = api.list_users().await.unwrap();
    assert_eq!(
        sent(&listed),
        json!({ "users": [{ "name": user, "databases": [] }] })
    );
}

#[tokio::test]
async fn a_chosen_password_is_not_echoed_and_the_policy_holds() {
    let app = spawn_app().await;
    let (account, key, _) = setup(&app).await;
    let user = format!("{}_web", account.prefix);
    let api = app.api(&key);
    let short = api.create_user(&new_user(&user, Some("too short"))).await;
    assert_eq!(refusal(short).0, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.all_user_hosts(&user).await.is_empty());

    let password = "it's a \"quoted\" `password` \\ ok";
    let created = api
        .create_user(&new_user(&user, Some(password)))
        .await
        .unwrap();
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(sent(&created), json!({ "name": user }));
    app.connect_as(&user, password)
        .await
        .expect("quotes and backslashes survive verbatim");

    let new_password = "a brand new password";
    assert_eq!(
        api.set_user_password(&user, &self::password(new_password))
            .await
            .expect("204"),
        StatusCode::NO_CONTENT
    );
    assert!(
        app.connect_as(&user, password).await.is_err(),
        "the old password stops working"
    );
    app.connect_as(&user, new_password)
        .await
        .expect("the new password works");

    let bad = api.set_user_password(&user, &self::password("short")).await;
    assert_eq!(refusal(bad).0, StatusCode::UNPROCESSABLE_ENTITY);
    app.connect_as(&user, new_password)
        .await
        .expect("a refused change changes nothing");

    assert_eq!(
        api.delete_user(&user).await.expect("204"),
        StatusCode::NO_CONTENT
    );
    assert!(app.all_user_hosts(&user).await.is_empty());
    assert_eq!(
        refusal(api.delete_user(&user).await).0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn select_grant_allows_reading_and_denies_writing() {
    let app = spawn_app().await;
    let (account, key, db) = setup(&app).await;
    let user = format!("{}_ro", account.prefix);
    let password = "read only password";
    let api = app.api(&key);
    api.create_user(&new_user(&user, Some(password)))
        .await
        .unwrap();

    let granted = api
        .set_privileges(&user, &db, &privileges(&["SELECT"]))
        .await
        .unwrap();
    assert_eq!(granted.status, StatusCode::OK);
    assert_eq!(
        sent(&granted),
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

    let all = api
        .set_privileges(&user, &db, &privileges(&["ALL"]))
        .await
        .unwrap()
        .value;
    assert_eq!(all.privileges.len(), 18);
    let detail = api.get_database(&db).await.unwrap().value;
    assert_eq!(detail.users[0].user, user);
    assert_eq!(detail.users[0].privileges.len(), 18);
    assert!(!app.show_grants(&user).await.contains("GRANT OPTION"));

    let narrowed = api
        .set_privileges(&user, &db, &privileges(&["select", "show view"]))
        .await
        .unwrap();
    assert_eq!(
        sent(&narrowed)["privileges"],
        json!(["SELECT", "SHOW VIEW"])
    );
    let listed = api.list_users().await.unwrap();
    assert_eq!(
        sent(&listed)["users"][0]["databases"],
        json!([{ "database": db, "privileges": ["SELECT", "SHOW VIEW"] }])
    );

    assert_eq!(
        api.revoke_privileges(&user, &db).await.expect("204"),
        StatusCode::NO_CONTENT
    );
    assert!(!app.show_grants(&user).await.contains(&escaped));
}

#[tokio::test]
async fn only_database_level_privileges_can_be_granted() {
    let app = spawn_app().await;
    let (account, key, db) = setup(&app).await;
    let user = format!("{}_x", account.prefix);
    let api = app.api(&key);
    api.create_user(&new_user(&user, None)).await.unwrap();
    for bad in [
        &["FILE"][..],
        &["SUPER"],
        &["PROCESS"],
        &["GRANT OPTION"],
        &["SELECT", "RELOAD"],
        &[],
    ] {
        let response = api.set_privileges(&user, &db, &privileges(bad)).await;
        assert_eq!(
            refusal(response),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed".into()),
            "{bad:?}"
        );
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
    let api = app.api(&key);
    api.create_user(&new_user(&user, None)).await.unwrap();
    api.set_privileges(&user, &db, &privileges(&["SELECT"]))
        .await
        .unwrap();
    assert_eq!(
        api.delete_database(&db).await.expect("204"),
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
    let api = app.api(&key);
    api.create_user(&new_user(&user, Some(password)))
        .await
        .unwrap();
    assert_eq!(
        api.add_whitelist_entry(&NewWhitelistEntry {
            host: remote.to_owned(),
            note: None,
        })
        .await
        .expect("201")
        .status,
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
    assert_eq!(
        api.set_user_password(&user, &self::password(new_password))
            .await
            .expect("204"),
        StatusCode::NO_CONTENT
    );
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
    let api = app.api(&key);
    api.create_user(&new_user(&user, Some(password)))
        .await
        .unwrap();
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

    assert_eq!(
        api.set_privileges(&user, &db, &privileges(&["SELECT"]))
            .await
            .expect("200")
            .status,
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

    assert_eq!(
        api.set_user_password(&user, &self::password("the second password"))
            .await
            .expect("204"),
        StatusCode::NO_CONTENT
    );
    assert!(
        connect_loopback(&user, password).await.is_err(),
        "the old password stops working over TCP too"
    );
    connect_loopback(&user, "the second password")
        .await
        .expect("the new one works");

    assert_eq!(
        api.revoke_privileges(&user, &db).await.expect("204"),
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
        let entry = api
            .add_whitelist_entry(&NewWhitelistEntry {
                host: loopback.to_owned(),
                note: None,
            })
            .await;
        assert_eq!(refusal(entry).0, StatusCode::CONFLICT, "already allowed");
    }
    server::services::whitelist::reconcile(&app.state.store, &app.state.fleet)
        .await
        .unwrap();
    assert_eq!(
        app.all_user_hosts(&user).await,
        vec!["127.0.0.1", "::1", "localhost"]
    );

    assert_eq!(
        api.delete_user(&user).await.expect("204"),
        StatusCode::NO_CONTENT
    );
    assert!(app.all_user_hosts(&user).await.is_empty());
}

#[tokio::test]
async fn users_made_before_loopback_accounts_get_them_at_reconciliation() {
    let app = spawn_app().await;
    let (account, key, _) = setup(&app).await;
    let user = format!("{}_old", account.prefix);
    app.api(&key)
        .create_user(&new_user(&user, Some("an older password")))
        .await
        .unwrap();
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

/// Issue 24, item 7: reconciliation reads each server's users and grants at once and repairs only
/// the accounts that drifted — a grant taken away at one host behind the panel's back is one of them.
#[tokio::test]
async fn a_grant_that_drifted_at_one_host_is_restored_by_reconciliation() {
    let app = spawn_app().await;
    let (account, key, db) = setup(&app).await;
    let user = format!("{}_grants", account.prefix);
    let api = app.api(&key);
    api.create_user(&new_user(&user, Some("a long password")))
        .await
        .unwrap();
    api.set_privileges(&user, &db, &privileges(&["SELECT", "INSERT"]))
        .await
        .unwrap();
    let in_line = server::services::drift::Snapshot::read(&app.state.mysql)
        .await
        .unwrap();
    assert!(
        !in_line.drifted(&account.prefix, &[], &Default::default()),
        "nothing to repair yet"
    );
    let pattern = db.replace('_', "\\_");
    sqlx::query(&format!(
        "REVOKE INSERT ON `{pattern}`.* FROM '{user}'@'127.0.0.1'"
    ))
    .execute(&app.state.mysql)
    .await
    .unwrap();
    assert!(
        !app.show_grants_at(&user, "127.0.0.1")
            .await
            .contains("INSERT")
    );
    server::services::whitelist::reconcile(&app.state.store, &app.state.fleet)
        .await
        .unwrap();
    let grants = app.show_grants_at(&user, "127.0.0.1").await;
    assert!(grants.contains("SELECT, INSERT"), "{grants}");
}
