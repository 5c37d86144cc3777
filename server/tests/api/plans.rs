//! Issue 26, items 1–2: plans, and their counted limits enforced where things are created.
use crate::helpers::{TestApp, new_user, refusal_with_message, spawn_app, whitelist_entry};
use reqwest::StatusCode;
use server::services::plans::{self, LimitChanges, Limits};
use types::model::CreateDatabase;

/// A plan of its own (random name, so tests run in parallel), deleted when the test is done
/// with it by moving its account back to `default` first.
pub async fn plan_with(app: &TestApp, limits: Limits) -> String {
    let name = format!("p-{}", server::domain::secret::random_base62(10));
    plans::create(&app.state.store, &name, &limits)
        .await
        .unwrap();
    name
}

/// A plan of its own with `limits`, the account put on it.
pub async fn put_on_plan(app: &TestApp, account_id: i64, limits: Limits) -> String {
    let plan = plan_with(app, limits).await;
    plans::assign(&app.state.store, account_id, &plan)
        .await
        .unwrap();
    plan
}

/// Puts the account back on `default` and deletes the test's plan.
pub async fn drop_plan(app: &TestApp, account_id: i64, plan: &str) {
    plans::assign(&app.state.store, account_id, plans::DEFAULT)
        .await
        .unwrap();
    plans::delete(&app.state.store, plan).await.unwrap();
}

#[tokio::test]
async fn at_each_counted_limit_the_next_create_is_409_plan_limit_and_changes_nothing() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    let plan = put_on_plan(
        &app,
        account.id,
        Limits {
            max_databases: Some(1),
            max_users: Some(1),
            max_whitelist: Some(1),
            ..Limits::default()
        },
    )
    .await;
    let p = &account.prefix;

    api.create_database(&CreateDatabase::named(format!("{p}_one")))
        .await
        .expect("the first database fits");
    let (status, code, message) = refusal_with_message(
        api.create_database(&CreateDatabase::named(format!("{p}_two")))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "plan_limit")
    );
    assert!(message.contains("1 of 1 databases"), "{message}");
    assert!(!app.database_exists(&format!("{p}_two")).await);

    api.create_user(&new_user(&format!("{p}_one"), Some("a user password")))
        .await
        .expect("the first user fits");
    let (status, code, message) = refusal_with_message(
        api.create_user(&new_user(&format!("{p}_two"), Some("a user password")))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "plan_limit")
    );
    assert!(message.contains("1 of 1 database users"), "{message}");
    assert!(app.all_user_hosts(&format!("{p}_two")).await.is_empty());

    api.add_whitelist_entry(&whitelist_entry("203.0.113.5", None))
        .await
        .expect("the first host fits");
    let (status, code, message) = refusal_with_message(
        api.add_whitelist_entry(&whitelist_entry("203.0.113.6", None))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "plan_limit")
    );
    assert!(message.contains("1 of 1 whitelist hosts"), "{message}");
    let hosts = app.all_user_hosts(&format!("{p}_one")).await;
    assert!(hosts.contains(&"203.0.113.5".to_owned()), "{hosts:?}");
    assert!(!hosts.contains(&"203.0.113.6".to_owned()), "{hosts:?}");
    assert_eq!(api.list_whitelist().await.unwrap().value.entries.len(), 1);

    // A larger plan applies at once; `unlimited` lifts a limit.
    plans::update(
        &app.state.store,
        &plan,
        LimitChanges {
            max_databases: Some(Some(2)),
            max_users: Some(None),
            ..LimitChanges::default()
        },
    )
    .await
    .unwrap();
    api.create_database(&CreateDatabase::named(format!("{p}_two")))
        .await
        .expect("room on the larger plan");
    api.create_user(&new_user(&format!("{p}_two"), Some("a user password")))
        .await
        .expect("no user limit now");
    let (_, code, _) = refusal_with_message(
        api.create_database(&CreateDatabase::named(format!("{p}_three")))
            .await,
    );
    assert_eq!(code, "plan_limit");

    drop_plan(&app, account.id, &plan).await;
}

#[tokio::test]
async fn an_account_without_a_plan_has_the_default_plan_and_a_plan_in_use_stays() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let (name, limits) = plans::of_account(&app.state.store, account.id)
        .await
        .unwrap();
    assert_eq!(name, plans::DEFAULT);
    assert_eq!(
        limits,
        Limits::default(),
        "the default plan starts unlimited"
    );

    let plan = plan_with(&app, Limits::default()).await;
    plans::assign(&app.state.store, account.id, &plan)
        .await
        .unwrap();
    assert_eq!(
        plans::find(&app.state.store, &plan).await.unwrap().accounts,
        1
    );
    let in_use = plans::delete(&app.state.store, &plan).await.unwrap_err();
    assert_eq!(in_use.code.as_str(), "conflict");
    let default = plans::delete(&app.state.store, plans::DEFAULT)
        .await
        .unwrap_err();
    assert_eq!(default.code.as_str(), "conflict");
    let unknown = plans::assign(&app.state.store, account.id, "no-such-plan")
        .await
        .unwrap_err();
    assert_eq!(unknown.code.as_str(), "not_found");

    drop_plan(&app, account.id, &plan).await;
    assert_eq!(
        plans::find(&app.state.store, &plan)
            .await
            .unwrap_err()
            .code
            .as_str(),
        "not_found"
    );
}

/// The user's limits at every host, as MariaDB stores them: (host, connections, queries per hour).
async fn stored_limits(app: &TestApp, user: &str) -> Vec<(String, i64, i64)> {
    sqlx::query_as(
        "SELECT CONVERT(Host USING utf8mb4), CAST(max_user_connections AS SIGNED), CAST(max_questions AS SIGNED)
         FROM mysql.user WHERE User = ? ORDER BY 1",
    )
    .bind(user)
    .fetch_all(&app.state.mysql)
    .await
    .unwrap()
}

/// MariaDB's ER_USER_LIMIT_REACHED.
fn limit_reached(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|e| e.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
        .is_some_and(|e| e.number() == 1226)
}

#[tokio::test]
async fn the_plans_per_user_limits_are_enforced_by_mariadb_for_every_client() {
    use server::services::plan_changes;
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let user = format!("{}_app", account.prefix);
    const PASSWORD: &str = "a user password";
    // Made before the plan: putting the account on it gives existing users its limits at once.
    app.api(&key)
        .create_user(&new_user(&user, Some(PASSWORD)))
        .await
        .unwrap();
    let plan = plan_with(
        &app,
        Limits {
            max_user_connections: Some(2),
            max_queries_per_hour: Some(40),
            ..Limits::default()
        },
    )
    .await;
    plan_changes::set_plan(&app.state.store, &app.state.fleet, account.id, &plan)
        .await
        .unwrap();
    let stored = stored_limits(&app, &user).await;
    assert_eq!(
        stored.len(),
        3,
        "localhost and the loopback addresses: {stored:?}"
    );
    assert!(
        stored.iter().all(|(_, c, q)| (*c, *q) == (2, 40)),
        "{stored:?}"
    );

    // A client that is not the panel: the third connection at once is refused by MariaDB.
    let first = app.connect_as(&user, PASSWORD).await.unwrap();
    let mut second = app.connect_as(&user, PASSWORD).await.unwrap();
    let third = app.connect_as(&user, PASSWORD).await.unwrap_err();
    assert!(limit_reached(&third), "{third}");

    // Queries per hour: the 41st statement of the hour is refused (connecting counts a few).
    drop(first);
    let mut ran = 0;
    let refused = loop {
        // Text protocol, as the mariadb client and most applications send statements.
        match sqlx::raw_sql("SELECT 1").execute(&mut second).await {
            Ok(_) => ran += 1,
            Err(err) => break err,
        }
        assert!(
            ran <= 40,
            "MariaDB ran more than the plan's 40 queries an hour"
        );
    };
    assert!(limit_reached(&refused), "{refused}");
    assert!(ran >= 30, "only {ran} queries ran");
    drop(second);

    // Lifting both limits applies at once, to every user of every account on the plan.
    plan_changes::update_plan(
        &app.state.store,
        &app.state.fleet,
        &plan,
        LimitChanges {
            max_user_connections: Some(None),
            max_queries_per_hour: Some(None),
            ..LimitChanges::default()
        },
    )
    .await
    .unwrap();
    let panel_cap = i64::from(server::config::Settings::DEFAULT_MAX_USER_CONNECTIONS);
    let stored = stored_limits(&app, &user).await;
    assert!(
        stored.iter().all(|(_, c, q)| (*c, *q) == (panel_cap, 0)),
        "{stored:?}"
    );
    let mut connections = Vec::new();
    for _ in 0..3 {
        connections.push(app.connect_as(&user, PASSWORD).await.unwrap());
    }
    sqlx::query("SELECT 1")
        .execute(&mut connections[0])
        .await
        .expect("no query limit now");

    drop(connections);
    drop_plan(&app, account.id, &plan).await;
}

/// A table `t` of 2,000 rows of 200 bytes, as the account's own SQL makes it.
pub async fn fill_some_400_kb(app: &TestApp, key: &str, db: &str) {
    app.query_ok(
        key,
        db,
        "CREATE TABLE t (id INT PRIMARY KEY, body VARCHAR(200))",
    )
    .await;
    app.query_ok(
        key,
        db,
        "INSERT INTO t SELECT seq, REPEAT('x', 200) FROM seq_1_to_2000",
    )
    .await;
}

#[tokio::test]
async fn get_account_shows_the_plan_and_usage_with_storage_measured_in_the_background() {
    use server::services::usage;
    let app = spawn_app().await;
    let account = app.create_account().await;
    let other = app.create_account().await;
    let key = app.issue_key(&account).await;
    let other_key = app.issue_key(&other).await;
    let api = app.api(&key);
    let plan = put_on_plan(
        &app,
        account.id,
        Limits {
            max_databases: Some(3),
            max_storage: Some(1 << 30),
            ..Limits::default()
        },
    )
    .await;
    let db = format!("{}_data", account.prefix);
    api.create_database(&CreateDatabase::named(&db))
        .await
        .unwrap();
    api.create_user(&new_user(
        &format!("{}_app", account.prefix),
        Some("a user password"),
    ))
    .await
    .unwrap();
    fill_some_400_kb(&app, &key, &db).await;

    let seen = api.get_account().await.unwrap().value;
    let shown = seen.plan.expect("the plan");
    assert_eq!(
        (shown.name.as_str(), shown.max_databases, shown.max_users),
        (plan.as_str(), Some(3), None)
    );
    assert_eq!(shown.max_storage, Some(1 << 30));
    let used = seen.usage.expect("the usage");
    assert_eq!(
        (used.databases, used.users, used.whitelist_hosts),
        (1, 1, 0)
    );
    assert_eq!(
        (used.storage_bytes, used.storage_measured_at),
        (0, None),
        "storage is never measured on the request"
    );

    // InnoDB's sizes are its statistics, refreshed in the background; ANALYZE brings them up now.
    app.query_ok(&key, &db, "ANALYZE TABLE t").await;
    let measured = usage::measure_next(&app.state.store, &app.state.fleet, 1000)
        .await
        .unwrap();
    assert!(measured >= 1);
    let used = api.get_account().await.unwrap().value.usage.unwrap();
    assert!(used.storage_bytes > 200_000, "{used:?}");
    assert!(used.storage_measured_at.is_some());

    // Another account: its own plan and nothing of this one's.
    let theirs = app.api(&other_key).get_account().await.unwrap().value;
    assert_eq!(theirs.plan.unwrap().name, plans::DEFAULT);
    let theirs = theirs.usage.unwrap();
    assert_eq!((theirs.databases, theirs.storage_bytes), (0, 0));

    let backup = crate::backups::backup_now(&app, &key, &db).await;
    let used = api.get_account().await.unwrap().value.usage.unwrap();
    assert_eq!(
        used.backup_bytes,
        i64::try_from(backup.size_bytes.unwrap()).unwrap()
    );

    drop_plan(&app, account.id, &plan).await;
}

#[tokio::test]
async fn reaching_80_and_100_percent_of_the_plans_storage_is_told_once_each() {
    use server::services::usage;
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    let plan = put_on_plan(
        &app,
        account.id,
        Limits {
            max_storage: Some(1 << 30),
            ..Limits::default()
        },
    )
    .await;
    let db = format!("{}_big", account.prefix);
    api.create_database(&CreateDatabase::named(&db))
        .await
        .unwrap();
    fill_some_400_kb(&app, &key, &db).await;
    app.query_ok(&key, &db, "ANALYZE TABLE t").await;
    let measure = || usage::measure_next(&app.state.store, &app.state.fleet, 1000);
    let told = || async {
        api.list_audit(None)
            .await
            .unwrap()
            .value
            .events
            .into_iter()
            .filter(|event| event.action == "storage_threshold")
            .map(|event| event.details["percent"].clone())
            .collect::<Vec<_>>()
    };
    measure().await.unwrap();
    assert!(told().await.is_empty(), "far under 1 GiB");
    let used = api
        .get_account()
        .await
        .unwrap()
        .value
        .usage
        .unwrap()
        .storage_bytes;

    // The plan shrinks to just above the usage (80 %), then below it (100 %).
    let update = |max: i64| {
        plans::update(
            &app.state.store,
            &plan,
            LimitChanges {
                max_storage: Some(Some(max)),
                ..LimitChanges::default()
            },
        )
    };
    update(used + used / 10).await.unwrap();
    measure().await.unwrap();
    measure().await.unwrap();
    assert_eq!(told().await, ["80"], "once, however often it is measured");
    update(used / 2).await.unwrap();
    measure().await.unwrap();
    assert_eq!(told().await, ["100", "80"]);
    update(1 << 30).await.unwrap();
    measure().await.unwrap();
    update(used / 2).await.unwrap();
    measure().await.unwrap();
    assert_eq!(
        told().await,
        ["100", "100", "80"],
        "back under, then over again: told again"
    );

    drop_plan(&app, account.id, &plan).await;
}
