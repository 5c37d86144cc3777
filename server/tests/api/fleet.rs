//! A fleet of managed servers: the shared test MariaDB as the default server, and a second
//! `mariadbd` this test starts on its own port and data directory (never touching the shared one).
use crate::helpers::{TestAccount, TestApp, random_prefix, refusal, spawn_app_with, test_settings};
use crate::private_mariadb::PrivateMariaDb;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::domain::secret::random_base62;
use server::services::accounts;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use types::backups::JobStatus;
use types::model::{CreateDatabase, CreateUser};
use types::query::QueryRequest;

/// `nobregas-panel <args>` on the test app's store.
pub fn panel_cli(app: &TestApp, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
        .args(args)
        .env("NOBREGAS_DATA_DIR", &app.data_dir)
        .envs(app.store_env())
        .env("NOBREGAS_MYSQL_URL", crate::helpers::mysql_url())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// An account placed on `server` (by name) through the service, as `account create --server` does.
pub async fn account_on(
    app: &TestApp,
    server: Option<&str>,
) -> Result<TestAccount, app::error::AppError> {
    let prefix = random_prefix();
    let (email, password) = (format!("{prefix}@example.test"), random_base62(16));
    let id = accounts::create(
        &app.state.store,
        &app.state.fleet,
        &app.state.login_limiter.argon2,
        (
            &app::validate::Email::parse(&email).unwrap(),
            &app::validate::Prefix::parse(&prefix).unwrap(),
        ),
        app::validate::Password::parse(&password).unwrap(),
        server,
    )
    .await?;
    app.track_prefix(&prefix);
    Ok(TestAccount {
        id,
        email,
        prefix,
        password,
    })
}

/// Which server (by name) the store placed the account on.
async fn placed_on(app: &TestApp, account: &TestAccount) -> String {
    app.state
        .fleet
        .for_account(&app.state.store, account.id)
        .await
        .unwrap()
        .name
        .clone()
}

#[tokio::test]
async fn accounts_live_on_their_own_server_and_one_server_down_stops_only_its_accounts() {
    let mut db2 = PrivateMariaDb::install();
    db2.start().await;
    let mut settings = test_settings();
    settings.metrics_token = Some("scrape".into());
    let app = spawn_app_with(settings).await;

    // Registering: the password never in the URL, a name that is not the default's, and the
    // credentials must log in.
    let refused = panel_cli(
        &app,
        &[
            "server",
            "add",
            "--name",
            "db2",
            "--url",
            &format!("mysql://root:secret@127.0.0.1:{}", db2.port),
            "--password-stdin",
        ],
        "\n",
    );
    assert!(
        !refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("password"),
        "a password in the URL is refused"
    );
    let refused = panel_cli(
        &app,
        &[
            "server",
            "add",
            "--name",
            "default",
            "--url",
            &db2.url(),
            "--password-stdin",
        ],
        "\n",
    );
    assert!(
        !refused.status.success(),
        "the default server's name is taken"
    );
    let refused = panel_cli(
        &app,
        &[
            "server",
            "add",
            "--name",
            "db2",
            "--url",
            "mysql://root@127.0.0.1:1",
            "--password-stdin",
        ],
        "\n",
    );
    assert!(
        !refused.status.success(),
        "a server that does not answer is not registered"
    );
    let added = panel_cli(
        &app,
        &[
            "server",
            "add",
            "--name",
            "db2",
            "--url",
            &db2.url(),
            "--password-stdin",
            "--public-host",
            "db2.example.test",
        ],
        "\n",
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let list = String::from_utf8(panel_cli(&app, &["server", "list"], "").stdout).unwrap();
    assert!(
        list.lines()
            .any(|line| line.starts_with("db2 ") && line.contains(" up ")),
        "{list}"
    );
    assert!(
        list.lines().any(|line| line.starts_with("default ")),
        "{list}"
    );

    // Placement: by name, else the open server whose databases hold the fewest bytes (as `server
    // list` and the maintenance loop measured them), then the fewest accounts.
    let alice = account_on(&app, Some("default")).await.unwrap();
    let bob = account_on(&app, Some("db2")).await.unwrap();
    assert_eq!(
        (placed_on(&app, &alice).await, placed_on(&app, &bob).await),
        ("default".into(), "db2".into())
    );
    let usage = |bytes: i64, name: &str| {
        sqlx::query("UPDATE server_usage SET bytes = ? WHERE server = ?")
            .bind(bytes)
            .bind(name.to_owned())
            .execute(&app.state.store)
    };
    usage(1 << 30, "default").await.unwrap();
    usage(1 << 20, "db2").await.unwrap();
    let carol = account_on(&app, None).await.unwrap();
    assert_eq!(placed_on(&app, &carol).await, "db2", "fewer bytes");
    usage(1 << 20, "default").await.unwrap();
    let dave = account_on(&app, None).await.unwrap();
    assert_eq!(
        placed_on(&app, &dave).await,
        "default",
        "as many bytes: fewer accounts (db2 has bob and carol)"
    );
    assert!(
        panel_cli(
            &app,
            &["server", "drain", "--name", "db2", "--mark-only"],
            ""
        )
        .status
        .success()
    );
    assert_eq!(
        account_on(&app, Some("db2")).await.err().unwrap().code,
        app::error::ErrorCode::Conflict,
        "a draining server takes no account"
    );
    let erin = account_on(&app, None).await.unwrap();
    assert_eq!(
        placed_on(&app, &erin).await,
        "default",
        "draining servers are skipped"
    );
    let removed = panel_cli(&app, &["server", "remove", "--name", "db2"], "");
    assert!(!removed.status.success(), "a server with accounts stays");

    // Every operation of an account goes to its server.
    let (alice_key, bob_key) = (app.issue_key(&alice).await, app.issue_key(&bob).await);
    let (alice_db, bob_db) = (
        format!("{}_shop", alice.prefix),
        format!("{}_shop", bob.prefix),
    );
    let (alice_api, bob_api) = (app.api(&alice_key), app.api(&bob_key));
    for (api, db) in [(&alice_api, &alice_db), (&bob_api, &bob_db)] {
        assert_eq!(
            api.create_database(&CreateDatabase::named(db.clone()))
                .await
                .expect("201")
                .status,
            StatusCode::CREATED
        );
    }
    assert!(
        app.database_exists(&alice_db).await && !app.database_exists(&bob_db).await,
        "bob's database is not on the default server"
    );
    assert_eq!(
        db2.sql(&format!("SHOW DATABASES LIKE '{bob_db}'"))
            .unwrap()
            .trim(),
        bob_db
    );
    let port = bob_api
        .run_query(&bob_db, &QueryRequest::sql("SELECT @@port AS port"))
        .await
        .expect("200");
    assert_eq!(port.status, StatusCode::OK);
    assert_eq!(
        port.value.results()[0].rows[0][0],
        json!(db2.port),
        "{}",
        port.raw
    );
    let user = format!("{}_app", bob.prefix);
    assert_eq!(
        bob_api
            .create_user(&CreateUser {
                name: user.clone(),
                password: None,
            })
            .await
            .expect("201")
            .status,
        StatusCode::CREATED
    );
    assert!(
        db2.sql(&format!(
            "SELECT Host FROM mysql.user WHERE User = '{user}'"
        ))
        .unwrap()
        .contains("localhost")
    );
    assert!(
        app.user_hosts(&user).await.is_empty(),
        "not on the default server"
    );
    let detail = bob_api.get_database(&bob_db).await.unwrap().value;
    assert_eq!(detail.connection.host, "db2.example.test");
    assert_eq!(detail.connection.port, db2.port);
    let id = bob_api.create_backup(&bob_db).await.unwrap().value.id;
    let started = Instant::now();
    loop {
        let seen = bob_api.get_backup(&id).await.unwrap().value;
        if seen.status == JobStatus::Completed {
            break;
        }
        assert_ne!(seen.status, JobStatus::Failed, "{seen:?}");
        assert!(started.elapsed() < Duration::from_secs(60), "{seen:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Isolation across servers.
    let listed = alice_api.list_databases().await.unwrap();
    assert!(!listed.raw.contains(&bob_db), "{}", listed.raw);
    assert_eq!(
        refusal(alice_api.get_database(&bob_db).await).0,
        StatusCode::NOT_FOUND
    );

    // db2 stops: only its accounts answer 503, and /healthz names it.
    db2.stop();
    assert_eq!(
        refusal(bob_api.list_databases().await),
        (StatusCode::SERVICE_UNAVAILABLE, "mysql_unavailable".into())
    );
    assert_eq!(
        alice_api.list_databases().await.unwrap().status,
        StatusCode::OK
    );
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    let health: Value = health.json().await.unwrap();
    let status_of = |name: &str| {
        health["servers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(
        (status_of("default"), status_of("db2")),
        (json!("ok"), json!("down")),
        "{health}"
    );
    let metrics = app.scrape("scrape").await;
    assert!(
        metrics.contains("nobregas_mysql_unavailable_total{server=\"db2\"} 1"),
        "{metrics}"
    );
    assert!(
        !metrics.contains("nobregas_mysql_unavailable_total{server=\"default\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("nobregas_mysql_pool_connections{server=\"db2\",state=\"idle\"}"),
        "{metrics}"
    );

    // And when it is back, so are they.
    db2.start().await;
    assert_eq!(
        bob_api.list_databases().await.unwrap().status,
        StatusCode::OK
    );
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}
