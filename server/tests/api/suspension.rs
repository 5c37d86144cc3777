//! Issue 26, item 5: `account suspend` / `account resume`, against the real MariaDB.
use crate::backups::{backup_now, schedule, wait_all_finished};
use crate::helpers::{TestApp, new_user, privileges, refusal_with_message, spawn_app};
use reqwest::StatusCode;
use server::services::backups::schedule::run_due;
use server::services::suspension;
use types::model::CreateDatabase;

const PASSWORD: &str = "a user password";
const REASON: &str = "Invoice 2026-118 is unpaid";

/// MariaDB's ER_ACCOUNT_HAS_BEEN_LOCKED.
fn account_locked(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|e| e.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
        .is_some_and(|e| e.number() == 4151)
}

/// Whether MariaDB has every host of `user` locked (`None`: the user does not exist).
async fn locked(app: &TestApp, user: &str) -> Option<bool> {
    let flags: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT CONVERT(JSON_VALUE(Priv, '$.account_locked') USING utf8mb4) FROM mysql.global_priv WHERE User = ?",
    )
    .bind(user)
    .fetch_all(&app.state.mysql)
    .await
    .unwrap();
    // JSON_VALUE gives the JSON `true` as "1".
    (!flags.is_empty()).then(|| {
        flags
            .iter()
            .all(|flag| matches!(flag.as_deref(), Some("1" | "true")))
    })
}

async fn checksum(app: &TestApp, table: &str) -> i64 {
    let row: (String, Option<i64>) = sqlx::query_as(&format!("CHECKSUM TABLE {table} EXTENDED"))
        .fetch_one(&app.state.mysql)
        .await
        .unwrap();
    row.1.expect("the table exists")
}

#[tokio::test]
async fn a_suspended_account_is_locked_out_of_mariadb_and_the_panel_and_resume_restores_it() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let cookie = app.sign_in(&account).await;
    let api = app.api(&key);
    let (db, user) = (
        format!("{}_shop", account.prefix),
        format!("{}_app", account.prefix),
    );
    api.create_database(&CreateDatabase::named(&db))
        .await
        .unwrap();
    api.create_user(&new_user(&user, Some(PASSWORD)))
        .await
        .unwrap();
    api.set_privileges(&user, &db, &privileges(&["ALL"]))
        .await
        .unwrap();
    // Through the query API, so the account's identity exists and is locked as well.
    app.query_ok(
        &key,
        &db,
        "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20))",
    )
    .await;
    app.query_ok(&key, &db, "INSERT INTO t VALUES (1, 'one'), (2, NULL)")
        .await;
    let identity = format!("{}-panel", account.prefix);
    let table = format!("`{db}`.t");
    let before = checksum(&app, &table).await;
    let backup = backup_now(&app, &key, &db).await;
    api.set_backup_schedule(&db, &schedule("03:00", 3))
        .await
        .unwrap();
    // Tomorrow, 03:00:30 UTC: the schedule is due then.
    let due = (server::domain::time::now() / 86_400 + 1) * 86_400 + 3 * 3600 + 30;
    let mut open = app.connect_as(&user, PASSWORD).await.unwrap();
    sqlx::raw_sql("SELECT 1").execute(&mut open).await.unwrap();

    suspension::suspend(&app.state.store, &app.state.fleet, account.id, REASON)
        .await
        .unwrap();

    // MariaDB: every user of the account locked, the open connection gone, new logins refused.
    assert_eq!(locked(&app, &user).await, Some(true));
    assert_eq!(locked(&app, &identity).await, Some(true));
    assert!(
        sqlx::raw_sql("SELECT 1").execute(&mut open).await.is_err(),
        "the connection opened before the suspension still works"
    );
    let refused = app.connect_as(&user, PASSWORD).await.unwrap_err();
    assert!(account_locked(&refused), "{refused}");
    // A host the periodic reconciliation repairs meanwhile comes back as locked as the others.
    crate::helpers::mariadb_root(&format!("DROP USER '{user}'@'127.0.0.1'"));
    server::services::whitelist::reconcile(&app.state.store, &app.state.fleet)
        .await
        .unwrap();
    assert!(
        app.all_user_hosts(&user)
            .await
            .contains(&"127.0.0.1".to_owned())
    );
    assert_eq!(locked(&app, &user).await, Some(true));

    // The key: 403 account_suspended with the reason, and nothing changes.
    let (status, code, message) = refusal_with_message(api.list_databases().await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "account_suspended")
    );
    assert!(message.contains(REASON), "{message}");
    let (status, code, _) = refusal_with_message(
        api.create_database(&CreateDatabase::named(format!("{}_new", account.prefix)))
            .await,
    );
    assert_eq!((status.as_u16(), code.as_str()), (403, "account_suspended"));
    assert!(
        !app.database_exists(&format!("{}_new", account.prefix))
            .await
    );
    // What is left: reading why, the audit log, the backups.
    let seen = api.get_account().await.unwrap().value;
    assert_eq!(seen.suspension.map(|s| s.reason).as_deref(), Some(REASON));
    api.list_backups(None).await.expect("backups stay listable");
    let download = app
        .get_bearer(&format!("/api/backups/{}/download", backup.id), &key)
        .await;
    assert_eq!(
        download.status(),
        StatusCode::OK,
        "existing backups download"
    );
    assert!(!download.bytes().await.unwrap().is_empty());
    assert_eq!(
        run_due(&app.state.backup_context(), due).await.unwrap(),
        0,
        "scheduled backups wait while the account is suspended"
    );
    let audit = api.list_audit(None).await.unwrap().value;
    assert!(
        audit
            .events
            .iter()
            .any(|event| event.action == "account_suspended"
                && event.details.get("reason").map(String::as_str) == Some(REASON)),
        "{:?}",
        audit.events
    );

    // The session: the same for server functions; pages lead to Profile.
    let listed = app.post_rpc("list_databases", &cookie).await;
    assert_eq!(listed.status(), StatusCode::FORBIDDEN);
    assert!(listed.text().await.unwrap().contains("account_suspended"));
    assert_eq!(
        app.post_rpc("get_account", &cookie).await.status(),
        StatusCode::OK
    );
    let page = app
        .client
        .get(app.url("/databases"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(page.headers()["location"], "/profile");
    // Signing in again still works (to read why).
    app.sign_in(&account).await;

    suspension::resume(&app.state.store, &app.state.fleet, account.id)
        .await
        .unwrap();

    assert_eq!(locked(&app, &user).await, Some(false));
    assert_eq!(locked(&app, &identity).await, Some(false));
    let mut again = app.connect_as(&user, PASSWORD).await.unwrap();
    sqlx::raw_sql("SELECT 1").execute(&mut again).await.unwrap();
    assert_eq!(api.list_databases().await.unwrap().value.databases.len(), 1);
    assert!(api.get_account().await.unwrap().value.suspension.is_none());
    app.query_ok(&key, &db, "SELECT COUNT(*) FROM t").await;
    assert_eq!(run_due(&app.state.backup_context(), due).await.unwrap(), 1);
    wait_all_finished(&app, &key).await;
    assert_eq!(
        checksum(&app, &table).await,
        before,
        "the data changed while the account was suspended"
    );
}

#[tokio::test]
async fn a_suspension_needs_a_reason_and_changes_nothing_without_one() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let refused = suspension::suspend(&app.state.store, &app.state.fleet, account.id, "  ")
        .await
        .unwrap_err();
    assert_eq!(refused.code.as_str(), "validation_failed");
    app.api(&key).list_databases().await.expect("not suspended");
}
