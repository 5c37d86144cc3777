//! The IP whitelist, proven with real connections from loopback aliases.
use crate::helpers::{TestAccount, TestApp, refusal, sent, spawn_app, whitelist_entry};
use reqwest::StatusCode;
use serde_json::json;
use server::services::whitelist;
use types::model::{CreateDatabase, CreateUser, SetPassword, SetPrivileges};

fn user_with_password(name: &str) -> CreateUser {
    CreateUser {
        name: name.to_owned(),
        password: Some(PASSWORD.to_owned()),
    }
}

fn privileges(names: &[&str]) -> SetPrivileges {
    SetPrivileges {
        privileges: names.iter().map(|p| (*p).to_owned()).collect(),
    }
}

const PASSWORD: &str = "whitelist password";

/// An account with a database (one row) and a user holding SELECT on it.
async fn setup(app: &TestApp) -> (TestAccount, String, String, String) {
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let (db, user) = (
        format!("{}_shop", account.prefix),
        format!("{}_app", account.prefix),
    );
    let api = app.api(&key);
    api.create_database(&CreateDatabase::named(db.clone()))
        .await
        .unwrap();
    sqlx::query(&format!("CREATE TABLE `{db}`.t (id INT PRIMARY KEY)"))
        .execute(&app.state.mysql)
        .await
        .unwrap();
    sqlx::query(&format!("INSERT INTO `{db}`.t VALUES (1)"))
        .execute(&app.state.mysql)
        .await
        .unwrap();
    api.create_user(&user_with_password(&user)).await.unwrap();
    assert_eq!(
        api.set_privileges(&user, &db, &privileges(&["SELECT"]))
            .await
            .expect("200")
            .status,
        StatusCode::OK
    );
    (account, key, db, user)
}

#[tokio::test]
async fn access_follows_the_whitelist() {
    let app = spawn_app().await;
    let (_, key, db, user) = setup(&app).await;
    assert!(
        app.connect_from("127.0.0.5", &user, PASSWORD)
            .await
            .is_err(),
        "refused before the entry"
    );

    let api = app.api(&key);
    let added = api
        .add_whitelist_entry(&whitelist_entry("127.0.0.5", Some("office")))
        .await
        .expect("201");
    assert_eq!(added.status, StatusCode::CREATED);
    let (added_json, entry) = (sent(&added), added.value);
    assert_eq!(
        (entry.host.as_str(), entry.note.as_str()),
        ("127.0.0.5", "office")
    );
    assert!(entry.created_at.ends_with('Z'));
    assert_eq!(app.user_hosts(&user).await, vec!["127.0.0.5", "localhost"]);

    let mut conn = app
        .connect_from("127.0.0.5", &user, PASSWORD)
        .await
        .expect("accepted after the entry");
    let who: String = sqlx::query_scalar("SELECT CURRENT_USER()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(who, format!("{user}@127.0.0.5"));
    let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM `{db}`.t"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows, 1, "the remote account has the same grants");
    assert!(
        sqlx::query(&format!("INSERT INTO `{db}`.t VALUES (2)"))
            .execute(&mut conn)
            .await
            .is_err(),
        "and no more"
    );
    assert!(
        app.connect_from("127.0.0.6", &user, PASSWORD)
            .await
            .is_err(),
        "another address stays refused"
    );

    let listed = api.list_whitelist().await.unwrap();
    assert_eq!(sent(&listed)["entries"], json!([added_json]));

    assert_eq!(
        api.remove_whitelist_entry(entry.id).await.expect("204"),
        StatusCode::NO_CONTENT
    );
    assert!(
        app.connect_from("127.0.0.5", &user, PASSWORD)
            .await
            .is_err(),
        "refused again after delete"
    );
    assert_eq!(app.user_hosts(&user).await, vec!["localhost"]);
    assert_eq!(
        sent(&api.list_whitelist().await.unwrap()),
        json!({ "entries": [] })
    );
}

#[tokio::test]
async fn a_network_admits_addresses_inside_it_only() {
    let app = spawn_app().await;
    let (_, key, _, user) = setup(&app).await;
    let added = app
        .api(&key)
        .add_whitelist_entry(&whitelist_entry("127.0.5.0/24", None))
        .await
        .expect("201");
    assert_eq!(added.status, StatusCode::CREATED);
    assert_eq!(added.value.host, "127.0.5.0/24", "stored as entered");
    assert!(
        app.user_hosts(&user)
            .await
            .contains(&"127.0.5.0/255.255.255.0".to_owned()),
        "netmask form in MySQL"
    );
    app.connect_from("127.0.5.9", &user, PASSWORD)
        .await
        .expect("inside the /24");
    assert!(
        app.connect_from("127.0.6.9", &user, PASSWORD)
            .await
            .is_err(),
        "outside the /24"
    );
}

#[tokio::test]
async fn users_passwords_and_grants_follow_every_host() {
    let app = spawn_app().await;
    let (account, key, db, _) = setup(&app).await;
    let api = app.api(&key);
    api.add_whitelist_entry(&whitelist_entry("127.0.0.7", None))
        .await
        .unwrap();
    let later = format!("{}_later", account.prefix);
    api.create_user(&user_with_password(&later)).await.unwrap();
    assert_eq!(
        app.user_hosts(&later).await,
        vec!["127.0.0.7", "localhost"],
        "a user created later gets every host"
    );

    let new_password = "a changed password";
    api.set_user_password(
        &later,
        &SetPassword {
            password: new_password.to_owned(),
        },
    )
    .await
    .unwrap();
    app.connect_from("127.0.0.7", &later, new_password)
        .await
        .expect("the new password works remotely");
    assert!(
        app.connect_from("127.0.0.7", &later, PASSWORD)
            .await
            .is_err()
    );

    api.set_privileges(&later, &db, &privileges(&["SELECT", "INSERT"]))
        .await
        .unwrap();
    let remote = app.show_grants_at(&later, "127.0.0.7").await;
    assert!(remote.contains("GRANT SELECT, INSERT ON"), "{remote}");
    assert_eq!(
        api.delete_user(&later).await.expect("204"),
        StatusCode::NO_CONTENT
    );
    assert!(
        app.all_user_hosts(&later).await.is_empty(),
        "deleted at every host"
    );
}

#[tokio::test]
async fn bad_hosts_duplicates_and_limits_are_refused() {
    let app = spawn_app().await;
    let (_, key, _, user) = setup(&app).await;
    let api = app.api(&key);
    for bad in [
        "999.1.1.1",
        "1.2.3.4/33",
        "1.2.3.4'",
        "1.2.3.4; DROP USER root",
        "a b",
        "example.com",
        "",
        "1.2.3.4/24",
    ] {
        assert_eq!(
            refusal(api.add_whitelist_entry(&whitelist_entry(bad, None)).await),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed".into()),
            "{bad:?}"
        );
    }
    let long_note = api
        .add_whitelist_entry(&whitelist_entry("127.0.0.8", Some(&"n".repeat(201))))
        .await;
    assert_eq!(refusal(long_note).0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.user_hosts(&user).await,
        vec!["localhost"],
        "no MySQL account was created"
    );

    assert_eq!(
        api.add_whitelist_entry(&whitelist_entry("127.0.0.8", None))
            .await
            .expect("201")
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        refusal(
            api.add_whitelist_entry(&whitelist_entry("127.0.0.8", None))
                .await
        )
        .0,
        StatusCode::CONFLICT
    );
    let any = api
        .add_whitelist_entry(&whitelist_entry("%", None))
        .await
        .expect("201");
    assert_eq!(any.status, StatusCode::CREATED);
    assert!(app.user_hosts(&user).await.contains(&"%".to_owned()));

    for n in 0..98 {
        let host = format!("198.51.{}.{}", n / 200, n % 200 + 1);
        assert_eq!(
            api.add_whitelist_entry(&whitelist_entry(&host, None))
                .await
                .expect("201")
                .status,
            StatusCode::CREATED
        );
    }
    let over = api
        .add_whitelist_entry(&whitelist_entry("203.0.113.1", None))
        .await;
    assert_eq!(
        refusal(over).0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "at most 100 entries"
    );
}

#[tokio::test]
async fn another_tenant_cannot_see_or_remove_entries() {
    let app = spawn_app().await;
    let (_, key, _, user) = setup(&app).await;
    let mallory = app.create_account().await;
    let mallory_key = app.issue_key(&mallory).await;
    let (api, mallorys_api) = (app.api(&key), app.api(&mallory_key));
    let added = api
        .add_whitelist_entry(&whitelist_entry("127.0.0.9", None))
        .await
        .expect("201");
    let (added_json, id) = (sent(&added), added.value.id);
    for id in [id, 999999] {
        assert_eq!(
            refusal(mallorys_api.remove_whitelist_entry(id).await).0,
            StatusCode::NOT_FOUND,
            "{id}"
        );
    }
    // Not an id at all: the typed client cannot send it.
    let path = "/api/whitelist/abc";
    assert_eq!(
        app.delete_bearer(path, &mallory_key).await.status(),
        StatusCode::NOT_FOUND,
        "{path}"
    );
    let theirs = mallorys_api.list_whitelist().await.unwrap();
    assert_eq!(sent(&theirs), json!({ "entries": [] }));
    assert_eq!(
        sent(&api.list_whitelist().await.unwrap())["entries"],
        json!([added_json])
    );
    assert!(
        app.user_hosts(&user)
            .await
            .contains(&"127.0.0.9".to_owned())
    );
}

/// A change interrupted halfway (the row says 'adding' or 'removing') is finished by reconciliation,
/// and until then it is not reported as in force.
#[tokio::test]
async fn reconciliation_finishes_interrupted_changes() {
    let app = spawn_app().await;
    let (account, key, _, user) = setup(&app).await;
    for (host, state) in [("127.0.0.10", "adding"), ("127.0.0.11", "removing")] {
        sqlx::query("INSERT INTO whitelist (account_id, host, mysql_host, note, state, created_at) VALUES (?, ?, ?, '', ?, 0)")
            .bind(account.id)
            .bind(host)
            .bind(host)
            .bind(state)
            .execute(&app.state.store)
            .await
            .unwrap();
    }
    sqlx::query(&format!(
        "CREATE USER '{user}'@'127.0.0.11' IDENTIFIED BY 'left over'"
    ))
    .execute(&app.state.mysql)
    .await
    .unwrap();
    let api = app.api(&key);
    assert_eq!(
        sent(&api.list_whitelist().await.unwrap()),
        json!({ "entries": [] })
    );

    whitelist::reconcile(&app.state.store, &app.state.fleet)
        .await
        .unwrap();
    assert_eq!(app.user_hosts(&user).await, vec!["127.0.0.10", "localhost"]);
    app.connect_from("127.0.0.10", &user, PASSWORD)
        .await
        .expect("the interrupted addition is in force now");
    let listed = api.list_whitelist().await.unwrap().value;
    assert_eq!(listed.entries.len(), 1);
    assert_eq!(listed.entries[0].host, "127.0.0.10");
}

/// Weakness 1: a removal that answered 204 stays removed, whatever ran at the same time — a
/// reconciliation that read the list a moment before, or a user being created from that list.
#[tokio::test]
async fn a_removal_is_not_undone_by_concurrent_reconciliation_or_user_creation() {
    let app = spawn_app().await;
    let (account, key, _, user) = setup(&app).await;
    let api = app.api(&key);
    for round in 0..8 {
        let host = format!("192.0.2.{}", round + 1);
        let added = api
            .add_whitelist_entry(&whitelist_entry(&host, None))
            .await
            .expect("201");
        assert_eq!(added.status, StatusCode::CREATED);
        let newcomer = format!("{}_n{round}", account.prefix);
        let newcomer_request = user_with_password(&newcomer);
        let (removed, reconciled, created) = tokio::join!(
            api.remove_whitelist_entry(added.value.id),
            whitelist::reconcile(&app.state.store, &app.state.fleet),
            api.create_user(&newcomer_request),
        );
        assert_eq!(
            removed.unwrap_or_else(|err| panic!("round {round}: {err}")),
            StatusCode::NO_CONTENT,
            "round {round}"
        );
        assert_eq!(
            created
                .unwrap_or_else(|err| panic!("round {round}: {err}"))
                .status,
            StatusCode::CREATED,
            "round {round}"
        );
        for name in [&user, &newcomer] {
            let hosts = app.user_hosts(name).await;
            assert!(
                !hosts.contains(&host),
                "round {round}: {name} exists at the removed host {host}: {hosts:?}"
            );
        }
        reconciled.unwrap_or_else(|err| panic!("round {round}: reconciliation failed: {err}"));
    }
}

/// A host account that no entry asks for (made by hand, or left by a crash) is dropped.
#[tokio::test]
async fn reconciliation_drops_host_accounts_no_entry_asks_for() {
    let app = spawn_app().await;
    let (_, key, _, user) = setup(&app).await;
    assert_eq!(
        app.api(&key)
            .add_whitelist_entry(&whitelist_entry("192.0.2.50", None))
            .await
            .expect("201")
            .status,
        StatusCode::CREATED
    );
    sqlx::query(&format!(
        "CREATE USER '{user}'@'127.0.0.9' IDENTIFIED BY 'stray password'"
    ))
    .execute(&app.state.mysql)
    .await
    .unwrap();
    assert_eq!(
        app.user_hosts(&user).await,
        vec!["127.0.0.9", "192.0.2.50", "localhost"]
    );

    whitelist::reconcile(&app.state.store, &app.state.fleet)
        .await
        .unwrap();
    assert_eq!(
        app.user_hosts(&user).await,
        vec!["192.0.2.50", "localhost"],
        "the stray is gone, the entry's account stays"
    );
}

/// One row MariaDB refuses (a host longer than it allows) is skipped: the other rows of the
/// account and other accounts are still reconciled, and the failure is reported at the end.
#[tokio::test]
async fn one_failing_row_does_not_stop_reconciliation() {
    let app = spawn_app().await;
    let (account, _, _, user) = setup(&app).await;
    let (other, other_key, _, other_user) = setup(&app).await;
    let rows = [
        (account.id, "1".repeat(300)),
        (account.id, "192.0.2.60".to_owned()),
        (other.id, "192.0.2.61".to_owned()),
    ];
    for (account_id, host) in &rows {
        sqlx::query("INSERT INTO whitelist (account_id, host, mysql_host, note, state, created_at) VALUES (?, ?, ?, '', 'adding', 0)")
            .bind(account_id)
            .bind(host)
            .bind(host)
            .execute(&app.state.store)
            .await
            .unwrap();
    }
    assert!(
        whitelist::reconcile(&app.state.store, &app.state.fleet)
            .await
            .is_err(),
        "the failure is reported"
    );
    assert_eq!(
        app.user_hosts(&user).await,
        vec!["192.0.2.60", "localhost"],
        "the account's other row is in force"
    );
    assert_eq!(
        app.user_hosts(&other_user).await,
        vec!["192.0.2.61", "localhost"],
        "another account is reconciled"
    );
    let listed = app.api(&other_key).list_whitelist().await.unwrap().value;
    assert_eq!(listed.entries[0].host, "192.0.2.61", "and reported active");
}

/// Weakness 10: the 100-entry limit holds when adds race each other.
#[tokio::test]
async fn the_entry_limit_holds_under_parallel_adds() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    for n in 0..98 {
        let host = format!("198.51.100.{}", n + 1);
        sqlx::query("INSERT INTO whitelist (account_id, host, mysql_host, note, state, created_at) VALUES (?, ?, ?, '', 'active', 0)")
            .bind(account.id)
            .bind(&host)
            .bind(&host)
            .execute(&app.state.store)
            .await
            .unwrap();
    }
    let mut adds = tokio::task::JoinSet::new();
    for n in 0..10 {
        let (api, request) = (
            app.api(&key),
            whitelist_entry(&format!("203.0.113.{}", n + 1), None),
        );
        adds.spawn(async move {
            match api.add_whitelist_entry(&request).await {
                Ok(added) => added.status,
                Err(err) => err.status().unwrap_or_else(|| panic!("no answer: {err}")),
            }
        });
    }
    let statuses = adds.join_all().await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
            .count(),
        8,
        "{statuses:?}"
    );
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM whitelist WHERE account_id = ?")
        .bind(account.id)
        .fetch_one(&app.state.store)
        .await
        .unwrap();
    assert_eq!(stored, 100);
}
