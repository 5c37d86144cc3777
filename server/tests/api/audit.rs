//! The audit log: every security-relevant event, with actor and source, paged, per account.
use crate::helpers::{TestApp, error_code, spawn_app};
use nobregas_client::Answer;
use reqwest::StatusCode;
use types::activity::AuditPage;
use types::model::{CreateDatabase, CreateUser, NewWhitelistEntry, SetPassword, SetPrivileges};

/// A page of the log (the newest, or the one before the cursor `before`), through the typed client.
async fn events(app: &TestApp, key: &str, before: Option<&str>) -> Answer<AuditPage> {
    let page = app.api(key).list_audit(before).await.unwrap();
    assert_eq!(page.status, StatusCode::OK);
    page
}

/// A page of `limit` events: the typed client sends no `limit`, so this call stays raw (its
/// answer read as the same type).
async fn limited_events(app: &TestApp, key: &str, query: &str) -> AuditPage {
    let response = app.get_bearer(&format!("/api/audit{query}"), key).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn actions(page: &AuditPage) -> Vec<&str> {
    page.events.iter().map(|e| e.action.as_str()).collect()
}

#[tokio::test]
async fn every_change_is_recorded_with_actor_and_source() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let (db, user) = (
        format!("{}_shop", account.prefix),
        format!("{}_app", account.prefix),
    );
    let api = app.api(&key);
    assert_eq!(
        api.create_database(&CreateDatabase::named(db.clone()))
            .await
            .expect("201")
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        api.create_user(&CreateUser {
            name: user.clone(),
            password: Some("a long password".into()),
        })
        .await
        .expect("201")
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        api.set_privileges(
            &user,
            &db,
            &SetPrivileges {
                privileges: vec!["SELECT".into()],
            },
        )
        .await
        .expect("200")
        .status,
        StatusCode::OK
    );
    assert_eq!(
        api.set_user_password(
            &user,
            &SetPassword {
                password: "another long one".into(),
            },
        )
        .await
        .expect("204"),
        StatusCode::NO_CONTENT
    );
    let added = api
        .add_whitelist_entry(&NewWhitelistEntry {
            host: "192.0.2.10".into(),
            note: None,
        })
        .await
        .expect("201");
    assert_eq!(
        api.remove_whitelist_entry(added.value.id)
            .await
            .expect("204"),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.revoke_privileges(&user, &db).await.expect("204"),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.delete_user(&user).await.expect("204"),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.delete_database(&db).await.expect("204"),
        StatusCode::NO_CONTENT
    );

    let answer = events(&app, &key, None).await;
    let page = &answer.value;
    assert_eq!(
        actions(page),
        [
            "database_deleted",
            "user_deleted",
            "privileges_revoked",
            "whitelist_removed",
            "whitelist_added",
            "user_password_changed",
            "privileges_set",
            "user_created",
            "database_created",
            "api_key_regenerated",
        ]
    );
    let newest = &page.events[0];
    assert_eq!(newest.details["database"], db);
    assert_eq!(newest.source_ip.as_deref(), Some("127.0.0.1"));
    let actor = &newest.actor;
    assert!(
        actor.starts_with("api_key nbg_") && actor.ends_with(&key[key.len() - 4..]),
        "{actor}"
    );
    assert_eq!(page.events[3].details["host"], "192.0.2.10");
    assert_eq!(page.events[6].details["privileges"], "SELECT");
    assert_eq!(page.events[9].actor, "cli");
    assert!(newest.at.ends_with('Z'));
    let text = &answer.raw;
    assert!(
        !text.contains(&key)
            && !text.contains("a long password")
            && !text.contains("another long one"),
        "no secrets"
    );
}

#[tokio::test]
async fn sign_ins_and_sign_outs_are_recorded() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    assert_eq!(
        app.post_login(&account.email, "wrong password", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let cookie = app.sign_in(&account).await;
    assert_eq!(
        app.post_rpc("logout", &cookie).await.status(),
        StatusCode::OK
    );
    let key = app.issue_key(&account).await;
    let page = events(&app, &key, None).await.value;
    assert_eq!(
        actions(&page),
        [
            "api_key_regenerated",
            "sign_out",
            "sign_in",
            "sign_in_failed"
        ]
    );
    assert_eq!(page.events[1].actor, "session");
    assert_eq!(page.events[3].actor, "anonymous");
    assert_eq!(page.events[3].source_ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn pages_follow_the_cursor_without_overlap_and_stay_in_the_account() {
    let app = spawn_app().await;
    let (ann, bob) = (app.create_account().await, app.create_account().await);
    let bob_key = app.issue_key(&bob).await;
    let mut ann_key = String::new();
    for _ in 0..5 {
        ann_key = app.issue_key(&ann).await;
    }
    let first = limited_events(&app, &ann_key, "?limit=2").await;
    assert_eq!(first.events.len(), 2);
    let mut seen: Vec<i64> = first.events.iter().map(|e| e.id).collect();
    let mut next = first.next;
    while let Some(cursor) = next {
        let page = limited_events(&app, &ann_key, &format!("?limit=2&before={cursor}")).await;
        seen.extend(page.events.iter().map(|e| e.id));
        next = page.next;
    }
    assert_eq!(
        seen.len(),
        5,
        "five regenerations, each seen once: {seen:?}"
    );
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first");

    // Bob sees only his own event, even with Ann's cursor.
    let cursor = (seen[0] + 1).to_string();
    let bobs = events(&app, &bob_key, Some(&cursor)).await.value;
    assert_eq!(actions(&bobs), ["api_key_regenerated"]);

    for bad in [
        "?limit=0",
        "?limit=101",
        "?limit=abc",
        "?before=xyz",
        "?before=-1",
    ] {
        let response = app.get_bearer(&format!("/api/audit{bad}"), &ann_key).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(error_code(response).await, "validation_failed");
    }
    assert_eq!(
        app.client
            .get(app.url("/api/audit"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}
