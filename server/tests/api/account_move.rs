//! Issue 24, items 4 and 5: `account move` copies an account to another server — databases with
//! every kind of object, users with their passwords, grants and whitelist hosts — checks it,
//! switches, and leaves nothing behind; the API answers 423 meanwhile; a target that dies
//! mid-move leaves the account where it was, and the retry starts cleanly.
use crate::fleet::panel_cli;
use crate::helpers::{
    TestAccount, TestApp, new_user, privileges, refusal, spawn_app, whitelist_entry,
};
use crate::private_mariadb::{PrivateMariaDb, TestCertificates};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use types::model::CreateDatabase;
use types::query::QueryRequest;

/// A TLS-only second server, registered; its name and certificates (to start it again).
async fn second_server(app: &TestApp, db: &mut PrivateMariaDb) -> (String, TestCertificates) {
    let certificates = TestCertificates::for_names(&["127.0.0.1"]);
    let name = crate::remote_server::register_tls_only(app, db, &certificates).await;
    (name, certificates)
}

/// `account move` in the background: its output once it has finished.
fn start_move(
    app: &TestApp,
    email: &str,
    to: &str,
) -> tokio::task::JoinHandle<std::process::Output> {
    let (data_dir, store_env, email, to) = (
        app.data_dir.clone(),
        app.store_env(),
        email.to_owned(),
        to.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
            .args(["account", "move", "--email", &email, "--to", &to])
            .env("NOBREGAS_DATA_DIR", &data_dir)
            .envs(store_env)
            .env("NOBREGAS_MYSQL_URL", crate::helpers::mysql_url())
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    })
}

async fn sql(api: &nobregas_client::Client, db: &str, statement: &str) -> serde_json::Value {
    let answer = api
        .run_query(db, &QueryRequest::sql(statement))
        .await
        .unwrap_or_else(|err| panic!("{statement}: {err}"));
    answer.value.results().last().map_or(json!(null), |result| {
        result
            .rows
            .first()
            .map_or(json!(null), |row| row[0].clone())
    })
}

/// Three databases: routines, a trigger, a view, an event, binary data, and one table of
/// `big_mb` MB; two users with passwords, grants and two whitelist hosts.
async fn fill(app: &TestApp, account: &TestAccount, key: &str, big_mb: u32) -> Vec<String> {
    let api = app.api(key);
    let names: Vec<String> = ["shop", "big", "logs"]
        .iter()
        .map(|name| format!("{}_{name}", account.prefix))
        .collect();
    for name in &names {
        api.create_database(&CreateDatabase::named(name.clone()))
            .await
            .unwrap();
    }
    let (shop, big, logs) = (&names[0], &names[1], &names[2]);
    for statement in [
        "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(100) CHARACTER SET utf8mb4, data BLOB, price DECIMAL(12,2))",
        "INSERT INTO items SELECT seq, CONCAT('Zoë 🐬 ', seq, ' ''q'' \\\\'), UNHEX(SHA2(seq, 256)), seq / 7 FROM seq_1_to_5000",
        "CREATE TABLE log (id INT AUTO_INCREMENT PRIMARY KEY, item INT)",
        "CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10",
        "CREATE TRIGGER item_log AFTER UPDATE ON items FOR EACH ROW INSERT INTO log (item) VALUES (NEW.id)",
        "CREATE PROCEDURE restock(IN n INT) UPDATE items SET price = price + n",
        "CREATE FUNCTION twice(n INT) RETURNS INT DETERMINISTIC RETURN n * 2",
        "CREATE EVENT tidy ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM log WHERE id < 0",
    ] {
        sql(&api, shop, statement).await;
    }
    sql(
        &api,
        big,
        "CREATE TABLE blobs (id INT PRIMARY KEY, body LONGBLOB)",
    )
    .await;
    // 1 MB rows, inserted 8 at a time (max_allowed_packet stays the default).
    for start in (0..big_mb).step_by(8) {
        sql(
            &api,
            big,
            &format!(
                "INSERT INTO blobs SELECT seq, RANDOM_BYTES(1024) FROM seq_{}_to_{}",
                start + 1,
                (start + 8).min(big_mb)
            ),
        )
        .await;
    }
    sql(&api, big, "UPDATE blobs SET body = REPEAT(body, 1024)").await;
    assert_eq!(
        sql(&api, big, "SELECT SUM(LENGTH(body)) FROM blobs").await,
        json!((u64::from(big_mb) << 20).to_string())
    );
    sql(
        &api,
        logs,
        "CREATE TABLE entries (id BIGINT PRIMARY KEY, at DATETIME(6), raw VARBINARY(64))",
    )
    .await;
    sql(
        &api,
        logs,
        "INSERT INTO entries SELECT seq, NOW(6), UNHEX(MD5(seq)) FROM seq_1_to_20000",
    )
    .await;
    for user in ["app", "report"] {
        let user = format!("{}_{user}", account.prefix);
        api.create_user(&new_user(&user, Some(&format!("Pw-{user}-0k"))))
            .await
            .unwrap();
        api.set_privileges(&user, shop, &privileges(&["SELECT", "INSERT"]))
            .await
            .unwrap();
    }
    for host in ["198.51.100.7", "203.0.113.0/24"] {
        api.add_whitelist_entry(&whitelist_entry(host, None))
            .await
            .unwrap();
    }
    names
}

/// Logs in to `db` as a database user over TLS; whether it could.
fn user_logs_in(db: &PrivateMariaDb, user: &str, password: &str) -> bool {
    std::process::Command::new("mariadb")
        .args(["-h127.0.0.1", "--ssl", "-N", "-B"])
        .arg(format!("-P{}", db.port))
        .arg(format!("-u{user}"))
        .arg(format!("-p{password}"))
        .args(["-e", "SELECT 1"])
        .output()
        .is_ok_and(|output| output.status.success())
}

#[tokio::test]
async fn an_account_moves_whole_and_the_old_server_keeps_nothing() {
    let app = spawn_app().await;
    let mut db2 = PrivateMariaDb::install();
    let (to, _certificates) = second_server(&app, &mut db2).await;
    let account = crate::fleet::account_on(&app, Some("default"))
        .await
        .unwrap();
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    let names = fill(&app, &account, &key, 100).await;
    let before: Vec<_> = futures_checksums(&app, &names).await;

    let moving = start_move(&app, &account.email, &to);
    // While it copies: changes wait with 423 account_moving, reads go on.
    let started = Instant::now();
    let mut saw_423 = false;
    while !moving.is_finished() && started.elapsed() < Duration::from_secs(120) {
        // Refused either way, so nothing changes: 422 before the move begins, 423 during it.
        match api
            .add_whitelist_entry(&whitelist_entry("not-a-host", None))
            .await
        {
            Err(err) if err.status() == Some(StatusCode::LOCKED) => {
                assert_eq!(refusal::<()>(Err(err)).1, "account_moving");
                assert_eq!(api.list_databases().await.unwrap().status, StatusCode::OK);
                saw_423 = true;
                break;
            }
            Err(err) => assert_eq!(
                err.status(),
                Some(StatusCode::UNPROCESSABLE_ENTITY),
                "{err}"
            ),
            Ok(_) => panic!("an invalid host was accepted"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let output = moving.await.unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    assert!(
        saw_423,
        "the API never answered 423 during the move: {said}"
    );
    assert!(
        said.contains("copying") && said.contains("ETA"),
        "progress is printed: {said}"
    );

    // Every table checks equal on the new server; objects and users came along.
    for (name, (rows, sum)) in names.iter().zip(&before) {
        let tables = db2.sql_tls(&format!("SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{name}' AND TABLE_TYPE = 'BASE TABLE'")).unwrap();
        let mut now = Vec::new();
        for table in tables.trim().split(',') {
            now.push(
                db2.sql_tls(&format!(
                    "SELECT COUNT(*) FROM `{name}`.`{table}`; CHECKSUM TABLE `{name}`.`{table}`"
                ))
                .unwrap(),
            );
        }
        assert_eq!((now.len(), now.join("|")), (*rows, sum.clone()), "{name}");
    }
    let shop = &names[0];
    let objects = db2
        .sql_tls(&format!(
        "SELECT (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '{shop}'),
                (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '{shop}'),
                (SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '{shop}'),
                (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '{shop}')"
    ))
        .unwrap();
    assert_eq!(
        objects.trim(),
        "2\t1\t1\t1",
        "routines, trigger, view, event"
    );
    let app_user = format!("{}_app", account.prefix);
    assert!(
        user_logs_in(&db2, &app_user, &format!("Pw-{app_user}-0k")),
        "the old password works on the new server"
    );
    let hosts = db2.hosts_of(&app_user);
    assert!(
        hosts.contains("198.51.100.7") && hosts.contains("203.0.113.0/255.255.255.0"),
        "{hosts}"
    );

    // The old server holds nothing of the account; the panel uses the new one.
    assert_eq!(app.footprint(&account.prefix).await, (vec![], vec![]));
    assert!(
        app.all_user_hosts(&format!("{}-panel", account.prefix))
            .await
            .is_empty()
    );
    assert_eq!(sql(&api, shop, "SELECT @@port").await, json!(db2.port));
    assert_eq!(
        api.get_database(shop).await.unwrap().value.connection.port,
        db2.port
    );
    assert_eq!(
        api.create_database(&CreateDatabase::named(format!("{}_new", account.prefix)))
            .await
            .unwrap()
            .status,
        StatusCode::CREATED,
        "changes work again"
    );
    let audit = api.list_audit(None).await.unwrap().raw;
    assert!(
        audit.contains("account_move_started") && audit.contains("account_moved"),
        "{audit}"
    );
}

/// Row counts and checksums of every base table of `names` on the default server, as
/// `PrivateMariaDb::sql` prints them.
async fn futures_checksums(app: &TestApp, names: &[String]) -> Vec<(usize, String)> {
    let mut all = Vec::new();
    for name in names {
        let tables: Vec<String> = sqlx::query_scalar(&format!("SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{name}' AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"))
            .fetch_all(&app.state.mysql)
            .await
            .unwrap();
        let mut lines = Vec::new();
        for table in &tables {
            let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM `{name}`.`{table}`"))
                .fetch_one(&app.state.mysql)
                .await
                .unwrap();
            let (_, sum): (String, Option<i64>) =
                sqlx::query_as(&format!("CHECKSUM TABLE `{name}`.`{table}`"))
                    .fetch_one(&app.state.mysql)
                    .await
                    .unwrap();
            lines.push(format!("{rows}\n{name}.{table}\t{}\n", sum.unwrap()));
        }
        all.push((tables.len(), lines.join("|")));
    }
    all
}

#[tokio::test]
async fn a_target_killed_mid_move_leaves_the_account_usable_where_it_was_and_the_retry_is_clean() {
    let app = spawn_app().await;
    let mut db2 = PrivateMariaDb::install();
    let (to, certificates) = second_server(&app, &mut db2).await;
    let account = crate::fleet::account_on(&app, Some("default"))
        .await
        .unwrap();
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    let names = fill(&app, &account, &key, 60).await;

    let moving = start_move(&app, &account.email, &to);
    // Kill the target once the copy has begun there.
    let started = Instant::now();
    while db2
        .sql_tls(&format!("SHOW DATABASES LIKE '{}\\_%'", account.prefix))
        .unwrap_or_default()
        .trim()
        .is_empty()
    {
        assert!(
            !moving.is_finished() && started.elapsed() < Duration::from_secs(60),
            "the copy never began"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    db2.stop();
    let output = moving.await.unwrap();
    assert!(
        !output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // The account is where it was, whole and usable.
    let (dbs, users) = app.footprint(&account.prefix).await;
    assert_eq!(dbs.len(), 3, "{dbs:?}");
    assert_eq!(
        users.len(),
        2 * 5,
        "two users at five hosts each: {users:?}"
    );
    assert_eq!(
        sql(&api, &names[1], "SELECT COUNT(*) FROM blobs").await,
        json!(60)
    );
    let user = format!("{}_app", account.prefix);
    assert!(
        app.connect_as(&user, &format!("Pw-{user}-0k"))
            .await
            .is_ok(),
        "its users are unlocked again"
    );
    assert_eq!(
        api.create_database(&CreateDatabase::named(format!("{}_after", account.prefix)))
            .await
            .unwrap()
            .status,
        StatusCode::CREATED,
        "no 423 once the move has failed"
    );

    // The target back, the move again: it starts cleanly and completes.
    db2.start_tls_only(&certificates).await;
    let output = start_move(&app, &account.email, &to).await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let on_target = db2
        .sql_tls(&format!(
            "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '{}\\_%'",
            account.prefix
        ))
        .unwrap();
    assert_eq!(
        on_target.trim(),
        "4",
        "three databases and the one made after the failure"
    );
    assert_eq!(
        sql(&api, &names[1], "SELECT COUNT(*) FROM blobs").await,
        json!(60)
    );
    assert_eq!(app.footprint(&account.prefix).await, (vec![], vec![]));
}

#[tokio::test]
async fn draining_a_server_moves_every_account_off_it_and_then_it_can_be_removed() {
    let app = spawn_app().await;
    let mut db2 = PrivateMariaDb::install();
    let (name, _certificates) = second_server(&app, &mut db2).await;
    let mut keys = Vec::new();
    for _ in 0..2 {
        let account = crate::fleet::account_on(&app, Some(&name)).await.unwrap();
        let key = app.issue_key(&account).await;
        let db = format!("{}_data", account.prefix);
        let api = app.api(&key);
        api.create_database(&CreateDatabase::named(db.clone()))
            .await
            .unwrap();
        sql(&api, &db, "CREATE TABLE t AS SELECT seq FROM seq_1_to_1000").await;
        keys.push((account, key, db));
    }
    let refused = panel_cli(&app, &["server", "remove", "--name", &name], "");
    assert!(!refused.status.success(), "a server with accounts stays");

    let drained = panel_cli(&app, &["server", "drain", &name], "");
    let said = String::from_utf8_lossy(&drained.stderr);
    assert!(drained.status.success(), "{said}");
    assert!(said.contains("2 moved, 0 failed"), "a summary: {said}");
    for (account, key, db) in &keys {
        let api = app.api(key);
        assert_eq!(sql(&api, db, "SELECT COUNT(*) FROM t").await, json!(1000));
        assert_ne!(sql(&api, db, "SELECT @@port").await, json!(db2.port));
        let left = db2
            .sql_tls(&format!(
                "SELECT COUNT(*) FROM mysql.user WHERE User LIKE '{}%'",
                account.prefix
            ))
            .unwrap();
        assert_eq!(left.trim(), "0");
    }
    let removed = panel_cli(&app, &["server", "remove", "--name", &name], "");
    assert!(
        removed.status.success(),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );
}

#[tokio::test]
async fn the_default_server_is_a_row_that_can_be_drained_and_removed_for_good() {
    let app = spawn_app().await;
    let mut db2 = PrivateMariaDb::install();
    let (name, _certificates) = second_server(&app, &mut db2).await;
    let listed = String::from_utf8(panel_cli(&app, &["server", "list"], "").stdout).unwrap();
    assert!(
        listed
            .lines()
            .nth(1)
            .is_some_and(|line| line.starts_with("default ")),
        "the default server is listed first, as a row: {listed}"
    );
    let account = crate::fleet::account_on(&app, Some("default"))
        .await
        .unwrap();
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    let db = format!("{}_data", account.prefix);
    api.create_database(&CreateDatabase::named(db.clone()))
        .await
        .unwrap();
    sql(&api, &db, "CREATE TABLE t AS SELECT seq FROM seq_1_to_100").await;

    let drained = panel_cli(&app, &["server", "drain", "default"], "");
    let said = String::from_utf8_lossy(&drained.stderr);
    assert!(
        drained.status.success() && said.contains("1 moved, 0 failed"),
        "{said}"
    );
    assert_eq!(sql(&api, &db, "SELECT @@port").await, json!(db2.port));
    assert_eq!(sql(&api, &db, "SELECT COUNT(*) FROM t").await, json!(100));
    let removed = panel_cli(&app, &["server", "remove", "--name", "default"], "");
    assert!(
        removed.status.success(),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );
    // Every start of the panel (each CLI run is one) leaves it removed.
    for _ in 0..2 {
        let listed = String::from_utf8(panel_cli(&app, &["server", "list"], "").stdout).unwrap();
        assert!(!listed.contains("\ndefault "), "{listed}");
        assert!(listed.contains(&name), "{listed}");
    }
    let next = crate::fleet::account_on(&app, None).await.unwrap();
    assert_eq!(
        app.state
            .fleet
            .for_account(&app.state.store, next.id)
            .await
            .unwrap()
            .name,
        name,
        "new accounts go to the servers that are left"
    );
}
