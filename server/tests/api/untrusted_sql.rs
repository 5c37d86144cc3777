//! Issue 22: a customer's file is data, never a program. Each test replays an attack the review
//! ran against the import and restore path (findings 1, 2 and 7), and checks that real exports
//! still import.
use crate::backups::{
    account_with_database, count, gzip, import, import_and_wait, wait_backup, wait_import,
};
use crate::helpers::{error_code, refusal, spawn_app, spawn_app_with, test_settings};
use futures_util::StreamExt;
use nobregas_client::Answer;
use reqwest::StatusCode;
use serde_json::Value;
use server::domain::secret::random_base62;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use types::backups::{Job, JobErrorCode, JobStatus};
use types::model::CreateDatabase;
use types::query::{QueryRequest, QueryResponse};

/// A path that an escaped command would create.
fn canary() -> PathBuf {
    std::env::temp_dir().join(format!("nobregas-canary-{}", random_base62(12)))
}

/// The job an accepted upload started. The upload itself stays raw HTTP (an octet stream, which
/// the typed client leaves to the caller); its answer is read as the typed `Job`.
async fn accepted_job(response: reqwest::Response) -> Job {
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    response.json().await.unwrap()
}

/// The first row's first value of a one-statement answer. Result cells are JSON values by
/// design (`StatementResult::rows`), so this is the one place a `Value` is the right type.
fn first_cell(answer: &Answer<QueryResponse>) -> &Value {
    match &answer.value {
        QueryResponse::One(result) => &result.rows[0][0],
        QueryResponse::Many(_) => panic!("several results, one expected: {}", answer.raw),
    }
}

async fn table_exists(app: &crate::helpers::TestApp, db: &str, table: &str) -> bool {
    count(app, &format!("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{db}' AND TABLE_NAME = '{table}'")).await
        == 1
}

/// Finding 1: `\e` started vi, whose `:call system()` ran commands; `connect` opened connections
/// from the panel's host. Every client command now fails the job at its line, and nothing after it runs.
#[tokio::test]
async fn client_commands_in_an_import_are_refused_at_their_line_and_run_nothing() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app, "cmd").await;
    let marker = canary();
    let m = marker.display();
    let attacks = [
        format!("\\e\n:call system('touch {m}')\n:wq"),
        format!("\\! touch {m}"),
        format!("system touch {m}"),
        format!("SELECT 1; \\! touch {m}"),
        "source /etc/passwd".to_owned(),
        "\\. /etc/passwd".to_owned(),
        format!("pager touch {m}"),
        format!("\\P touch {m}"),
        format!("tee {m}"),
        format!("\\T {m}"),
        "connect mysql 127.0.0.1".to_owned(),
        "\\r mysql 127.0.0.1".to_owned(),
    ];
    for (n, attack) in attacks.iter().enumerate() {
        let file = format!(
            "CREATE TABLE before_{n} (id INT);\n{attack}\nCREATE TABLE after_{n} (id INT);\n"
        );
        let job = import_and_wait(&app, &key, &db, file.into_bytes()).await;
        assert_eq!(job.status, JobStatus::Failed, "{attack}: {job:?}");
        assert_eq!(
            job.error_code,
            Some(JobErrorCode::ClientCommand),
            "{attack}: {job:?}"
        );
        assert_eq!(job.error_line, Some(2), "{attack}: {job:?}");
        assert!(
            job.error.as_deref().unwrap().contains("not SQL"),
            "{attack}: {job:?}"
        );
        assert!(
            table_exists(&app, &db, &format!("before_{n}")).await,
            "{attack}: what came before ran"
        );
        assert!(
            !table_exists(&app, &db, &format!("after_{n}")).await,
            "{attack}: nothing after it ran"
        );
    }
    assert!(!marker.exists(), "a command ran on the panel's host");
}

/// Finding 2: `LOAD DATA LOCAL INFILE` made the client read the store, `/proc/self/environ` and
/// `/etc/shadow` into the customer's table. No spelling of it reads anything now.
#[tokio::test]
async fn an_import_reads_no_file_of_the_panel_host() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app, "loot").await;
    app.query_ok(&key, &db, "CREATE TABLE loot (line LONGTEXT)")
        .await;
    let store = app.data_dir.join("panel.db");
    let files = [
        store.display().to_string(),
        "/proc/self/environ".to_owned(),
        "/etc/passwd".to_owned(),
    ];
    for file in &files {
        let forms = [
            format!("LOAD DATA LOCAL INFILE '{file}' INTO TABLE loot"),
            format!("load data low_priority local infile '{file}' into table loot"),
            format!("/*!50000 LOAD DATA LOCAL INFILE '{file}' INTO TABLE loot */"),
            format!("LOAD /* hidden */ DATA LOCAL INFILE '{file}' INTO TABLE loot"),
            format!("LOAD XML LOCAL INFILE '{file}' INTO TABLE loot"),
        ];
        for form in forms {
            let job = import_and_wait(
                &app,
                &key,
                &db,
                format!("SELECT 1;\n{form};\n").into_bytes(),
            )
            .await;
            assert_eq!(
                (job.status, job.error_code),
                (JobStatus::Failed, Some(JobErrorCode::LocalInfile)),
                "{form}: {job:?}"
            );
            assert_eq!(job.error_line, Some(2), "{form}: {job:?}");
        }
        let hidden =
            format!("DELIMITER ;;\nSELECT 1; LOAD DATA LOCAL INFILE '{file}' INTO TABLE loot;;\n");
        let job = import_and_wait(&app, &key, &db, hidden.into_bytes()).await;
        assert_eq!(job.error_code, Some(JobErrorCode::LocalInfile), "{job:?}");
    }
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM `{db}`.loot")).await,
        0,
        "nothing was read into the table"
    );
    // The query API refuses it too.
    let refused = app
        .api(&key)
        .run_query(
            &db,
            &QueryRequest::sql("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE loot"),
        )
        .await;
    assert_eq!(refusal(refused).0, StatusCode::BAD_REQUEST);
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM `{db}`.loot")).await,
        0
    );
}

/// Finding 7: a 0.5 MB gzip of one long line took the panel to 627 MB (the line was buffered
/// whole). Now a statement stops at the server's max_allowed_packet, named by its line.
#[tokio::test]
async fn one_endless_line_is_cut_off_at_the_packet_limit() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app, "bomb").await;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(b"SELECT 1;\nSELECT '").unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..256 {
        encoder.write_all(&chunk).unwrap();
    }
    let body = encoder.finish().unwrap();
    assert!(body.len() < 1 << 20, "{} bytes of gzip", body.len());
    let started = Instant::now();
    let job = import_and_wait(&app, &key, &db, body).await;
    assert_eq!(
        (job.status, job.error_code),
        (JobStatus::Failed, Some(JobErrorCode::StatementTooLong)),
        "{job:?}"
    );
    assert_eq!(job.error_line, Some(2), "{job:?}");
    assert!(
        job.error.as_deref().unwrap().contains("max_allowed_packet"),
        "{job:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "stopped at the limit, not after reading everything"
    );
}

/// Finding 7: `NOBREGAS_IMPORT_LIMIT` bounds the decompressed text too.
#[tokio::test]
async fn the_import_limit_applies_to_the_decompressed_text() {
    let mut settings = test_settings();
    settings.import_limit_bytes = 4 << 20;
    let app = spawn_app_with(settings).await;
    let (_account, key, db) = account_with_database(&app, "cap").await;
    app.query_ok(&key, &db, "CREATE TABLE t (id INT)").await;
    // Statements of 1,000 rows each: the limit is reached after ~1,000 round trips, not ~160,000,
    // so a loaded machine still gets there well within the wait.
    let statement = format!("INSERT INTO t VALUES {}(1);\n", "(1),".repeat(999));
    let sql = statement.repeat((8 << 20) / statement.len());
    let body = gzip(sql.as_bytes());
    assert!(body.len() < 4 << 20 && sql.len() > 4 << 20);
    let job = import_and_wait(&app, &key, &db, body).await;
    assert_eq!(
        (job.status, job.error_code),
        (JobStatus::Failed, Some(JobErrorCode::ImportTooLarge)),
        "{job:?}"
    );
    // Within the limit, the same kind of file imports.
    let job = import_and_wait(
        &app,
        &key,
        &db,
        gzip("INSERT INTO t VALUES (1);\n".repeat(1000).as_bytes()),
    )
    .await;
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
}

/// Finding 7: two `SELECT SLEEP(150)` imports held both job slots, and another account's backup
/// waited 148 s. Jobs now end at `NOBREGAS_JOB_TIMEOUT`, their sessions killed on the server.
#[tokio::test]
async fn imports_end_at_the_job_timeout_and_free_their_slots() {
    let mut settings = test_settings();
    settings.job_timeout = Duration::from_secs(3);
    settings.backup_jobs = 2;
    let app = spawn_app_with(settings).await;
    let mut sleepers = Vec::new();
    for suffix in ["s1", "s2"] {
        let (account, key, db) = account_with_database(&app, suffix).await;
        let job =
            accepted_job(import(&app, &key, &db, b"SELECT SLEEP(150);\n".to_vec()).await).await;
        sleepers.push((account, key, job.id));
    }
    let (_other, other_key, other_db) = account_with_database(&app, "waits").await;
    let started = Instant::now();
    let backup = app.api(&other_key).create_backup(&other_db).await.unwrap();
    assert_eq!(backup.status, StatusCode::ACCEPTED);
    let done = wait_backup(&app, &other_key, &backup.value.id).await.value;
    assert_eq!(done.status, JobStatus::Completed, "{done:?}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the backup waited {:?}",
        started.elapsed()
    );
    for (account, key, id) in &sleepers {
        let job = wait_import(&app, key, id).await.value;
        assert_eq!(
            (job.status, job.error_code),
            (JobStatus::Failed, Some(JobErrorCode::JobTimeout)),
            "{job:?}"
        );
        let sleeping = count(
            &app,
            &format!("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '{}-panel' AND INFO LIKE 'SELECT SLEEP%'", account.prefix),
        )
        .await;
        assert_eq!(
            sleeping, 0,
            "the timed-out statement was killed on the server"
        );
    }
}

/// A 1.2 MB file whose first statement sleeps `secs` (the rest is comment padding).
fn sleeping_file(secs: u32) -> Vec<u8> {
    let mut file = format!("SELECT SLEEP({secs});\n").into_bytes();
    while file.len() < 1_200_000 {
        file.extend_from_slice(format!("-- {}\n", "x".repeat(996)).as_bytes());
    }
    file
}

/// Finding 7: uploads waiting for a slot were not counted (5.7 MB stored under a 3 MB quota).
/// Queued and running imports, and uploads in progress, now count from their first byte.
#[tokio::test]
async fn uploads_and_queued_imports_count_against_the_quota() {
    let mut settings = test_settings();
    settings.backup_quota_bytes = 3_000_000;
    settings.job_timeout = Duration::from_secs(6);
    let app = spawn_app_with(settings).await;
    let (_account, key, db) = account_with_database(&app, "quota").await;
    let mut jobs = Vec::new();
    for _ in 0..2 {
        let job = accepted_job(import(&app, &key, &db, sleeping_file(30)).await).await;
        jobs.push(job.id);
    }
    let third = import(&app, &key, &db, sleeping_file(0)).await;
    assert_eq!(third.status(), StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(error_code(third).await, "quota_exceeded");
    let uploads = std::fs::read_dir(app.data_dir.join("backups").join(_account.id.to_string()))
        .unwrap()
        .count();
    assert_eq!(uploads, 2, "the refused upload left no file");
    for id in jobs {
        wait_import(&app, &key, &id).await;
    }
    let later = import_and_wait(&app, &key, &db, sleeping_file(0)).await;
    assert_eq!(
        later.status,
        JobStatus::Completed,
        "the room is back once the jobs ended: {later:?}"
    );
}

/// A request body that sends `first` and then nothing, ever.
fn stalled_body(first: &'static [u8]) -> reqwest::Body {
    let stream = futures_util::stream::once(async move {
        Ok::<_, std::io::Error>(bytes::Bytes::from_static(first))
    })
    .chain(futures_util::stream::pending());
    reqwest::Body::wrap_stream(stream)
}

async fn stalled_import(app: &crate::helpers::TestApp, key: &str, db: &str) -> reqwest::Response {
    let request = app
        .client
        .post(app.url(&format!("/api/databases/{db}/imports")))
        .bearer_auth(key)
        .body(stalled_body(b"SELECT 1;\n"));
    tokio::time::timeout(Duration::from_secs(30), request.send())
        .await
        .expect("a stalled upload is answered")
        .unwrap()
}

/// Finding 7: an upload that stalled was never timed out. Now 408 after the idle limit (30 s by
/// default), the file and its reservation gone; and at most two uploads per account at once.
#[tokio::test]
async fn stalled_uploads_are_dropped_and_at_most_two_run_at_once() {
    let mut settings = test_settings();
    settings.upload_idle_timeout = Duration::from_secs(3);
    let app = spawn_app_with(settings).await;
    let (account, key, db) = account_with_database(&app, "idle").await;
    let (first, second) = tokio::join!(stalled_import(&app, &key, &db), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stalled_import(&app, &key, &db).await
    });
    // Both were dropped; while they were held, a third was refused.
    assert_eq!(first.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(error_code(first).await, "request_timeout");
    assert_eq!(second.status(), StatusCode::REQUEST_TIMEOUT);
    let dir = app.data_dir.join("backups").join(account.id.to_string());
    assert_eq!(
        std::fs::read_dir(&dir).map(Iterator::count).unwrap_or(0),
        0,
        "no upload file is left"
    );
    let reserved: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM upload_reservations")
        .fetch_one(&app.state.store)
        .await
        .unwrap();
    assert_eq!(reserved, 0);

    let held = tokio::spawn({
        let (address, key, db) = (app.address.clone(), key.clone(), db.clone());
        async move {
            let client = reqwest::Client::new();
            let send = |body| {
                client
                    .post(format!("{address}/api/databases/{db}/imports"))
                    .bearer_auth(&key)
                    .body(body)
                    .send()
            };
            tokio::join!(
                send(stalled_body(b"SELECT 1;\n")),
                send(stalled_body(b"SELECT 2;\n"))
            )
        }
    });
    tokio::time::sleep(Duration::from_millis(800)).await;
    let third = import(&app, &key, &db, b"SELECT 3;\n".to_vec()).await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers().contains_key("retry-after"));
    let (a, b) = held.await.unwrap();
    assert_eq!(
        (a.unwrap().status(), b.unwrap().status()),
        (StatusCode::REQUEST_TIMEOUT, StatusCode::REQUEST_TIMEOUT)
    );
    let job = import_and_wait(&app, &key, &db, b"SELECT 4;\n".to_vec()).await;
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
}

/// Runs `mariadb-dump` (the test's own tool, as MariaDB's root) on `db`.
fn mariadb_dump(db: &str, hex_blob: bool) -> Vec<u8> {
    let mut command = std::process::Command::new("mariadb-dump");
    command.args([
        "--no-defaults",
        "-uroot",
        "-h127.0.0.1",
        "--routines",
        "--events",
        "--triggers",
        "--default-character-set=utf8mb4",
    ]);
    if hex_blob {
        command.arg("--hex-blob");
    }
    let output = command.arg(db).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// What a database holds, as the admin sees it: each table's rows and checksum, and its views,
/// triggers, routines and events by name.
async fn contents(app: &crate::helpers::TestApp, db: &str) -> Vec<String> {
    let mut found = Vec::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1",
    )
    .bind(db)
    .fetch_all(&app.state.mysql)
    .await
    .unwrap();
    for table in tables {
        let (rows, sum) = crate::backups::checksum(app, db, &table).await;
        found.push(format!("table {table} {rows} {sum:?}"));
    }
    for (kind, query) in [
        (
            "view",
            "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY 1",
        ),
        (
            "trigger",
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1",
        ),
        (
            "routine",
            "SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1",
        ),
        (
            "event",
            "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY 1",
        ),
    ] {
        let names: Vec<String> = sqlx::query_scalar(query)
            .bind(db)
            .fetch_all(&app.state.mysql)
            .await
            .unwrap();
        found.extend(names.into_iter().map(|name| format!("{kind} {name}")));
    }
    found
}

/// Imports of real exports still work: a `mariadb-dump` (with and without `--hex-blob`) of a
/// database with routines, triggers, views, events, binary and utf8mb4 data imports whole, with
/// the same checksums.
#[tokio::test]
async fn a_mariadb_dump_with_every_kind_of_object_imports_whole() {
    let app = spawn_app().await;
    let (account, key, source) = account_with_database(&app, "src").await;
    for sql in [
        "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(100) CHARACTER SET utf8mb4, data BLOB, price DECIMAL(12,2), note TEXT)",
        "INSERT INTO items SELECT seq, CONCAT('Zoë 🐬 ', seq, ' ''quoted'' \\\\ ; -- # /* */'), UNHEX(SHA2(seq, 256)), seq / 7, IF(seq % 2, NULL, 'a\\nb\\r\\tc') FROM seq_1_to_3000",
        "CREATE TABLE bytes (id INT PRIMARY KEY, b VARBINARY(256))",
        "INSERT INTO bytes SELECT seq, CHAR(seq USING binary) FROM seq_0_to_255",
        "INSERT INTO bytes VALUES (1000, UNHEX('00275C1A0D0A22'))",
        "CREATE TABLE log (id INT AUTO_INCREMENT PRIMARY KEY, item INT, at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)",
        "CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10",
        "CREATE TRIGGER items_log AFTER UPDATE ON items FOR EACH ROW BEGIN INSERT INTO log (item) VALUES (NEW.id); INSERT INTO log (item) VALUES (-NEW.id); END",
        "CREATE PROCEDURE restock(IN n INT) BEGIN DECLARE done INT DEFAULT 0; UPDATE items SET price = price + n; SELECT 'a;b' AS s; END",
        "CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
        "CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 03:00:00' DISABLE DO DELETE FROM log WHERE id < 0",
    ] {
        app.query_ok(&key, &source, sql).await;
    }
    let expected = contents(&app, &source).await;
    assert_eq!(
        expected
            .iter()
            .filter(|line| !line.starts_with("table"))
            .count(),
        5,
        "{expected:?}"
    );
    for (n, hex_blob) in [(1, true), (2, false)] {
        let copy = format!("{}_copy{n}", account.prefix);
        let created = app
            .api(&key)
            .create_database(&CreateDatabase::named(&copy))
            .await
            .expect("created");
        assert_eq!(created.status, StatusCode::CREATED);
        let job = import_and_wait(&app, &key, &copy, mariadb_dump(&source, hex_blob)).await;
        assert_eq!(
            job.status,
            JobStatus::Completed,
            "--hex-blob {hex_blob}: {job:?}"
        );
        assert_eq!(
            contents(&app, &copy).await,
            expected,
            "--hex-blob {hex_blob}"
        );
        // The objects work, and belong to the account's identity.
        let twice = app.query_ok(&key, &copy, "SELECT twice(21) AS v").await;
        assert_eq!(*first_cell(&twice), 42, "{}", twice.raw);
        let definers: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?",
        )
        .bind(&copy)
        .fetch_all(&app.state.mysql)
        .await
        .unwrap();
        assert_eq!(
            definers,
            vec![format!("{}-panel@localhost", account.prefix)]
        );
    }
}

/// An export as phpMyAdmin writes it, and one as Adminer does: their headers, transactions,
/// conditional comments and `DELIMITER` blocks import.
#[tokio::test]
async fn phpmyadmin_and_adminer_exports_import() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app, "pma").await;
    let job = import_and_wait(
        &app,
        &key,
        &db,
        include_bytes!("fixtures/phpmyadmin.sql").to_vec(),
    )
    .await;
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM `{db}`.wp_posts")).await,
        3
    );
    let title = app
        .query_ok(&key, &db, "SELECT post_title FROM wp_posts WHERE ID = 2")
        .await;
    assert_eq!(
        *first_cell(&title),
        "It's a \"quoted\"; title -- with # markers",
        "{}",
        title.raw
    );
    let total = app.query_ok(&key, &db, "SELECT post_count() AS n").await;
    assert_eq!(*first_cell(&total), 3, "{}", total.raw);

    let (_account, key, db) = account_with_database(&app, "adm").await;
    let job = import_and_wait(
        &app,
        &key,
        &db,
        include_bytes!("fixtures/adminer.sql").to_vec(),
    )
    .await;
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    app.query_ok(
        &key,
        &db,
        "INSERT INTO orders (customer, amount) VALUES ('zoë', 5)",
    )
    .await;
    let audit = app
        .query_ok(&key, &db, "SELECT COUNT(*) FROM order_audit")
        .await;
    assert_eq!(
        *first_cell(&audit),
        3,
        "two imported rows and one new one, each audited by the trigger: {}",
        audit.raw
    );
}
