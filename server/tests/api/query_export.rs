//! The streaming export: complete, in constant memory, and never mistaken for complete when the
//! statement fails midway.
use crate::helpers::{TestApp, spawn_app, spawn_app_with, test_settings};
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

async fn key_and_database(app: &TestApp) -> (String, String) {
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let db = format!("{}_export", account.prefix);
    let created = app
        .send_json(Method::POST, "/api/databases", &key, json!({ "name": db }))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    (key, db)
}

/// Reads the whole body as it streams: the lines, and how the transfer ended.
async fn read_lines(response: reqwest::Response) -> (Vec<String>, Result<(), String>) {
    let mut body = response.bytes_stream();
    let mut text = Vec::new();
    let mut ended = Ok(());
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(bytes) => text.extend_from_slice(&bytes),
            Err(err) => {
                ended = Err(err.to_string());
                break;
            }
        }
    }
    let text = String::from_utf8(text).unwrap();
    (text.lines().map(str::to_owned).collect(), ended)
}

#[tokio::test]
async fn a_csv_export_holds_every_row_with_a_header() {
    let app = spawn_app().await;
    let (key, db) = key_and_database(&app).await;
    let sql = "SELECT seq AS n, IF(seq % 1000 = 0, NULL, CONCAT('row \"', seq, '\", ok')) AS label FROM seq_1_to_200000";
    let response = app
        .send_json(
            Method::POST,
            &format!("/api/databases/{db}/query/export"),
            &key,
            json!({ "sql": sql, "format": "csv" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(response.headers().contains_key("query-id"));
    let (lines, ended) = read_lines(response).await;
    assert_eq!(ended, Ok(()));
    assert_eq!(lines.len(), 200_001);
    assert_eq!(lines[0], "n,label");
    assert_eq!(lines[1], "1,\"row \"\"1\"\", ok\"");
    assert_eq!(lines[1000], "1000,");
    assert_eq!(lines[200_000], "200000,");
}

#[tokio::test]
async fn an_ndjson_export_is_one_json_array_per_line() {
    let app = spawn_app().await;
    let (key, db) = key_and_database(&app).await;
    let sql = "SELECT seq, 18446744073709551615 AS big, CAST(1.50 AS DECIMAL(4,2)) AS price FROM seq_1_to_3";
    let response = app
        .send_json(
            Method::POST,
            &format!("/api/databases/{db}/query/export"),
            &key,
            json!({ "sql": sql, "format": "ndjson" }),
        )
        .await;
    let (lines, ended) = read_lines(response).await;
    assert_eq!(ended, Ok(()));
    assert_eq!(
        lines,
        [
            "[\"seq\",\"big\",\"price\"]",
            "[1,\"18446744073709551615\",\"1.50\"]",
            "[2,\"18446744073709551615\",\"1.50\"]",
            "[3,\"18446744073709551615\",\"1.50\"]"
        ]
    );
}

#[tokio::test]
async fn a_statement_that_fails_midway_ends_with_a_marker_and_a_broken_transfer() {
    let app = spawn_app().await;
    let (key, db) = key_and_database(&app).await;
    // The subquery returns two rows only at row 150000: MariaDB fails there, after streaming the rest.
    let sql = "SELECT t.seq, IF(t.seq = 150000, (SELECT s.seq FROM seq_1_to_2 s WHERE s.seq <= t.seq), 0) AS x FROM seq_1_to_200000 t";
    for (format, marker) in [("csv", "#ERROR sql_error 1242"), ("ndjson", "{\"error\":")] {
        let response = app
            .send_json(
                Method::POST,
                &format!("/api/databases/{db}/query/export"),
                &key,
                json!({ "sql": sql, "format": format }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let (lines, ended) = read_lines(response).await;
        assert!(ended.is_err(), "{format}: the transfer ended cleanly");
        assert!(
            lines.len() > 1000 && lines.len() < 150_002,
            "{format}: {} lines",
            lines.len()
        );
        let last = lines.last().unwrap();
        assert!(last.starts_with(marker), "{format}: {last}");
    }
    // A refusal before any row is an ordinary error answer.
    let response = app
        .send_json(
            Method::POST,
            &format!("/api/databases/{db}/query/export"),
            &key,
            json!({ "sql": "SELEC 1", "format": "csv" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["mysql_errno"], 1064);
}

struct Panel(Child);

impl Drop for Panel {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// The panel as its own process (so its memory is its own), on the test app's data dir.
#[tokio::test]
async fn exporting_a_result_larger_than_memory_allows_keeps_the_panel_small() {
    let settings = test_settings();
    let data_dir = settings.data_dir.clone();
    let app = spawn_app_with(settings).await;
    let (key, db) = key_and_database(&app).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let panel = Panel(
        Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("NOBREGAS_DATA_DIR", &data_dir)
            .envs(app.store_env())
            .env("NOBREGAS_MYSQL_URL", crate::helpers::mysql_url())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let pid = panel.0.id();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/databases/{db}/query/export");
    let started = Instant::now();
    // Warm up (pools, identity, allocator) and take the baseline.
    loop {
        let warm = client
            .post(&url)
            .bearer_auth(&key)
            .json(&json!({ "sql": "SELECT seq FROM seq_1_to_1000", "format": "csv" }))
            .send()
            .await;
        if let Ok(response) = warm {
            let _ = read_lines(response).await;
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the panel did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let baseline = memory_kib(pid, "VmRSS:");
    // About 60 MiB of CSV.
    let sql = "SELECT seq, REPEAT('x', 300) AS padding FROM seq_1_to_200000";
    let response = client
        .post(&url)
        .bearer_auth(&key)
        .json(&json!({ "sql": sql, "format": "csv" }))
        .send()
        .await
        .unwrap();
    let mut body = response.bytes_stream();
    let (mut bytes, mut newlines) = (0usize, 0usize);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        bytes += chunk.len();
        newlines += chunk.iter().filter(|&&b| b == b'\n').count();
    }
    assert_eq!(newlines, 200_001);
    assert!(bytes > 60_000_000, "{bytes}");
    let peak = memory_kib(pid, "VmHWM:");
    let grew_mib = peak.saturating_sub(baseline) / 1024;
    assert!(
        grew_mib < 32,
        "the panel grew by {grew_mib} MiB exporting {} MiB",
        bytes >> 20
    );
}
