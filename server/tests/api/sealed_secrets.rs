//! Issue 22, finding 5: identity passwords, registered servers' admin passwords and TOTP secrets
//! were stored as they are, so one tenant who read the store logged in as another's identity.
//! They are sealed now; no value in the store logs in anywhere.
use crate::backups::account_with_database;
use crate::helpers::{TestApp, mariadb_root, spawn_app_with, test_settings};
use server::config::Settings;
use server::domain::sealed_columns;
use server::domain::secret::random_base62;
use server::startup::Application;

async fn stored_identity_password(app: &TestApp, account_id: i64) -> String {
    let value: server::store::Text =
        sqlx::query_scalar("SELECT password FROM query_identities WHERE account_id = ?")
            .bind(account_id)
            .fetch_one(&app.state.store)
            .await
            .unwrap();
    value.0
}

#[tokio::test]
async fn secrets_are_sealed_and_no_stored_value_logs_in() {
    let app = spawn_app_with(test_settings()).await;
    let (account, key, db) = account_with_database(&app, "sealed").await;
    app.query_ok(&key, &db, "SELECT 1").await;
    let identity = format!("{}-panel", account.prefix);

    // The identity's password: sealed, and useless as a password.
    let stored = stored_identity_password(&app, account.id).await;
    assert!(stored.starts_with("sealed1:"), "{stored}");
    assert!(
        app.connect_as(&identity, &stored).await.is_err(),
        "the stored value logs in as the identity"
    );
    let real = app
        .state
        .sealer
        .open_text(&sealed_columns::identity_password(account.id), &stored)
        .unwrap();
    assert!(
        app.connect_as(&identity, &real).await.is_ok(),
        "the sealed value opens to the real password"
    );

    // A TOTP secret: sealed.
    let cookie = app.sign_in(&account).await;
    let begun = app.post_rpc("begin_two_factor", &cookie).await;
    let enrolment: serde_json::Value = begun.json().await.unwrap();
    let base32 = enrolment["secret"].as_str().unwrap().replace(' ', "");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret FROM two_factor WHERE account_id = ?")
        .bind(account.id)
        .fetch_one(&app.state.store)
        .await
        .unwrap();
    let raw = totp_rs::Secret::Encoded(base32).to_bytes().unwrap();
    assert!(
        stored.starts_with(b"sealed1:") && !stored.windows(raw.len()).any(|w| w == raw),
        "the TOTP secret is stored as it is"
    );

    // A registered server's admin password: sealed, and useless as a password.
    let (admin, password) = (
        format!("nbgadm{}", random_base62(8).to_lowercase()),
        random_base62(24),
    );
    mariadb_root(&format!(
        "CREATE USER '{admin}'@'127.0.0.1' IDENTIFIED BY '{password}'"
    ));
    mariadb_root(&format!(
        "GRANT ALL PRIVILEGES ON *.* TO '{admin}'@'127.0.0.1' WITH GRANT OPTION"
    ));
    let name = format!("s{}", random_base62(8).to_lowercase());
    let url = format!("mysql://{admin}@127.0.0.1:3306");
    let new = server::services::servers::NewServer {
        name: &name,
        url: &url,
        password: &password,
        public_host: None,
        ca_pem: None,
        tls_insecure: false,
        panel_hosts: &[],
    };
    let added = server::services::servers::add(&app.state.store, &app.state.sealer, new).await;
    let stored: Option<server::store::Text> =
        sqlx::query_scalar("SELECT password FROM servers WHERE name = ?")
            .bind(&name)
            .fetch_optional(&app.state.store)
            .await
            .unwrap();
    mariadb_root(&format!("DROP USER '{admin}'@'127.0.0.1'"));
    added.unwrap();
    let stored = stored.unwrap().0;
    assert!(
        stored.starts_with("sealed1:") && !stored.contains(&password),
        "{stored}"
    );

    // The key itself is not in the store (a SQLite store is one file to search).
    let key_text = std::fs::read_to_string(app.data_dir.join("secret.key")).unwrap();
    if app.store_database.is_none() {
        let store_bytes = std::fs::read(app.data_dir.join("panel.db")).unwrap();
        assert!(
            !store_bytes
                .windows(key_text.trim().len())
                .any(|w| w == key_text.trim().as_bytes())
        );
    }
}

/// What an earlier version stored in the clear is sealed at the next start, and still works.
#[tokio::test]
async fn cleartext_secrets_of_an_earlier_version_are_sealed_at_start() {
    let settings = test_settings();
    let first = spawn_app_with(settings.clone()).await;
    let (account, key, db) = account_with_database(&first, "old").await;
    first.query_ok(&key, &db, "SELECT 1").await;
    let sealed = stored_identity_password(&first, account.id).await;
    let clear = first
        .state
        .sealer
        .open_text(&sealed_columns::identity_password(account.id), &sealed)
        .unwrap();
    sqlx::query("UPDATE query_identities SET password = ? WHERE account_id = ?")
        .bind(&clear)
        .bind(account.id)
        .execute(&first.state.store)
        .await
        .unwrap();

    let second = spawn_app_with(settings).await;
    let resealed = stored_identity_password(&second, account.id).await;
    assert!(
        resealed.starts_with("sealed1:") && !resealed.contains(&clear),
        "{resealed}"
    );
    second.query_ok(&key, &db, "SELECT 1").await;
    second.track_prefix(&account.prefix);
}

fn with_key_file(settings: &Settings, file: &str) -> Settings {
    let mut settings = settings.clone();
    settings.secret_key_file = settings.data_dir.join(file);
    settings
}

/// Instances sharing a store need one key: another key refuses to start, saying so. `secrets
/// rotate-key` re-seals everything under a new key, after which only the new key opens the store.
#[tokio::test]
async fn another_key_refuses_to_start_and_rotation_reseals_everything() {
    let settings = test_settings();
    let first = spawn_app_with(settings.clone()).await;
    let (account, key, db) = account_with_database(&first, "rot").await;
    first.query_ok(&key, &db, "SELECT 1").await;

    let refused = Application::build(&with_key_file(&settings, "other.key"))
        .await
        .err()
        .expect("another key must not start");
    assert!(
        format!("{refused:#}").contains("cannot open the secrets sealed in this panel store"),
        "{refused:#}"
    );

    let new_key = settings.data_dir.join("new.key");
    let rotated = crate::fleet::panel_cli(
        &first,
        &[
            "secrets",
            "rotate-key",
            "--new-key-file",
            new_key.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );

    let old_key = Application::build(&settings)
        .await
        .err()
        .expect("the old key no longer opens the store");
    assert!(
        format!("{old_key:#}").contains("cannot open"),
        "{old_key:#}"
    );
    let third = spawn_app_with(with_key_file(&settings, "new.key")).await;
    third.query_ok(&key, &db, "SELECT 1").await;
    third.track_prefix(&account.prefix);
}
