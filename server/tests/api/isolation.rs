//! Two tenants: every endpoint, called by one on the other's resources, is 404 and changes nothing.
use crate::helpers::{new_user, privileges, refusal, spawn_app};
use reqwest::StatusCode;
use types::model::{CreateDatabase, SetPassword};

#[tokio::test]
async fn another_tenant_gets_404_everywhere_and_nothing_changes() {
    let app = spawn_app().await;
    let (alice, mallory) = (app.create_account().await, app.create_account().await);
    let (alice_key, mallory_key) = (app.issue_key(&alice).await, app.issue_key(&mallory).await);
    let (alice_api, mallory_api) = (app.api(&alice_key), app.api(&mallory_key));
    let (db, user) = (
        format!("{}_shop", alice.prefix),
        format!("{}_app", alice.prefix),
    );
    let mallory_db = format!("{}_mine", mallory.prefix);
    let mallory_missing_user = format!("{}_none", mallory.prefix);
    alice_api
        .create_database(&CreateDatabase::named(db.clone()))
        .await
        .expect("Alice's database");
    alice_api
        .create_user(&new_user(&user, Some("alice's password")))
        .await
        .expect("Alice's user");
    alice_api
        .set_privileges(&user, &db, &privileges(&["SELECT"]))
        .await
        .expect("Alice's grant");
    mallory_api
        .create_database(&CreateDatabase::named(mallory_db.clone()))
        .await
        .expect("Mallory's database");
    let before = (
        app.footprint(&alice.prefix).await,
        app.show_grants(&user).await,
    );

    let refusals = [
        (
            "get Alice's database",
            refusal(mallory_api.get_database(&db).await),
        ),
        (
            "delete Alice's database",
            refusal(mallory_api.delete_database(&db).await),
        ),
        (
            "delete Alice's user",
            refusal(mallory_api.delete_user(&user).await),
        ),
        (
            "set Alice's user's password",
            refusal(
                mallory_api
                    .set_user_password(
                        &user,
                        &SetPassword {
                            password: "mallory was here!".into(),
                        },
                    )
                    .await,
            ),
        ),
        (
            "set Alice's grant",
            refusal(
                mallory_api
                    .set_privileges(&user, &db, &privileges(&["ALL"]))
                    .await,
            ),
        ),
        (
            "revoke Alice's grant",
            refusal(mallory_api.revoke_privileges(&user, &db).await),
        ),
        // Mixed: Mallory's database, Alice's user, and the other way round.
        (
            "grant Alice's user on Mallory's database",
            refusal(
                mallory_api
                    .set_privileges(&user, &mallory_db, &privileges(&["SELECT"]))
                    .await,
            ),
        ),
        (
            "grant a user of Mallory's on Alice's database",
            refusal(
                mallory_api
                    .set_privileges(&mallory_missing_user, &db, &privileges(&["SELECT"]))
                    .await,
            ),
        ),
        (
            "get the mysql database",
            refusal(mallory_api.get_database("mysql").await),
        ),
        (
            "delete information_schema",
            refusal(mallory_api.delete_database("information_schema").await),
        ),
    ];
    for (attempt, refused) in refusals {
        assert_eq!(
            refused,
            (StatusCode::NOT_FOUND, "not_found".to_owned()),
            "{attempt}"
        );
    }
    let taken_database = mallory_api
        .create_database(&CreateDatabase::named(db.clone()))
        .await;
    assert_eq!(
        refusal(taken_database).0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "create Alice's database"
    );
    let taken_user = mallory_api.create_user(&new_user(&user, None)).await;
    assert_eq!(
        refusal(taken_user).0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "create Alice's user"
    );
    let databases = format!("{:?}", mallory_api.list_databases().await.unwrap().value);
    assert!(
        !databases.contains(&alice.prefix),
        "the database list leaks: {databases}"
    );
    let users = format!("{:?}", mallory_api.list_users().await.unwrap().value);
    assert!(
        !users.contains(&alice.prefix),
        "the user list leaks: {users}"
    );
    assert_eq!(
        (
            app.footprint(&alice.prefix).await,
            app.show_grants(&user).await
        ),
        before
    );
    app.connect_as(&user, "alice's password")
        .await
        .expect("Alice's user is untouched");
}

/// A grant on `p_s_p` written unescaped would also open `pxs_p`, a database of tenant `pxs`.
#[tokio::test]
async fn grants_do_not_leak_through_wildcards() {
    let app = spawn_app().await;
    let alice = app.create_account().await; // 12-character prefix: room for "xs" within 16
    let neighbour = app
        .create_account_with_prefix(&format!("{}xs", alice.prefix))
        .await;
    let (alice_key, neighbour_key) = (app.issue_key(&alice).await, app.issue_key(&neighbour).await);
    let (db, user, password) = (
        format!("{}_s_p", alice.prefix),
        format!("{}_u", alice.prefix),
        "alice's password",
    );
    let victim = format!("{}_p", neighbour.prefix);
    assert_eq!(victim, format!("{}xs_p", alice.prefix));
    for (key, name) in [(&alice_key, &db), (&neighbour_key, &victim)] {
        let created = app
            .api(key)
            .create_database(&CreateDatabase::named(name.clone()))
            .await
            .expect("created");
        assert_eq!(created.status, StatusCode::CREATED);
        sqlx::query(&format!("CREATE TABLE `{name}`.secrets (v INT)"))
            .execute(&app.state.mysql)
            .await
            .unwrap();
    }
    let alice_api = app.api(&alice_key);
    alice_api
        .create_user(&new_user(&user, Some(password)))
        .await
        .expect("Alice's user");
    let granted = alice_api
        .set_privileges(&user, &db, &privileges(&["ALL"]))
        .await
        .expect("granted");
    assert_eq!(granted.status, StatusCode::OK);

    let mut conn = app.connect_as(&user, password).await.unwrap();
    sqlx::query(&format!("SELECT * FROM `{db}`.secrets"))
        .fetch_all(&mut conn)
        .await
        .expect("own database readable");
    let stolen = sqlx::query(&format!("SELECT * FROM `{victim}`.secrets"))
        .fetch_all(&mut conn)
        .await;
    assert!(stolen.is_err(), "the neighbour's database must stay closed");
    let visible: Vec<String> = sqlx::query_scalar("SHOW DATABASES")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(!visible.contains(&victim), "{visible:?}");
}
