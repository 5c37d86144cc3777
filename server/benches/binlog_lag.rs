//! `make binlog-bench` (= `cargo bench -p server --bench binlog_lag`): issue 27's "archive lag under
//! 1,000 writes/s". A `mariadbd` of the bench's own with the binary log on is the panel's default
//! server; the panel (`serve`, its own process) archives its log while the bench writes 1,000
//! single-row transactions a second into it for `BINLOG_SECONDS` (default 60). Every second it
//! reads the lag the panel reports (`/metrics`: `nobregas_binlog_archive_lag_seconds`) and the bytes
//! between the server's position (`SHOW MASTER STATUS`) and the archive's copy on disk.
//! Prints rows for docs/PERFORMANCE.md.
#[allow(dead_code)]
#[path = "../tests/api/private_mariadb.rs"]
mod private_mariadb;
mod support;

use private_mariadb::PrivateMariaDb;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WRITES_PER_SECOND: u64 = 1000;
const TOKEN: &str = "binlog-bench";

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::var("BINLOG_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let mut server = PrivateMariaDb::install();
    server
        .start_with(
            &[
                "--log-bin=mariadb-bin",
                "--binlog-format=ROW",
                "--server-id=9",
                "--log-bin-trust-function-creators=1",
            ]
            .map(String::from),
        )
        .await;
    server
        .sql("CREATE DATABASE bench; CREATE TABLE bench.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(100), at DATETIME(6))")
        .unwrap();
    let data_dir =
        std::env::temp_dir().join(format!("nobregas-binlog-bench-{}", std::process::id()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _panel = support::Panel(
        Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("NOBREGAS_DATA_DIR", &data_dir)
            .env("NOBREGAS_MYSQL_URL", server.url())
            .env("NOBREGAS_METRICS_TOKEN", TOKEN)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let http = reqwest::Client::new();
    let metrics = format!("http://127.0.0.1:{port}/metrics");
    let lag = || async {
        let text = http
            .get(&metrics)
            .bearer_auth(TOKEN)
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        text.lines()
            .find(|line| line.starts_with("nobregas_binlog_archive_lag_seconds{"))
            .and_then(|line| line.rsplit(' ').next())
            .and_then(|value| value.parse::<f64>().ok())
    };
    // The archive has started when the panel reports a lag at all.
    let started = Instant::now();
    while lag().await.is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the panel never archived"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let pool = sqlx::mysql::MySqlPoolOptions::new()
        .max_connections(8)
        .connect(&format!("{}/bench", server.url()))
        .await
        .unwrap();
    let writing = {
        let pool = pool.clone();
        tokio::spawn(async move {
            // Ten transactions every 10 ms, each one row in autocommit, from eight connections.
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            let (mut written, end) = (0u64, Instant::now() + Duration::from_secs(seconds));
            while Instant::now() < end {
                tick.tick().await;
                let batch = (0..WRITES_PER_SECOND / 100).map(|_| {
                    sqlx::query("INSERT INTO t (v, at) VALUES (REPEAT('x', 80), NOW(6))")
                        .execute(&pool)
                });
                for done in futures_util::future::join_all(batch).await {
                    done.unwrap();
                    written += 1;
                }
            }
            written
        })
    };
    let (mut lags, mut bytes_behind) = (Vec::new(), Vec::new());
    let mut positions = Vec::new();
    let archive = data_dir.join("binlog").join("default");
    let begun = Instant::now();
    while !writing.is_finished() {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Some(seconds) = lag().await {
            lags.push(seconds);
        }
        let status = server.sql("SHOW MASTER STATUS").unwrap();
        let mut fields = status.lines().next().unwrap().split('\t');
        let (file, pos): (&str, u64) = (
            fields.next().unwrap(),
            fields.next().unwrap().parse().unwrap(),
        );
        let copied = std::fs::metadata(archive.join(file)).map_or(0, |m| m.len());
        bytes_behind.push(pos.saturating_sub(copied));
        positions.push((file.to_owned(), pos, Instant::now()));
    }
    let written = writing.await.unwrap();
    let rate = written as f64 / begun.elapsed().as_secs_f64();
    let max = |v: &[f64]| v.iter().cloned().fold(0.0, f64::max);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let bytes: Vec<f64> = bytes_behind.iter().map(|&b| b as f64).collect();
    // The log's growth over the samples (within one file: 60 s of this load is far below a file's
    // size) turns bytes behind into time behind.
    let log_rate = match (positions.first(), positions.last()) {
        (Some((first, from, start)), Some((last, to, end))) if first == last && end > start => {
            (to - from) as f64 / end.duration_since(*start).as_secs_f64()
        }
        _ => f64::NAN,
    };
    println!(
        "| writes | rate | log written | samples | lag (/metrics) mean | max | bytes behind mean | max | time behind mean | max |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {written} single-row transactions | {rate:.0}/s | {:.0} KB/s | {} | {:.2} s | {:.0} s | {:.0} B | {:.0} B | {:.0} ms | {:.0} ms |",
        log_rate / 1000.0,
        lags.len(),
        mean(&lags),
        max(&lags),
        mean(&bytes),
        max(&bytes),
        mean(&bytes) / log_rate * 1000.0,
        max(&bytes) / log_rate * 1000.0,
    );
    drop(_panel);
    let _ = std::fs::remove_dir_all(&data_dir);
}
