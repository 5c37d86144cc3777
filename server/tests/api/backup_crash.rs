//! A panel killed in the middle of a backup: no half file is ever "completed", and the next
//! start marks the job failed and removes what it left.
use crate::backups::account_with_database;
use crate::helpers::{spawn_app_with, test_settings};
use reqwest::{Method, StatusCode};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use types::backups::JobStatus;

struct Panel(Child);

impl Drop for Panel {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The panel binary on `data_dir`, answering on the returned port.
async fn start_panel(data_dir: &Path, store_env: Vec<(&'static str, String)>) -> (Panel, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let panel = Panel(
        Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("NOBREGAS_DATA_DIR", data_dir)
            .envs(store_env)
            .env("NOBREGAS_MYSQL_URL", crate::helpers::mysql_url())
            .env("NOBREGAS_API_RATE_LIMIT", "100000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let address = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{address}/healthz")).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the panel did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (panel, address)
}

/// The typed client for a panel process the test started (not the in-process `TestApp`, whose
/// `api` points at its own address).
fn api_at(address: &str, key: &str) -> nobregas_client::Client {
    nobregas_client::Client::new(
        address.parse().unwrap(),
        Some(key.to_owned()),
        reqwest::Client::new(),
    )
}

#[tokio::test]
async fn a_panel_killed_mid_backup_leaves_no_completed_half_file_and_the_job_failed() {
    let settings = test_settings();
    let data_dir = settings.data_dir.clone();
    let app = spawn_app_with(settings).await;
    let (account, key, db) = account_with_database(&app, "crash").await;
    app.query_ok(&key, &db, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")
        .await;
    // ~160 MB of dump: seconds of work, long enough to be caught in the middle.
    app.query_ok(
        &key,
        &db,
        "INSERT INTO t SELECT seq, REPEAT(MD5(seq), 12) FROM seq_1_to_400000",
    )
    .await;

    let (mut panel, address) = start_panel(&data_dir, app.store_env()).await;
    let api = api_at(&address, &key);
    let id = api.create_backup(&db).await.unwrap().value.id;
    let dir = data_dir.join("backups").join(account.id.to_string());
    let part = dir.join(format!("{id}.sql.gz.part"));
    let finished = dir.join(format!("{id}.sql.gz"));
    let started = Instant::now();
    loop {
        let backup = api.get_backup(&id).await.unwrap().value;
        assert!(
            matches!(backup.status, JobStatus::Queued | JobStatus::Running),
            "caught too late: {backup:?}"
        );
        if backup.bytes_done > 0 && part.exists() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panel.0.kill().unwrap();
    panel.0.wait().unwrap();
    assert!(
        !finished.exists(),
        "a half-written backup must never take the final name"
    );

    let (_restarted, address) = start_panel(&data_dir, app.store_env()).await;
    let api = api_at(&address, &key);
    // On SQLite the restarted panel fails it at start-up; on a shared store, once the killed
    // instance's heartbeat is older than the lease (2 s in tests).
    let started = Instant::now();
    let backup = loop {
        let answer = api.get_backup(&id).await.unwrap();
        assert_eq!(answer.status, StatusCode::OK);
        let backup = answer.value;
        if (backup.status == JobStatus::Failed && !part.exists())
            || started.elapsed() > Duration::from_secs(15)
        {
            break backup;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(backup.status, JobStatus::Failed, "{backup:?}");
    assert!(
        backup.error.as_deref().unwrap().contains("stopped"),
        "{backup:?}"
    );
    assert!(
        !part.exists() && !finished.exists(),
        "the partial file is removed at start-up"
    );
    // The download is a stream: the client has no typed call for it, so its status is read raw.
    let download = api
        .request(Method::GET, &format!("/api/backups/{id}/download"))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), StatusCode::CONFLICT);
}
