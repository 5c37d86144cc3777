//! Backups, restores and imports on the real MariaDB: dumps as the account's identity, manifests
//! checked after every restore, imports that report the failing line, quotas, isolation.
use crate::helpers::{
    TestAccount, TestApp, error_code, refusal, sent, spawn_app, spawn_app_with, test_settings,
};
use nobregas_client::Answer;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::future::Future;
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use types::backups::{
    Backup, BackupKind, Job, JobKind, JobStatus, RestoreRequest, ScheduleRequest,
};
use types::model::CreateDatabase;

pub async fn account_with_database(app: &TestApp, suffix: &str) -> (TestAccount, String, String) {
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let db = format!("{}_{suffix}", account.prefix);
    let created = app
        .api(&key)
        .create_database(&CreateDatabase::named(&db))
        .await
        .expect("created");
    assert_eq!(created.status, StatusCode::CREATED);
    (account, key, db)
}

pub fn restore_into(database: &str) -> RestoreRequest {
    RestoreRequest {
        database: database.to_owned(),
    }
}

pub fn schedule(time_utc: &str, keep: u32) -> ScheduleRequest {
    ScheduleRequest {
        time_utc: time_utc.to_owned(),
        keep,
    }
}

/// Calls `poll` until the backup or job it reads has finished (`status` says where it is);
/// panics after two minutes.
async fn poll_finished<T, F, Fut>(what: &str, status: fn(&T) -> JobStatus, mut poll: F) -> Answer<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = nobregas_client::Result<Answer<T>>>,
{
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let answer = poll().await.unwrap_or_else(|err| panic!("{what}: {err}"));
        assert_eq!(answer.status, StatusCode::OK, "{what}");
        if status(&answer.value).is_finished() {
            return answer;
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not finish: {}",
            answer.raw
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `GET /api/backups/{id}` until the backup has finished.
pub async fn wait_backup(app: &TestApp, key: &str, id: &str) -> Answer<Backup> {
    let api = app.api(key);
    poll_finished(
        &format!("backup {id}"),
        |b: &Backup| b.status,
        || api.get_backup(id),
    )
    .await
}

/// `GET /api/restores/{id}` until the restore has finished.
pub async fn wait_restore(app: &TestApp, key: &str, id: &str) -> Answer<Job> {
    let api = app.api(key);
    poll_finished(
        &format!("restore {id}"),
        |j: &Job| j.status,
        || api.get_restore(id),
    )
    .await
}

/// `GET /api/imports/{id}` until the import has finished.
pub async fn wait_import(app: &TestApp, key: &str, id: &str) -> Answer<Job> {
    let api = app.api(key);
    poll_finished(
        &format!("import {id}"),
        |j: &Job| j.status,
        || api.get_import(id),
    )
    .await
}

pub async fn backup_now(app: &TestApp, key: &str, db: &str) -> Backup {
    let started = app.api(key).create_backup(db).await.unwrap();
    assert_eq!(started.status, StatusCode::ACCEPTED);
    assert!(
        matches!(started.value.status, JobStatus::Queued | JobStatus::Running),
        "{}",
        started.raw
    );
    let done = wait_backup(app, key, &started.value.id).await;
    assert_eq!(done.value.status, JobStatus::Completed, "{}", done.raw);
    done.value
}

pub async fn restore(app: &TestApp, key: &str, backup_id: &str, target: &str) -> Job {
    let started = app
        .api(key)
        .restore_backup(backup_id, &restore_into(target))
        .await
        .unwrap();
    assert_eq!(started.status, StatusCode::ACCEPTED);
    assert_eq!(started.value.kind, JobKind::Restore);
    wait_restore(app, key, &started.value.id).await.value
}

/// Whether the job's database matched the manifest (`None`: the job says nothing of it).
fn verified(job: &Job) -> Option<bool> {
    job.verification.as_ref().map(|v| v.verified)
}

/// The upload is an octet stream, which the typed client leaves to the caller.
pub async fn import(app: &TestApp, key: &str, db: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/databases/{db}/imports")))
        .bearer_auth(key)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Uploads `body` for import into `db` and waits for the job to finish.
pub async fn import_job(app: &TestApp, key: &str, db: &str, body: Vec<u8>) -> Answer<Job> {
    let response = import(app, key, db, body).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let job: Job = response.json().await.unwrap();
    assert_eq!(job.kind, JobKind::Import);
    wait_import(app, key, &job.id).await
}

/// `import_job`'s finished job, for the tests that read only the job and not the raw answer.
pub async fn import_and_wait(app: &TestApp, key: &str, db: &str, body: Vec<u8>) -> Job {
    import_job(app, key, db, body).await.value
}

/// `CHECKSUM TABLE` and the row count, read by the admin.
pub async fn checksum(app: &TestApp, db: &str, table: &str) -> (i64, Option<i64>) {
    let name = format!("`{db}`.`{table}`");
    let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {name}"))
        .fetch_one(&app.state.mysql)
        .await
        .unwrap();
    let (_, sum): (String, Option<i64>) = sqlx::query_as(&format!("CHECKSUM TABLE {name}"))
        .fetch_one(&app.state.mysql)
        .await
        .unwrap();
    (rows, sum)
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.state.mysql)
        .await
        .unwrap()
}

pub fn gzip(text: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(text).unwrap();
    encoder.finish().unwrap()
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// A shop: 20k rows of unicode text, binary data and decimals, a view, a trigger and a procedure,
/// all made through the query API (so as the account's identity).
async fn fill_shop(app: &TestApp, key: &str, db: &str) {
    for sql in [
        "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(100) CHARACTER SET utf8mb4, data BLOB, price DECIMAL(12,2), stock INT)",
        "INSERT INTO items SELECT seq, CONCAT('Zoë 🐬 ', seq, ' ''quoted'' \\\\'), UNHEX(SHA2(seq, 256)), seq / 7, 0 FROM seq_1_to_20000",
        "CREATE TABLE log (id INT AUTO_INCREMENT PRIMARY KEY, item INT)",
        "CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10",
        "CREATE TRIGGER stock_log AFTER UPDATE ON items FOR EACH ROW INSERT INTO log (item) VALUES (NEW.id)",
        "CREATE PROCEDURE restock(IN n INT) UPDATE items SET stock = stock + n",
    ] {
        app.query_ok(key, db, sql).await;
    }
}

#[tokio::test]
async fn a_restore_in_place_brings_back_rows_view_trigger_and_procedure_and_is_verified() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app, "shop").await;
    fill_shop(&app, &key, &db).await;
    let before = checksum(&app, &db, "items").await;
    assert_eq!(before.0, 20_000);

    let backup = backup_now(&app, &key, &db).await;
    let manifest = &backup.tables;
    let items = manifest
        .iter()
        .find(|t| t.name == "items")
        .expect("items in the manifest");
    assert_eq!(items.rows, 20_000);
    assert_eq!(
        i64::try_from(items.checksum).ok(),
        before.1,
        "the manifest holds MariaDB's own checksum"
    );
    assert!(
        manifest.iter().all(|t| t.name != "cheap"),
        "views have no rows of their own"
    );
    assert!(backup.size_bytes.unwrap() > 1000);
    assert_eq!(backup.sha256.as_deref().unwrap().len(), 64);
    assert!(backup.bytes_done > backup.size_bytes.unwrap());

    app.query_ok(&key, &db, "CALL restock(5)").await;
    app.query_ok(&key, &db, "DELETE FROM items WHERE id > 19000")
        .await;
    app.query_ok(&key, &db, "DROP VIEW cheap").await;
    assert_ne!(checksum(&app, &db, "items").await, before);

    let job = restore(&app, &key, &backup.id, &db).await;
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    assert_eq!(verified(&job), Some(true), "{job:?}");
    assert_eq!(job.verification.as_ref().map(|v| v.tables_checked), Some(2));
    assert_eq!(checksum(&app, &db, "items").await, before);
    assert_eq!(
        checksum(&app, &db, "log").await.0,
        0,
        "the trigger's rows are gone with the restore"
    );
    let schema = |kind: &'static str| {
        let db = db.clone();
        let app = &app;
        async move {
            count(
                app,
                &format!(
                    "SELECT (SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '{db}' AND TABLE_NAME = 'cheap')
                          + (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '{db}' AND TRIGGER_NAME = 'stock_log')
                          + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '{db}' AND ROUTINE_NAME = 'restock')
                          -- {kind}"
                ),
            )
            .await
        }
    };
    assert_eq!(schema("view, trigger, procedure").await, 3);
    // The trigger works again, as the identity.
    app.query_ok(&key, &db, "CALL restock(1)").await;
    assert_eq!(checksum(&app, &db, "log").await.0, 20_000);
}

#[tokio::test]
async fn a_restore_into_a_new_database_creates_it_and_the_download_is_the_dump() {
    let app = spawn_app().await;
    let (account, key, db) = account_with_database(&app, "src").await;
    app.query_ok(
        &key,
        &db,
        "CREATE TABLE t (id INT PRIMARY KEY, note TEXT, raw BLOB)",
    )
    .await;
    app.query_ok(
        &key,
        &db,
        "INSERT INTO t VALUES (1, 'ünïcödé ✓', x'00FF'), (2, NULL, NULL)",
    )
    .await;
    let backup = backup_now(&app, &key, &db).await;
    let id = backup.id.as_str();

    let download = app
        .get_bearer(&format!("/api/backups/{id}/download"), &key)
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()["content-type"], "application/gzip");
    let disposition = download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    let created = backup.created_at.replace(':', "-");
    assert_eq!(
        disposition,
        format!("attachment; filename=\"{db}-{created}.sql.gz\"")
    );
    let bytes = download.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, backup.size_bytes.unwrap());
    let text = gunzip(&bytes);
    assert!(
        text.starts_with("-- nobregas-manifest: "),
        "{}",
        &text[..200.min(text.len())]
    );
    assert!(text.contains("CREATE TABLE `t`"));
    assert!(text.contains("0x00FF"), "binary columns are dumped as hex");
    assert!(text.contains("ünïcödé ✓"));
    assert!(
        !text.contains("CREATE DATABASE") && !text.contains("\nUSE "),
        "the dump restores into any database"
    );
    assert!(
        text.trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("-- Dump completed")
    );

    // Range: a broken download resumes.
    let tail = app
        .client
        .get(app.url(&format!("/api/backups/{id}/download")))
        .bearer_auth(&key)
        .header("range", "bytes=10-")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(&tail.bytes().await.unwrap()[..], &bytes[10..]);

    let target = format!("{}_copy", account.prefix);
    let job = restore(&app, &key, id, &target).await;
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    assert_eq!(verified(&job), Some(true), "{job:?}");
    assert_eq!(
        checksum(&app, &target, "t").await,
        checksum(&app, &db, "t").await
    );
    let api = app.api(&key);
    let listed = api.list_databases().await.unwrap().value;
    assert!(listed.databases.iter().any(|d| d.name == target));

    // Deleting removes the file.
    let file = app
        .data_dir
        .join("backups")
        .join(account.id.to_string())
        .join(format!("{id}.sql.gz"));
    assert!(file.exists());
    assert_eq!(api.delete_backup(id).await.unwrap(), StatusCode::NO_CONTENT);
    assert!(!file.exists());
    assert_eq!(refusal(api.get_backup(id).await).0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_restore_that_does_not_match_the_manifest_says_which_tables_differ() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app, "v").await;
    app.query_ok(&key, &db, "CREATE TABLE a (id INT PRIMARY KEY)")
        .await;
    app.query_ok(&key, &db, "INSERT INTO a VALUES (1), (2)")
        .await;
    let backup = backup_now(&app, &key, &db).await;
    // The manifest is what the restore is held to: make the catalog's differ from the file.
    sqlx::query("UPDATE backups SET tables = '[{\"name\":\"a\",\"rows\":3,\"checksum\":1},{\"name\":\"gone\",\"rows\":1,\"checksum\":2}]' WHERE id = ?")
        .bind(&backup.id)
        .execute(&app.state.store)
        .await
        .unwrap();
    let job = restore(&app, &key, &backup.id, &db).await;
    assert_eq!(job.status, JobStatus::Completed);
    let verification = job
        .verification
        .as_ref()
        .unwrap_or_else(|| panic!("no verification: {job:?}"));
    assert!(!verification.verified, "{job:?}");
    let differences = &verification.differences;
    assert_eq!(differences[0].name, "a");
    assert_eq!(differences[0].actual_rows, Some(2));
    assert_eq!(differences[1].name, "gone");
    assert_eq!(differences[1].actual_rows, None);
}

#[tokio::test]
async fn a_large_gzip_import_finishes_and_a_downloaded_backup_imports_verified() {
    let app = spawn_app().await;
    let (account, key, db) = account_with_database(&app, "big").await;
    // ~50 MB of gzip: random payloads barely compress.
    let mut sql = Vec::with_capacity(80 << 20);
    sql.extend_from_slice(b"CREATE TABLE blobs (id INT PRIMARY KEY, payload TEXT);\n");
    let mut id = 0u64;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    while sql.len() < 68 << 20 {
        sql.extend_from_slice(b"INSERT INTO blobs VALUES ");
        for row in 0..200 {
            id += 1;
            let payload: String = (0..1000)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    char::from(
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                            [(seed % 64) as usize],
                    )
                })
                .collect();
            if row > 0 {
                sql.push(b',');
            }
            sql.extend_from_slice(format!("({id},'{payload}')").as_bytes());
        }
        sql.extend_from_slice(b";\n");
    }
    let body = gzip(&sql);
    assert!(body.len() > 48 << 20, "{} bytes", body.len());
    let answer = import_job(&app, &key, &db, body.clone()).await;
    let job = &answer.value;
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    assert_eq!(job.bytes_done, body.len() as u64);
    assert_eq!(job.size_bytes, body.len() as u64);
    assert!(
        sent(&answer).get("verification").is_none(),
        "a foreign dump carries no manifest: {}",
        answer.raw
    );
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM `{db}`.blobs")).await,
        id as i64
    );
    let uploads: Vec<_> =
        std::fs::read_dir(app.data_dir.join("backups").join(account.id.to_string()))
            .unwrap()
            .collect();
    assert!(uploads.is_empty(), "the upload is removed once imported");

    // A panel backup imported elsewhere is checked against the manifest it carries.
    let backup = backup_now(&app, &key, &db).await;
    let file = app
        .get_bearer(&format!("/api/backups/{}/download", backup.id), &key)
        .await
        .bytes()
        .await
        .unwrap();
    let copy = format!("{}_copy", account.prefix);
    app.api(&key)
        .create_database(&CreateDatabase::named(&copy))
        .await
        .expect("created");
    let job = import_job(&app, &key, &copy, file.to_vec()).await.value;
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    assert_eq!(verified(&job), Some(true), "{job:?}");
}

#[tokio::test]
async fn an_import_names_the_line_of_the_failing_statement_and_mariadbs_message() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app, "imp").await;
    let sql = "-- a comment\nCREATE TABLE t (id INT);\n\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\nINSERT INTO t VALUS (3);\nINSERT INTO t VALUES (4);\n";
    let job = import_job(&app, &key, &db, sql.as_bytes().to_vec())
        .await
        .value;
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.error_line, Some(6), "{job:?}");
    assert_eq!(job.mysql_errno, Some(1064));
    assert!(
        job.error.as_deref().unwrap().contains("VALUS (3)"),
        "{job:?}"
    );
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM `{db}`.t")).await,
        2,
        "the client stops at the failure"
    );
    // Gzip'd, the same.
    let job = import_job(
        &app,
        &key,
        &db,
        gzip(b"SELECT 1;\nSELECT * FROM nowhere;\n"),
    )
    .await
    .value;
    assert_eq!(
        (job.error_line, job.mysql_errno),
        (Some(2), Some(1146)),
        "{job:?}"
    );
}

#[tokio::test]
async fn a_crafted_dump_cannot_reach_beyond_the_account() {
    let app = spawn_app().await;
    let (account, key, db) = account_with_database(&app, "x").await;
    let (other, other_key, other_db) = account_with_database(&app, "victim").await;
    app.query_ok(&other_key, &other_db, "CREATE TABLE secret (v INT)")
        .await;
    let attempts = [
        format!(
            "GRANT ALL PRIVILEGES ON *.* TO '{}-panel'@'localhost';",
            account.prefix
        ),
        format!(
            "CREATE USER '{}_evil'@'%' IDENTIFIED BY 'x';",
            account.prefix
        ),
        format!("INSERT INTO `{other_db}`.secret VALUES (1);"),
        format!("DROP DATABASE `{other_db}`;"),
        // Backticked definers are rewritten to CURRENT_USER (below); any other spelling meets MariaDB.
        "CREATE DEFINER='root'@'localhost' PROCEDURE p() SELECT 1;".to_owned(),
        "SELECT * FROM mysql.user;".to_owned(),
        "\\! touch /tmp/nobregas-sandbox-escape\n".to_owned(),
        "SELECT LOAD_FILE('/etc/passwd') INTO OUTFILE '/tmp/nobregas-outfile';".to_owned(),
    ];
    for attempt in attempts {
        let job = import_job(
            &app,
            &key,
            &db,
            format!("CREATE TABLE ok (id INT);\n{attempt}\n").into_bytes(),
        )
        .await
        .value;
        assert_eq!(job.status, JobStatus::Failed, "{attempt}: {job:?}");
        assert_eq!(job.error_line.unwrap_or(2), 2, "{attempt}: {job:?}");
        app.query_ok(&key, &db, "DROP TABLE ok").await;
    }
    assert!(!std::path::Path::new("/tmp/nobregas-sandbox-escape").exists());
    let job = import_job(
        &app,
        &key,
        &db,
        b"CREATE DEFINER=`root`@`localhost` PROCEDURE p() SELECT 1;\n".to_vec(),
    )
    .await
    .value;
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    let definer: String = sqlx::query_scalar("SELECT DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_NAME = 'p'")
        .bind(&db)
        .fetch_one(&app.state.mysql)
        .await
        .unwrap();
    assert_eq!(
        definer,
        format!("{}-panel@localhost", account.prefix),
        "the dump's definer became the importing identity"
    );
    assert!(
        app.show_grants(&format!("{}-panel", account.prefix))
            .await
            .lines()
            .all(|g| !g.contains("ON *.*") || g.contains("USAGE"))
    );
    assert!(
        app.all_user_hosts(&format!("{}_evil", account.prefix))
            .await
            .is_empty()
    );
    assert!(app.database_exists(&other_db).await);
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM `{other_db}`.secret")).await,
        0
    );
    drop(other);
}

#[tokio::test]
async fn another_accounts_backups_restores_imports_and_databases_are_not_found() {
    let app = spawn_app().await;
    let (owner, owner_key, db) = account_with_database(&app, "mine").await;
    let (_intruder, key, own_db) = account_with_database(&app, "theirs").await;
    app.query_ok(&owner_key, &db, "CREATE TABLE t (id INT)")
        .await;
    let backup = backup_now(&app, &owner_key, &db).await;
    let id = backup.id.as_str();
    let job = restore(&app, &owner_key, id, &format!("{}_copy", owner.prefix)).await;
    let restore_id = job.id.as_str();
    let import = import_job(&app, &owner_key, &db, b"SELECT 1;".to_vec())
        .await
        .value;
    let import_id = import.id.as_str();

    let api = app.api(&key);
    // The download is a stream: the client has no typed call for it.
    let download = api.request(Method::GET, &format!("/api/backups/{id}/download"));
    for (path, refused) in [
        (
            format!("/api/backups/{id}"),
            refusal(api.get_backup(id).await),
        ),
        (
            format!("/api/backups/{id}/download"),
            refusal(api.response(download).await),
        ),
        (
            format!("/api/restores/{restore_id}"),
            refusal(api.get_restore(restore_id).await),
        ),
        (
            format!("/api/imports/{import_id}"),
            refusal(api.get_import(import_id).await),
        ),
        (
            format!("/api/restores/{import_id}"),
            refusal(api.get_restore(import_id).await),
        ),
        (
            format!("/api/backups?database={db}"),
            refusal(api.list_backups(Some(&db)).await),
        ),
    ] {
        assert_eq!(
            refused,
            (StatusCode::NOT_FOUND, "not_found".to_owned()),
            "{path}"
        );
    }
    let writes = [
        (
            format!("DELETE /api/backups/{id}"),
            refusal(api.delete_backup(id).await),
        ),
        (
            format!("POST /api/backups/{id}/restore"),
            refusal(api.restore_backup(id, &restore_into(&own_db)).await),
        ),
        (
            format!("POST /api/databases/{db}/backups"),
            refusal(api.create_backup(&db).await),
        ),
        (
            format!("PUT /api/databases/{db}/backup-schedule"),
            refusal(api.set_backup_schedule(&db, &schedule("03:00", 3)).await),
        ),
        (
            format!("DELETE /api/databases/{db}/backup-schedule"),
            refusal(api.delete_backup_schedule(&db).await),
        ),
    ];
    for (call, refused) in writes {
        assert_eq!(refused.0, StatusCode::NOT_FOUND, "{call}");
    }
    // Their own backup restored into someone else's database: that database is not theirs.
    let own_backup = backup_now(&app, &key, &own_db).await;
    assert_eq!(
        refusal(api.restore_backup(&own_backup.id, &restore_into(&db)).await).0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(import_status(&app, &key, &db).await, StatusCode::NOT_FOUND);
    let listed = api.list_backups(None).await.unwrap();
    assert_eq!(
        listed.value.backups.len(),
        1,
        "only their own: {}",
        listed.raw
    );
    let owner_set = app
        .api(&owner_key)
        .set_backup_schedule(&db, &schedule("04:00", 1))
        .await
        .unwrap();
    assert_eq!(owner_set.status, StatusCode::OK);
    let listed = api.list_backup_schedules().await.unwrap();
    assert!(
        listed.value.schedules.is_empty(),
        "another account's schedule is not listed: {}",
        listed.raw
    );
    assert_eq!(
        app.api(&owner_key).get_backup(id).await.unwrap().status,
        StatusCode::OK,
        "still there"
    );
}

async fn import_status(app: &TestApp, key: &str, db: &str) -> StatusCode {
    import(app, key, db, b"SELECT 1;".to_vec()).await.status()
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let mut settings = test_settings();
    settings.import_limit_bytes = 1000;
    let app = spawn_app_with(settings).await;
    let (account, key, db) = account_with_database(&app, "bad").await;
    assert_eq!(
        import(&app, &key, &db, vec![b' '; 1001]).await.status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        import(&app, &key, &db, Vec::new()).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let no_db = format!("{}_nothere", account.prefix);
    assert_eq!(
        import_status(&app, &key, &no_db).await,
        StatusCode::NOT_FOUND
    );
    let api = app.api(&key);
    assert_eq!(
        refusal(api.create_backup(&no_db).await).0,
        StatusCode::NOT_FOUND
    );
    let backup = backup_now(&app, &key, &db).await;
    let id = backup.id.as_str();
    for (target, status) in [
        (
            format!("{}_Bad-Name", account.prefix),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("mysql".to_owned(), StatusCode::NOT_FOUND),
    ] {
        assert_eq!(
            refusal(api.restore_backup(id, &restore_into(&target)).await).0,
            status,
            "{target}"
        );
    }
    // A field the request type does not have: only raw JSON can send it.
    let unknown_field = app
        .send_json(
            Method::POST,
            &format!("/api/backups/{id}/restore"),
            &key,
            json!({ "database": db, "x": 1 }),
        )
        .await;
    assert_eq!(unknown_field.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for request in [
        schedule("24:00", 7),
        schedule("3:00", 7),
        schedule("03:00", 0),
    ] {
        assert_eq!(
            refusal(api.set_backup_schedule(&db, &request).await).0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{request:?}"
        );
    }
    let listed = api.list_backup_schedules().await.unwrap();
    assert!(
        listed.value.schedules.is_empty(),
        "none was set: {}",
        listed.raw
    );
    // `keep` written as a float: the request type has an integer, so raw JSON.
    let keep_as_float = app
        .send_json(
            Method::PUT,
            &format!("/api/databases/{db}/backup-schedule"),
            &key,
            json!({ "time_utc": "03:00", "keep": 7.0 }),
        )
        .await;
    assert_eq!(
        keep_as_float.status(),
        StatusCode::OK,
        "7.0 is a whole number"
    );
    assert_eq!(
        api.delete_backup_schedule(&db).await.unwrap(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        refusal(api.get_backup("nope").await).0,
        StatusCode::NOT_FOUND
    );
    let listed = api.list_backups(None).await.unwrap().value;
    assert_eq!(listed.backups.len(), 1);
    let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM backup_jobs")
        .fetch_one(&app.state.store)
        .await
        .unwrap();
    assert_eq!(jobs, 0, "no refused request left a job");
}

#[tokio::test]
async fn the_quota_stops_backups_and_imports_with_507() {
    let mut settings = test_settings();
    settings.backup_quota_bytes = 1;
    let app = spawn_app_with(settings).await;
    let (account, key, db) = account_with_database(&app, "q").await;
    let response = import(&app, &key, &db, b"SELECT 1;".to_vec()).await;
    assert_eq!(response.status(), StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(error_code(response).await, "quota_exceeded");
    // A backup that would pass the quota fails and leaves no file.
    let api = app.api(&key);
    let started = api.create_backup(&db).await.unwrap();
    assert_eq!(started.status, StatusCode::ACCEPTED);
    let id = started.value.id;
    let failed = wait_backup(&app, &key, &id).await;
    assert_eq!(failed.value.status, JobStatus::Failed);
    assert!(
        failed
            .value
            .error
            .as_deref()
            .unwrap()
            .contains("storage is full"),
        "{}",
        failed.raw
    );
    let dir = app.data_dir.join("backups").join(account.id.to_string());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    let download = app
        .get_bearer(&format!("/api/backups/{id}/download"), &key)
        .await;
    assert_eq!(
        download.status(),
        StatusCode::CONFLICT,
        "only completed backups download"
    );
    assert_eq!(
        refusal(api.restore_backup(&id, &restore_into(&db)).await).0,
        StatusCode::CONFLICT,
        "nor restore"
    );

    // The operator lowers the quota below what the account already keeps: new backups get 507.
    sqlx::query("UPDATE backups SET status = 'completed', size_bytes = 10 WHERE id = ?")
        .bind(&id)
        .execute(&app.state.store)
        .await
        .unwrap();
    assert_eq!(
        refusal(api.create_backup(&db).await).0,
        StatusCode::INSUFFICIENT_STORAGE
    );
}

#[tokio::test]
async fn schedules_run_once_a_day_and_keep_the_newest() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app, "daily").await;
    app.query_ok(&key, &db, "CREATE TABLE t (id INT)").await;
    let api = app.api(&key);
    let set = api
        .set_backup_schedule(&db, &schedule("03:00", 2))
        .await
        .unwrap();
    assert_eq!(set.status, StatusCode::OK);
    assert_eq!((set.value.time_utc.as_str(), set.value.keep), ("03:00", 2));
    assert!(set.value.next_run_at.ends_with("T03:00:00Z"));
    let listed = api.list_backup_schedules().await.unwrap();
    assert_eq!(sent(&listed)["schedules"], json!([sent(&set)]));
    let manual = backup_now(&app, &key, &db).await;

    // Four days at 03:00:30, each tick twice: one backup a day.
    let base = (server::domain::time::now() / 86_400 + 1) * 86_400;
    for day in 0..4 {
        let now = base + day * 86_400 + 3 * 3600 + 30;
        let started =
            server::services::backups::schedule::run_due(&app.state.backup_context(), now)
                .await
                .unwrap();
        assert_eq!(started, 1, "day {day}");
        assert_eq!(
            server::services::backups::schedule::run_due(&app.state.backup_context(), now)
                .await
                .unwrap(),
            0
        );
        wait_all_finished(&app, &key).await;
    }
    let early = server::services::backups::schedule::run_due(
        &app.state.backup_context(),
        base + 5 * 86_400 + 3600,
    )
    .await
    .unwrap();
    assert_eq!(early, 0, "not before 03:00");
    let listed = api.list_backups(Some(&db)).await.unwrap().value;
    let kinds: Vec<BackupKind> = listed.backups.iter().map(|b| b.kind).collect();
    assert_eq!(
        kinds,
        [
            BackupKind::Scheduled,
            BackupKind::Scheduled,
            BackupKind::Manual
        ],
        "two newest scheduled kept, the manual one untouched"
    );

    assert_eq!(
        api.delete_backup_schedule(&db).await.unwrap(),
        StatusCode::NO_CONTENT
    );
    let listed = api.list_backup_schedules().await.unwrap();
    assert!(
        listed.value.schedules.is_empty(),
        "no schedule any more: {}",
        listed.raw
    );
    assert_eq!(
        api.delete_backup_schedule(&db).await.unwrap(),
        StatusCode::NO_CONTENT,
        "removing none is fine"
    );
    assert_eq!(
        server::services::backups::schedule::run_due(
            &app.state.backup_context(),
            base + 9 * 86_400 + 4 * 3600
        )
        .await
        .unwrap(),
        0
    );
    assert_eq!(
        api.get_backup(&manual.id).await.unwrap().status,
        StatusCode::OK
    );

    // A deleted database's schedule goes with it; its backups stay, restorable into a new database.
    api.set_backup_schedule(&db, &schedule("03:00", 2))
        .await
        .expect("set again");
    assert_eq!(
        api.delete_database(&db).await.unwrap(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        server::services::backups::schedule::run_due(
            &app.state.backup_context(),
            base + 20 * 86_400 + 4 * 3600
        )
        .await
        .unwrap(),
        0
    );
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM backup_schedules")
        .fetch_one(&app.state.store)
        .await
        .unwrap();
    assert_eq!(left, 0);
    let listed = api.list_backups(None).await.unwrap().value;
    assert_eq!(listed.backups.len(), 3);
}

pub async fn wait_all_finished(app: &TestApp, key: &str) {
    let api = app.api(key);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let listed = api.list_backups(None).await.unwrap();
        if listed.value.backups.iter().all(|b| b.status.is_finished()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "backups did not finish: {}",
            listed.raw
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_accounts_jobs_run_one_at_a_time() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app, "seq").await;
    app.query_ok(&key, &db, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")
        .await;
    app.query_ok(
        &key,
        &db,
        "INSERT INTO t SELECT seq, REPEAT('x', 500) FROM seq_1_to_20000",
    )
    .await;
    let api = app.api(&key);
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(api.create_backup(&db).await.unwrap().value.id);
    }
    let mut most_running = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let listed = api.list_backups(None).await.unwrap();
        let statuses: Vec<JobStatus> = listed.value.backups.iter().map(|b| b.status).collect();
        most_running = most_running.max(
            statuses
                .iter()
                .filter(|s| **s == JobStatus::Running)
                .count(),
        );
        if statuses.iter().all(|s| *s == JobStatus::Completed) {
            break;
        }
        assert!(
            statuses.iter().all(|s| *s != JobStatus::Failed),
            "{}",
            listed.raw
        );
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(most_running, 1);
}

/// Writers keep inserting while the backup runs: the manifest must still describe exactly what
/// the dump holds (read under a lock held until the dump's snapshot began), so the restore verifies.
#[tokio::test]
async fn a_backup_taken_under_writes_matches_its_manifest() {
    let app = spawn_app().await;
    let (account, key, db) = account_with_database(&app, "busy").await;
    app.query_ok(
        &key,
        &db,
        "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT)",
    )
    .await;
    app.query_ok(
        &key,
        &db,
        "INSERT INTO t (v) SELECT REPEAT('y', 200) FROM seq_1_to_50000",
    )
    .await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (mysql, stop, table) = (app.state.mysql.clone(), stop.clone(), format!("`{db}`.t"));
        tokio::spawn(async move {
            let mut written = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                sqlx::query(&format!("INSERT INTO {table} (v) VALUES ('during')"))
                    .execute(&mysql)
                    .await
                    .unwrap();
                written += 1;
            }
            written
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let backup = backup_now(&app, &key, &db).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(
        written > 10,
        "the writer kept writing during the backup ({written} rows)"
    );
    let rows = backup.tables[0].rows;
    assert!(
        rows > 50_000,
        "rows written before the snapshot are in the manifest ({rows})"
    );
    let job = restore(&app, &key, &backup.id, &format!("{}_copy", account.prefix)).await;
    assert_eq!(verified(&job), Some(true), "{job:?}");
}

/// A routine another MySQL user defined cannot be dumped by the account's identity: the backup
/// fails and says what to do, rather than completing without the routine.
#[tokio::test]
async fn a_routine_defined_by_a_database_user_fails_the_backup_with_a_remedy() {
    let app = spawn_app().await;
    let (account, key, db) = account_with_database(&app, "r").await;
    sqlx::query(&format!(
        "CREATE DEFINER='{}_app'@'%' PROCEDURE `{db}`.p() SELECT 1",
        account.prefix
    ))
    .execute(&app.state.mysql)
    .await
    .unwrap();
    let id = app.api(&key).create_backup(&db).await.unwrap().value.id;
    let failed = wait_backup(&app, &key, &id).await;
    assert_eq!(failed.value.status, JobStatus::Failed, "{}", failed.raw);
    let error = failed.value.error.as_deref().unwrap();
    assert!(
        error.contains("`p`") && error.contains("Re-create it from the Query tab"),
        "{error}"
    );
    // Re-created through the query API (as the identity), it is backed up.
    app.query_ok(&key, &db, "DROP PROCEDURE p").await;
    app.query_ok(&key, &db, "CREATE PROCEDURE p() SELECT 1")
        .await;
    backup_now(&app, &key, &db).await;
}
