//! Creating, inspecting and dropping databases through the API, checked in MariaDB itself.
use crate::helpers::{error_code, refusal, sent, spawn_app};
use app::names::DatabaseName;
use reqwest::{Method, StatusCode};
use serde_json::json;
use types::model::{CreateDatabase, CreateUser, SetPrivileges};

fn database(name: &str, charset: Option<&str>, collation: Option<&str>) -> CreateDatabase {
    CreateDatabase {
        name: name.to_owned(),
        charset: charset.map(str::to_owned),
        collation: collation.map(str::to_owned),
    }
}

fn user(name: &str) -> CreateUser {
    CreateUser {
        name: name.to_owned(),
        password: None,
    }
}

#[tokio::test]
async fn create_show_and_drop_a_database() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let name = format!("{}_shop", account.prefix);

    let api = app.api(&key);
    let created = api
        .create_database(&database(&name, None, None))
        .await
        .expect("201");
    assert_eq!(created.status, StatusCode::CREATED);
    let default_collation: String = sqlx::query_scalar(
        "SELECT DEFAULT_COLLATE_NAME FROM information_schema.CHARACTER_SETS WHERE CHARACTER_SET_NAME = 'utf8mb4'",
    )
    .fetch_one(&app.state.mysql)
    .await
    .unwrap();
    assert_eq!(
        sent(&created),
        json!({ "name": name, "size_bytes": 0, "tables": 0, "charset": "utf8mb4", "collation": default_collation })
    );
    assert!(app.database_exists(&name).await);

    let again = api.create_database(&database(&name, None, None)).await;
    assert_eq!(refusal(again).0, StatusCode::CONFLICT);

    sqlx::query(&format!(
        "CREATE TABLE `{name}`.orders (id INT PRIMARY KEY)"
    ))
    .execute(&app.state.mysql)
    .await
    .unwrap();
    let detail = api.get_database(&name).await.unwrap().value;
    assert_eq!(detail.database.name, name);
    assert_eq!(detail.database.tables, 1);
    assert!(detail.users.is_empty(), "{:?}", detail.users);
    assert_eq!(detail.table_list[0].name, "orders");

    assert_eq!(
        api.delete_database(&name).await.expect("204"),
        StatusCode::NO_CONTENT
    );
    assert!(!app.database_exists(&name).await);
    let gone = api.get_database(&name).await;
    assert_eq!(refusal(gone).0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn charset_and_collation_are_checked_against_the_server() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let p = &account.prefix;
    let api = app.api(&key);
    let latin = api
        .create_database(&database(
            &format!("{p}_latin"),
            Some("latin1"),
            Some("latin1_swedish_ci"),
        ))
        .await
        .expect("201");
    assert_eq!(latin.status, StatusCode::CREATED);
    assert_eq!(
        (latin.value.charset.as_str(), latin.value.collation.as_str()),
        ("latin1", "latin1_swedish_ci")
    );

    let cases = [
        database(&format!("{p}_a"), Some("klingon"), None),
        database(
            &format!("{p}_b"),
            Some("utf8mb4"),
            Some("latin1_swedish_ci"),
        ),
        database(&format!("{p}_c"), Some("utf8mb4; DROP DATABASE x"), None),
        database(&format!("{p}_d"), None, Some("utf8mb4_bin`")),
    ];
    for case in cases {
        assert_eq!(
            refusal(api.create_database(&case).await).0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case:?}"
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
    let api = app.api(&key);
    for name in &corpus {
        assert_eq!(
            refusal(api.create_database(&database(name, None, None)).await),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed".into()),
            "database {name:?}"
        );
        assert_eq!(
            refusal(api.create_user(&user(name)).await).0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "user {name:?}"
        );
    }
    let long_user = api
        .create_user(&user(&format!("{p}_{}", "a".repeat(32))))
        .await;
    assert_eq!(refusal(long_user).0, StatusCode::UNPROCESSABLE_ENTITY);
    let Err(nobregas_client::Error::Api { message, .. }) =
        api.create_database(&database("shop", None, None)).await
    else {
        panic!("the API accepted a name outside the prefix");
    };
    assert_eq!(message, format!("Database names must start with {p}_."));
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
    let api = app.api(&key);
    let Err(nobregas_client::Error::Api {
        status,
        code,
        message,
        ..
    }) = api.create_database(&database(&too_long, None, None)).await
    else {
        panic!("the API accepted a name whose grant pattern is too long");
    };
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "validation_failed");
    assert!(
        message.contains("once each _ is counted twice"),
        "{message}"
    );
    assert!(!app.database_exists(&too_long).await);

    let created = api
        .create_database(&database(&longest, None, None))
        .await
        .expect("201");
    assert_eq!(created.status, StatusCode::CREATED);
    let user = format!("{p}_app");
    let made = api.create_user(&self::user(&user)).await.expect("201");
    assert_eq!(made.status, StatusCode::CREATED);
    let granted = api
        .set_privileges(
            &user,
            &longest,
            &SetPrivileges {
                privileges: vec!["SELECT".into()],
            },
        )
        .await
        .expect("200");
    assert_eq!(granted.status, StatusCode::OK);
    let escaped = longest.replace('_', "\\_");
    assert_eq!(escaped.len(), 64);
    let grants = app.show_grants(&user).await;
    assert!(
        grants.contains(&format!("GRANT SELECT ON `{escaped}`.* TO")),
        "{grants}"
    );
    assert_eq!(app.footprint(p).await.0, vec![longest]);
}
