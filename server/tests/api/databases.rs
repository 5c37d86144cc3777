use crate::helpers::{sent, spawn_app};
use reqwest::StatusCode;
use serde_json::json;
use types::model::{CreateDatabase, DatabaseList};
use types::query::QueryRequest;

#[tokio::test]
async fn a_new_account_has_no_databases() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let listed = app.api(&key).list_databases().await.unwrap();
    assert_eq!(sent(&listed), json!({ "databases": [] }));
}

#[tokio::test]
async fn lists_the_accounts_databases_from_mariadb() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let name = format!("{}_shop", account.prefix);
    app.create_database(&name).await;
    sqlx::query(&format!(
        "CREATE TABLE `{name}`.orders (id INT PRIMARY KEY, note VARCHAR(100))"
    ))
    .execute(&app.state.mysql)
    .await
    .unwrap();

    let listed = app.api(&key).list_databases().await.unwrap();
    assert_eq!(listed.status, StatusCode::OK);
    let databases = listed.value.databases;
    assert_eq!(databases.len(), 1);
    let db = &databases[0];
    assert_eq!(db.name, name);
    assert_eq!(db.tables, 1);
    assert!(db.size_bytes > 0, "an InnoDB table occupies pages");
    assert_eq!(db.charset, "utf8mb4");
    assert!(db.collation.starts_with("utf8mb4_"));
}

/// `_` is a LIKE wildcard: prefix `p` must not see `px_…` (another tenant whose prefix starts alike).
#[tokio::test]
async fn the_prefix_underscore_is_not_a_wildcard() {
    let app = spawn_app().await;
    let alice = app.create_account().await;
    let neighbour = app
        .create_account_with_prefix(&format!("{}x", alice.prefix))
        .await;
    app.create_database(&format!("{}_shop", alice.prefix)).await;
    app.create_database(&format!("{}_shop", neighbour.prefix))
        .await;

    for account in [&alice, &neighbour] {
        let key = app.issue_key(account).await;
        let list = app.api(&key).list_databases().await.unwrap().value;
        let names: Vec<String> = list.databases.into_iter().map(|d| d.name).collect();
        assert_eq!(names, vec![format!("{}_shop", account.prefix)]);
    }
}

#[tokio::test]
async fn the_session_cookie_also_lists_databases() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    app.create_database(&format!("{}_app", account.prefix))
        .await;
    let cookie = app.sign_in(&account).await;
    let response = app
        .client
        .get(app.url("/api/databases"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // A session, not a key: the typed client only sends keys, so the call stays raw.
    let body: DatabaseList = response.json().await.unwrap();
    assert_eq!(body.databases[0].name, format!("{}_app", account.prefix));
}

/// Issue 11: the Connect tab's facts come with the database's details.
#[tokio::test]
async fn details_say_how_to_connect_with_the_configured_public_host() {
    let mut settings = crate::helpers::test_settings();
    settings.public_mysql_host = Some("db.example.test".into());
    let app = crate::helpers::spawn_app_with(settings).await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let name = format!("{}_shop", account.prefix);
    app.create_database(&name).await;
    let detail = app.api(&key).get_database(&name).await.unwrap();
    let socket: String = sqlx::query_scalar("SELECT @@socket")
        .fetch_one(&app.state.mysql)
        .await
        .unwrap();
    let port: u16 = reqwest::Url::parse(&crate::helpers::mysql_url())
        .unwrap()
        .port()
        .unwrap_or(3306);
    assert_eq!(
        sent(&detail)["connection"],
        json!({ "host": "db.example.test", "port": port, "socket": socket })
    );

    // Without the setting, the host the panel itself connects to.
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let name = format!("{}_shop", account.prefix);
    app.create_database(&name).await;
    let detail = app.api(&key).get_database(&name).await.unwrap().value;
    let host = reqwest::Url::parse(&crate::helpers::mysql_url())
        .unwrap()
        .host_str()
        .unwrap()
        .to_owned();
    assert_eq!(detail.connection.host, host);
}

#[test]
fn a_public_host_that_is_not_a_host_name_stops_start_up() {
    // Settings only, no app: no store either (test_settings would make one to drop).
    let mut settings = server::config::Settings::new(
        "127.0.0.1:0".parse().unwrap(),
        std::env::temp_dir(),
        crate::helpers::mysql_url(),
    );
    settings.public_mysql_host = Some("db.example.test'; DROP".into());
    assert!(settings.public_mysql_address().is_err());
    settings.public_mysql_host = Some("2001:db8::7".into());
    assert_eq!(settings.public_mysql_address().unwrap().0, "2001:db8::7");
}

/// The list reads the account's names from the store's index and asks the server about those
/// only; customer SQL that creates or drops a database updates the index at once.
#[tokio::test]
async fn databases_created_or_dropped_by_customer_sql_are_listed_at_once() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let (shop, made_by_sql) = (
        format!("{}_shop", account.prefix),
        format!("{}_bysql", account.prefix),
    );
    let api = app.api(&key);
    let created = api
        .create_database(&CreateDatabase::named(shop.clone()))
        .await
        .expect("201");
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(names(&api).await, std::slice::from_ref(&shop));

    assert_eq!(
        api.run_query(
            &shop,
            &QueryRequest::sql(format!("CREATE DATABASE `{made_by_sql}`"))
        )
        .await
        .expect("200")
        .status,
        StatusCode::OK
    );
    assert_eq!(names(&api).await, [made_by_sql.clone(), shop.clone()]);
    assert_eq!(
        api.run_query(
            &shop,
            &QueryRequest::sql(format!("DROP DATABASE `{made_by_sql}`"))
        )
        .await
        .expect("200")
        .status,
        StatusCode::OK
    );
    assert_eq!(names(&api).await, std::slice::from_ref(&shop));
}

/// A database an operator made behind the panel's back is listed once the periodic
/// reconciliation has re-read the server; one dropped behind its back disappears at once.
#[tokio::test]
async fn databases_changed_outside_the_panel_are_picked_up_by_reconciliation() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let (shop, outside) = (
        format!("{}_shop", account.prefix),
        format!("{}_outside", account.prefix),
    );
    app.create_database(&shop).await;
    let api = app.api(&key);
    assert_eq!(
        names(&api).await,
        std::slice::from_ref(&shop),
        "the first listing reads the server"
    );
    app.create_database_behind_the_panels_back(&outside).await;
    assert_eq!(
        names(&api).await,
        std::slice::from_ref(&shop),
        "not yet indexed"
    );
    server::services::database_index::sync_all(&app.state.store, &app.state.fleet)
        .await
        .unwrap();
    assert_eq!(names(&api).await, [outside.clone(), shop.clone()]);
    sqlx::query(&format!("DROP DATABASE `{outside}`"))
        .execute(&app.state.mysql)
        .await
        .unwrap();
    assert_eq!(
        names(&api).await,
        [shop],
        "a name the server lacks is not listed"
    );
}

/// The names in a `GET /api/databases` answer, in its order.
async fn names(api: &nobregas_client::Client) -> Vec<String> {
    let listed = api.list_databases().await.unwrap().value;
    listed.databases.into_iter().map(|db| db.name).collect()
}
