//! Issue 26, item 6: closing an account keeps a final backup of every database for the period,
//! drops its databases, users, identity, key and sessions, and frees its prefix only after.
use crate::helpers::{new_user, privileges, spawn_app, whitelist_entry};
use reqwest::StatusCode;
use server::services::{closing, suspension};
use std::io::Read;
use types::model::CreateDatabase;

fn gunzip(path: &std::path::Path) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[tokio::test]
async fn a_closed_account_keeps_final_backups_for_the_period_and_then_frees_its_prefix() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    let shop = format!("{}_shop", account.prefix);
    let empty = format!("{}_empty", account.prefix);
    for db in [&shop, &empty] {
        api.create_database(&CreateDatabase::named(db))
            .await
            .unwrap();
    }
    app.query_ok(
        &key,
        &shop,
        "CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(20))",
    )
    .await;
    app.query_ok(
        &key,
        &shop,
        "INSERT INTO orders VALUES (1, 'kept-in-final-backup')",
    )
    .await;
    let user = format!("{}_app", account.prefix);
    api.create_user(&new_user(&user, Some("a user password")))
        .await
        .unwrap();
    api.set_privileges(&user, &shop, &privileges(&["ALL"]))
        .await
        .unwrap();
    api.add_whitelist_entry(&whitelist_entry("198.51.100.23", None))
        .await
        .unwrap();
    let cookie = app.sign_in(&account).await;
    // The usual way there: suspended for not paying, then closed (the identity is locked then).
    suspension::suspend(&app.state.store, &app.state.fleet, account.id, "unpaid")
        .await
        .unwrap();

    let ctx = app.state.backup_context();
    let closed = closing::close(&ctx, account.id, 7).await.unwrap();
    let now = server::domain::time::now();
    assert!((closed.purge_after - (now + 7 * 86_400)).abs() < 60);
    let files: Vec<&str> = closed.backups.iter().map(|(db, _)| db.as_str()).collect();
    assert_eq!(files, [empty.as_str(), shop.as_str()]);
    let dump = gunzip(&closed.backups[1].1);
    assert!(dump.contains("kept-in-final-backup"), "{dump}");

    // Nothing of the account is left on the server, and the panel knows it no more.
    assert_eq!(app.footprint(&account.prefix).await, (vec![], vec![]));
    let identity: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mysql.user WHERE User = ?")
        .bind(format!("{}-panel", account.prefix))
        .fetch_one(&app.state.mysql)
        .await
        .unwrap();
    assert_eq!(identity, 0);
    assert_eq!(
        app.get_bearer("/api/databases", &key).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let session = app.post_rpc("get_account", &cookie).await;
    assert_ne!(session.status(), StatusCode::OK, "the session is gone");
    let sign_in = app
        .post_login(&account.email, &account.password, None)
        .await;
    assert!(
        crate::helpers::session_cookie(sign_in.headers()).is_none(),
        "a closed account cannot sign in"
    );
    let recorded: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action = 'account_closed'",
    )
    .bind(account.id)
    .fetch_one(&app.state.store)
    .await
    .unwrap();
    assert_eq!(recorded, 1);

    // The prefix stays taken for the period …
    assert_eq!(closing::purge_due(&ctx, now).await.unwrap(), 0);
    assert!(
        server::services::accounts::create(
            &app.state.store,
            &app.state.fleet,
            &server::domain::password::Argon2Gate::default(),
            (
                &app::validate::Email::parse("again@closing.test").unwrap(),
                &app::validate::Prefix::parse(&account.prefix).unwrap()
            ),
            app::validate::Password::parse("a good password").unwrap(),
            None,
        )
        .await
        .is_err(),
        "the prefix is still the closed account's"
    );
    // … and free once it ends, with the final backups gone.
    assert_eq!(
        closing::purge_due(&ctx, closed.purge_after).await.unwrap(),
        1
    );
    assert!(!closed.backups[1].1.exists());
    app.create_account_with_prefix(&account.prefix).await;
}
