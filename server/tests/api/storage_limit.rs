//! Issue 26, item 3: over the plan's storage for longer than the grace period, the account's
//! database users lose INSERT, UPDATE and CREATE — refused by MariaDB to the customer's own client
//! — until usage is back under the limit; then exactly the grants they had come back.
use crate::helpers::{TestApp, new_user, privileges, spawn_app};
use crate::plans::{drop_plan, fill_some_400_kb, put_on_plan};
use server::services::plans::{self, LimitChanges, Limits};
use server::services::usage;
use types::model::CreateDatabase;

const PASSWORD: &str = "a user password";

/// MariaDB's ER_TABLEACCESS_DENIED_ERROR: "INSERT command denied to user …".
fn refused(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|e| e.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
        .is_some_and(|e| e.number() == 1142)
}

async fn run(conn: &mut sqlx::MySqlConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sql).execute(conn).await.map(|_| ())
}

async fn events(app: &TestApp, key: &str, action: &str) -> usize {
    app.api(key)
        .list_audit(None)
        .await
        .unwrap()
        .value
        .events
        .iter()
        .filter(|event| event.action == action)
        .count()
}

#[tokio::test]
async fn over_the_storage_limit_past_the_grace_period_writes_are_refused_until_back_under() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    let plan = put_on_plan(
        &app,
        account.id,
        Limits {
            max_storage: Some(1 << 30),
            storage_grace_hours: Some(1),
            ..Limits::default()
        },
    )
    .await;
    let (big, small) = (
        format!("{}_big", account.prefix),
        format!("{}_small", account.prefix),
    );
    for db in [&big, &small] {
        api.create_database(&CreateDatabase::named(db))
            .await
            .unwrap();
    }
    let user = format!("{}_app", account.prefix);
    api.create_user(&new_user(&user, Some(PASSWORD)))
        .await
        .unwrap();
    api.set_privileges(&user, &big, &privileges(&["ALL"]))
        .await
        .unwrap();
    api.set_privileges(&user, &small, &privileges(&["SELECT", "INSERT", "DELETE"]))
        .await
        .unwrap();
    fill_some_400_kb(&app, &key, &big).await;
    app.query_ok(&key, &big, "ANALYZE TABLE t").await;
    app.query_ok(&key, &small, "CREATE TABLE s (id INT PRIMARY KEY)")
        .await;
    let grants_before = app.show_grants(&user).await;
    let measure = || usage::measure_next(&app.state.store, &app.state.fleet, 1000);
    measure().await.unwrap();
    let used = api.get_account().await.unwrap().value.usage.unwrap();
    assert!(used.storage_over_since.is_none());
    let set_max_storage = |changes: LimitChanges| plans::update(&app.state.store, &plan, changes);

    // Over the limit, within the grace period: told, and writes still work.
    set_max_storage(LimitChanges {
        max_storage: Some(Some(used.storage_bytes / 2)),
        ..LimitChanges::default()
    })
    .await
    .unwrap();
    measure().await.unwrap();
    let over = api.get_account().await.unwrap().value.usage.unwrap();
    assert!(over.storage_over_since.is_some(), "{over:?}");
    assert!(
        over.writes_withheld_since.is_none(),
        "within the grace period"
    );
    let mut own = app.connect_as(&user, PASSWORD).await.unwrap();
    run(
        &mut own,
        &format!("INSERT INTO `{big}`.t VALUES (3001, 'x')"),
    )
    .await
    .unwrap();

    // Past it (the plan's grace period shortened to none): MariaDB refuses the writes to the
    // customer's own client; reading and cleaning up still work.
    set_max_storage(LimitChanges {
        storage_grace_hours: Some(Some(0)),
        ..LimitChanges::default()
    })
    .await
    .unwrap();
    measure().await.unwrap();
    let blocked = api.get_account().await.unwrap().value.usage.unwrap();
    assert!(blocked.writes_withheld_since.is_some(), "{blocked:?}");
    assert_eq!(events(&app, &key, "storage_writes_withheld").await, 1);
    assert!(
        run(&mut own, "SELECT 1").await.is_err(),
        "the open session was ended"
    );
    let mut own = app.connect_as(&user, PASSWORD).await.unwrap();
    for write in [
        format!("INSERT INTO `{big}`.t VALUES (3002, 'x')"),
        format!("UPDATE `{big}`.t SET body = 'y' WHERE id = 1"),
        format!("CREATE TABLE `{big}`.u (id INT)"),
        format!("INSERT INTO `{small}`.s VALUES (1)"),
    ] {
        let err = run(&mut own, &write).await.unwrap_err();
        assert!(refused(&err), "{write}: {err}");
    }
    let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM `{big}`.t"))
        .fetch_one(&mut own)
        .await
        .unwrap();
    assert_eq!(rows, 2001);
    run(&mut own, &format!("DELETE FROM `{big}`.t WHERE id = 3001"))
        .await
        .unwrap();
    // The panel's console runs as the account's identity, which lost the same three, and says why.
    let console = app
        .query(
            &key,
            &big,
            serde_json::json!({"sql": "INSERT INTO t VALUES (3003, 'x')"}),
        )
        .await;
    let body: serde_json::Value = console.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("over its plan's storage"), "{body}");
    // Privileges set meanwhile are applied without the three, which come back with the rest.
    api.set_privileges(
        &user,
        &small,
        &privileges(&["SELECT", "INSERT", "UPDATE", "DELETE"]),
    )
    .await
    .unwrap();
    let during = app.show_grants(&user).await;
    let on_small = during
        .lines()
        .find(|line| line.contains(&format!("`{}`", small.replace('_', "\\_"))))
        .unwrap_or_default()
        .to_owned();
    assert!(on_small.starts_with("GRANT SELECT, DELETE ON"), "{during}");

    // The customer drops the big table; the next pass finds the account under its limit.
    run(&mut own, &format!("DROP TABLE `{big}`.t"))
        .await
        .unwrap();
    drop(own);
    measure().await.unwrap();
    let after = api.get_account().await.unwrap().value.usage.unwrap();
    assert_eq!(
        (after.storage_over_since, after.writes_withheld_since),
        (None, None),
        "{} bytes",
        after.storage_bytes
    );
    assert_eq!(events(&app, &key, "storage_writes_restored").await, 1);
    let mut own = app.connect_as(&user, PASSWORD).await.unwrap();
    run(&mut own, &format!("INSERT INTO `{small}`.s VALUES (1)"))
        .await
        .unwrap();
    run(&mut own, &format!("UPDATE `{small}`.s SET id = 2"))
        .await
        .unwrap();
    run(&mut own, &format!("CREATE TABLE `{big}`.u (id INT)"))
        .await
        .unwrap();
    app.query_ok(&key, &big, "INSERT INTO u VALUES (1)").await;
    // Exactly the grants from before, plus the UPDATE the customer asked for while blocked.
    let expected = grants_before.replace(
        "GRANT SELECT, INSERT, DELETE ON",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON",
    );
    assert_eq!(app.show_grants(&user).await, expected);

    drop(own);
    drop_plan(&app, account.id, &plan).await;
}

/// The plan's backup storage caps the account's backups below the panel's own quota: at it, the
/// next backup is 507 `quota_exceeded` and no backup is made; with room again, it is.
#[tokio::test]
async fn the_plans_backup_storage_is_the_accounts_backup_quota() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    let db = format!("{}_data", account.prefix);
    api.create_database(&CreateDatabase::named(&db))
        .await
        .unwrap();
    app.query_ok(&key, &db, "CREATE TABLE t (id INT PRIMARY KEY)")
        .await;
    let first = crate::backups::backup_now(&app, &key, &db).await;
    let size = i64::try_from(first.size_bytes.unwrap()).unwrap();
    let plan = put_on_plan(
        &app,
        account.id,
        Limits {
            max_backup_storage: Some(size),
            ..Limits::default()
        },
    )
    .await;
    let (status, code, message) =
        crate::helpers::refusal_with_message(api.create_backup(&db).await);
    assert_eq!(
        (status.as_u16(), code.as_str()),
        (507, "quota_exceeded"),
        "{message}"
    );
    assert_eq!(api.list_backups(None).await.unwrap().value.backups.len(), 1);

    plans::update(
        &app.state.store,
        &plan,
        LimitChanges {
            max_backup_storage: Some(Some(size * 100)),
            ..LimitChanges::default()
        },
    )
    .await
    .unwrap();
    crate::backups::backup_now(&app, &key, &db).await;

    drop_plan(&app, account.id, &plan).await;
}

/// An account whose writes are withheld and that drops all its databases has nothing left to
/// measure: the next pass still finds it under its limit and gives the writes back.
#[tokio::test]
async fn an_account_that_drops_every_database_gets_its_writes_back() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    let plan = put_on_plan(
        &app,
        account.id,
        Limits {
            max_storage: Some(1),
            storage_grace_hours: Some(0),
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
    measure().await.unwrap();
    let usage_now = || async { api.get_account().await.unwrap().value.usage.unwrap() };
    assert!(usage_now().await.writes_withheld_since.is_some());
    api.delete_database(&db).await.unwrap();
    measure().await.unwrap();
    let after = usage_now().await;
    assert_eq!(
        (after.storage_over_since, after.writes_withheld_since),
        (None, None)
    );
    drop_plan(&app, account.id, &plan).await;
}
