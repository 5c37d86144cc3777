//! Issue 24, item 1 and 2: a managed server the panel reaches only over TCP with verified TLS —
//! its own `mariadbd` with a certificate from a test CA, `require_secure_transport`, and no Unix
//! socket left to use — serves every feature of an account placed on it.
use crate::backups::{backup_now, import_and_wait, restore};
use crate::fleet::{account_on, panel_cli};
use crate::helpers::{TestApp, new_user, privileges, refusal, spawn_app, whitelist_entry};
use crate::private_mariadb::{PrivateMariaDb, TestCertificates};
use reqwest::{Method, StatusCode};
use serde_json::json;
use server::domain::secret::random_base62;
use std::time::{Duration, Instant};
use types::backups::JobStatus;
use types::model::CreateDatabase;
use types::query::QueryRequest;

/// `server add --ca` of `db` (its root has no password).
fn add_with_ca(
    app: &TestApp,
    name: &str,
    db: &PrivateMariaDb,
    ca: &std::path::Path,
) -> std::process::Output {
    panel_cli(
        app,
        &[
            "server",
            "add",
            "--name",
            name,
            "--url",
            &db.url(),
            "--ca",
            ca.to_str().unwrap(),
            "--password-stdin",
        ],
        "\n",
    )
}

/// `db` started TLS-only with `certificates` and registered with `server add --ca`; its name.
pub async fn register_tls_only(
    app: &TestApp,
    db: &mut PrivateMariaDb,
    certificates: &TestCertificates,
) -> String {
    let ca = db.start_tls_only(certificates).await;
    let name = format!("tls-{}", random_base62(6).to_lowercase());
    let added = add_with_ca(app, &name, db, &ca);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    name
}

#[tokio::test]
async fn every_feature_works_on_a_server_reached_only_over_verified_tls() {
    let app = spawn_app().await;
    let mut db2 = PrivateMariaDb::install();
    let certificates = TestCertificates::for_names(&["127.0.0.1"]);
    let name = register_tls_only(&app, &mut db2, &certificates).await;
    let listed = String::from_utf8(panel_cli(&app, &["server", "list"], "").stdout).unwrap();
    let line = listed
        .lines()
        .find(|line| line.starts_with(&name))
        .unwrap_or_default();
    assert!(
        line.contains(" up ")
            && line.contains("MariaDB")
            && line.split_whitespace().any(|field| field == "verified"),
        "server list shows its TLS state and version: {listed}"
    );

    let account = account_on(&app, Some(&name)).await.unwrap();
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    let db = format!("{}_shop", account.prefix);
    let user = format!("{}_app", account.prefix);

    // Databases, users, privileges, whitelist: the admin pool over TLS.
    assert_eq!(
        api.create_database(&CreateDatabase::named(db.clone()))
            .await
            .unwrap()
            .status,
        StatusCode::CREATED
    );
    api.create_user(&new_user(&user, Some("Str0ng-enough-pw")))
        .await
        .unwrap();
    api.set_privileges(&user, &db, &privileges(&["SELECT", "INSERT"]))
        .await
        .unwrap();
    api.add_whitelist_entry(&whitelist_entry("198.51.100.7", None))
        .await
        .unwrap();
    let hosts = db2.hosts_of(&user);
    assert!(
        hosts.contains("localhost") && hosts.contains("198.51.100.7"),
        "{hosts}"
    );
    let grants = db2
        .sql_tls(&format!("SHOW GRANTS FOR '{user}'@'198.51.100.7'"))
        .unwrap();
    assert!(grants.contains("SELECT, INSERT"), "{grants}");

    // Queries run as the account's identity, over TLS, from the panel's address.
    for sql in [
        "CREATE TABLE items (id INT PRIMARY KEY, data BLOB)",
        "INSERT INTO items SELECT seq, UNHEX(SHA2(seq, 256)) FROM seq_1_to_500",
    ] {
        api.run_query(&db, &QueryRequest::sql(sql)).await.unwrap();
    }
    let who = api
        .run_query(
            &db,
            &QueryRequest::sql(
                "SELECT CURRENT_USER() AS who, @@port AS port, VARIABLE_VALUE AS cipher \
                 FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'",
            ),
        )
        .await
        .unwrap();
    let row = &who.value.results()[0].rows[0];
    assert_eq!(
        row[0],
        json!(format!("{}-panel@127.0.0.1", account.prefix)),
        "{}",
        who.raw
    );
    assert_eq!(row[1], json!(db2.port));
    assert!(
        row[2].as_str().is_some_and(|cipher| !cipher.is_empty()),
        "the identity's session is encrypted: {}",
        who.raw
    );
    let identity_hosts = db2
        .sql_tls(&format!(
            "SELECT Host FROM mysql.user WHERE User = '{}-panel'",
            account.prefix
        ))
        .unwrap();
    assert_eq!(
        identity_hosts.trim(),
        "127.0.0.1",
        "the identity exists at the panel's address only (never %, never localhost)"
    );

    // Cancel reaches the statement on that server.
    let running = {
        let (api, db) = (api.clone(), db.clone());
        let request = QueryRequest {
            query_id: Some(format!("remote-cancel-{}", random_base62(6))),
            ..QueryRequest::sql("SELECT SLEEP(30)")
        };
        let id = request.query_id.clone().unwrap();
        (
            id,
            tokio::spawn(async move { api.run_query(&db, &request).await }),
        )
    };
    let started = Instant::now();
    while api.cancel_query(&running.0).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(10), "never known");
    }
    assert_eq!(refusal(running.1.await.unwrap()).1, "query_cancelled");
    assert!(started.elapsed() < Duration::from_secs(10));

    // Export streams from it.
    let export = app
        .send_json(
            Method::POST,
            &format!("/api/databases/{db}/query/export"),
            &key,
            json!({ "sql": "SELECT id FROM items ORDER BY id", "format": "csv" }),
        )
        .await;
    assert_eq!(export.status(), StatusCode::OK);
    let csv = export.text().await.unwrap();
    assert_eq!(csv.lines().count(), 501, "a header and 500 rows");

    // Backup (mariadb-dump over TCP, the CA handed over in a pipe), restore, import.
    let backup = backup_now(&app, &key, &db).await;
    api.run_query(&db, &QueryRequest::sql("DELETE FROM items WHERE id > 10"))
        .await
        .unwrap();
    let restored = restore(&app, &key, &backup.id, &db).await;
    assert_eq!(restored.status, JobStatus::Completed, "{restored:?}");
    assert!(
        restored.verification.as_ref().is_some_and(|v| v.verified),
        "{restored:?}"
    );
    let count = |sql: &'static str| {
        let (api, db) = (api.clone(), db.clone());
        async move {
            api.run_query(&db, &QueryRequest::sql(sql))
                .await
                .unwrap()
                .value
                .results()[0]
                .rows[0][0]
                .clone()
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM items").await, json!(500));
    let imported = import_and_wait(
        &app,
        &key,
        &db,
        b"CREATE TABLE imported (id INT);\nINSERT INTO imported VALUES (1), (2), (3);\n".to_vec(),
    )
    .await;
    assert_eq!(imported.status, JobStatus::Completed, "{imported:?}");
    assert_eq!(count("SELECT COUNT(*) FROM imported").await, json!(3));

    // The Connect tab names the server, with no socket of this machine.
    let detail = api.get_database(&db).await.unwrap().value;
    assert_eq!(
        (detail.connection.port, detail.connection.socket),
        (db2.port, None)
    );
}

#[tokio::test]
async fn a_certificate_for_another_host_name_is_refused_with_a_clear_message() {
    let app = spawn_app().await;
    let mut db = PrivateMariaDb::install();
    let certificates = TestCertificates::for_names(&["db.elsewhere.example"]);
    let ca = db.start_tls_only(&certificates).await;
    let name = format!("wrong-{}", random_base62(6).to_lowercase());
    let refused = add_with_ca(&app, &name, &db, &ca);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{said}");
    assert!(
        said.contains("certificate was not accepted") && said.contains("127.0.0.1"),
        "{said}"
    );
    let listed = String::from_utf8(panel_cli(&app, &["server", "list"], "").stdout).unwrap();
    assert!(!listed.contains(&name), "{listed}");
}

/// Item 2: `NOBREGAS_MYSQL_CA` makes the default server's connections verified TLS too, and a
/// default server whose socket is not on this machine is used over TCP like any other.
#[tokio::test]
async fn the_default_server_is_verified_against_nobregas_mysql_ca() {
    let mut db = PrivateMariaDb::install();
    let ca = db
        .start_tls_only(&TestCertificates::for_names(&["127.0.0.1"]))
        .await;
    let mut settings = crate::helpers::test_settings();
    settings.mysql_url = db.url();
    settings.mysql_ca = Some(ca);
    let app = crate::helpers::spawn_app_with(settings).await;
    let listed =
        String::from_utf8(panel_cli_with_ca(&app, &db, &["server", "list"]).stdout).unwrap();
    assert!(
        listed.lines().any(|line| line.starts_with("default ")
            && line.contains(" up ")
            && line.split_whitespace().any(|field| field == "verified")),
        "{listed}"
    );
    let account = account_on(&app, None).await.unwrap();
    let api = app.api(&app.issue_key(&account).await);
    let db_name = format!("{}_main", account.prefix);
    api.create_database(&CreateDatabase::named(db_name.clone()))
        .await
        .unwrap();
    let cipher = api
        .run_query(
            &db_name,
            &QueryRequest::sql(
                "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'",
            ),
        )
        .await
        .unwrap();
    assert!(
        cipher.value.results()[0].rows[0][0]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "{}",
        cipher.raw
    );

    // Another CA: the panel does not start talking to the server at all.
    let stranger = TestCertificates::for_names(&["127.0.0.1"]);
    let wrong = db.dir.join("stranger.pem");
    std::fs::write(&wrong, stranger.ca_pem).unwrap();
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
        .args(["server", "list"])
        .env("NOBREGAS_DATA_DIR", &app.data_dir)
        .envs(app.store_env())
        .env("NOBREGAS_MYSQL_URL", db.url())
        .env("NOBREGAS_MYSQL_CA", &wrong)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&refused.stdout);
    assert!(
        said.lines()
            .any(|line| line.starts_with("default ") && line.contains(" down ")),
        "with a CA that did not sign its certificate the server counts as down: {said}"
    );
}

/// `nobregas-panel` on the app's store, with `db` as the default server and its CA.
fn panel_cli_with_ca(app: &TestApp, db: &PrivateMariaDb, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
        .args(args)
        .env("NOBREGAS_DATA_DIR", &app.data_dir)
        .envs(app.store_env())
        .env("NOBREGAS_MYSQL_URL", db.url())
        .env("NOBREGAS_MYSQL_CA", db.dir.join("ca.pem"))
        .output()
        .unwrap()
}
