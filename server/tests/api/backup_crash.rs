//! A panel killed in the middle of a backup: no half file is ever "completed", and the next
//! start marks the job failed and removes what it left.
use crate::helpers::{spawn_app_with, test_settings};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

#[tokio::test]
async fn a_panel_killed_mid_backup_leaves_no_completed_half_file_and_the_job_failed() {
    let settings = test_settings();
    let data_dir = settings.data_dir.clone();
    let app = spawn_app_with(settings).await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let db = format!("{}_crash", account.prefix);
    app.send_json(
        reqwest::Method::POST,
        "/api/databases",
        &key,
        json!({ "name": db }),
    )
    .await;
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
    let client = reqwest::Client::new();
    let created: Value = client
        .post(format!("{address}/api/databases/{db}/backups"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let dir = data_dir.join("backups").join(account.id.to_string());
    let part = dir.join(format!("{id}.sql.gz.part"));
    let finished = dir.join(format!("{id}.sql.gz"));
    let started = Instant::now();
    loop {
        let backup: Value = client
            .get(format!("{address}/api/backups/{id}"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            matches!(backup["status"].as_str(), Some("queued" | "running")),
            "caught too late: {backup}"
        );
        if backup["bytes_done"].as_u64().unwrap() > 0 && part.exists() {
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
    // On SQLite the restarted panel fails it at start-up; on a shared store, once the killed
    // instance's heartbeat is older than the lease (2 s in tests).
    let started = Instant::now();
    let backup = loop {
        let response = client
            .get(format!("{address}/api/backups/{id}"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let backup: Value = response.json().await.unwrap();
        if (backup["status"] == "failed" && !part.exists())
            || started.elapsed() > Duration::from_secs(15)
        {
            break backup;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(backup["status"], "failed", "{backup}");
    assert!(
        backup["error"].as_str().unwrap().contains("stopped"),
        "{backup}"
    );
    assert!(
        !part.exists() && !finished.exists(),
        "the partial file is removed at start-up"
    );
    let download = client
        .get(format!("{address}/api/backups/{id}/download"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), StatusCode::CONFLICT);
}
