//! `make bench` (part 2, = `cargo bench -p server --bench queries`): a 100k-row result through the
//! query API and the CSV export, against `mariadb --batch` for the same query, with the panel's
//! resident memory. The panel runs as its own process (the `nobregas-panel` binary of this
//! profile), so its memory is its own.
//!
//! Prints a Markdown table for docs/PERFORMANCE.md; the goal is ≥ 0.5× mariadb's rows/s.
use std::process::Command;
use std::time::{Duration, Instant};

const ROWS: u32 = 100_000;
const RUNS: usize = 3;

mod support;
use support::{Panel, panel};

fn mariadb(args: &[&str]) -> std::process::Output {
    Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1"])
        .args(args)
        .output()
        .expect("the mariadb client")
}

fn kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .parse()
        .unwrap()
}

/// The best of RUNS: (seconds, bytes).
async fn best<F, Fut>(mut once: F) -> (f64, usize)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let bytes = once().await;
        runs.push((started.elapsed().as_secs_f64(), bytes));
    }
    runs.into_iter().min_by(|a, b| a.0.total_cmp(&b.0)).unwrap()
}

#[tokio::main]
async fn main() {
    let suffix: String = format!(
        "{:x}",
        std::process::id() ^ (Instant::now().elapsed().subsec_nanos())
    );
    let prefix = format!("qb{}", &suffix[..suffix.len().min(8)]);
    let data_dir = std::env::temp_dir().join(format!("nobregas-qbench-{prefix}"));
    let email = format!("{prefix}@bench.test");
    panel(
        &data_dir,
        &[
            "account",
            "create",
            "--email",
            &email,
            "--prefix",
            &prefix,
            "--password-stdin",
        ],
        "bench password 123\n",
    );
    let key = panel(&data_dir, &["key", "regenerate", "--email", &email], "");
    let db = format!("{prefix}_bench");
    let table = "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(40), amount DECIMAL(10,2), created DATETIME, note TEXT NULL)";
    let fill = format!(
        "INSERT INTO t SELECT seq, CONCAT('customer ', seq), seq / 100, '2024-01-01' + INTERVAL seq SECOND, \
         IF(seq % 10 = 0, NULL, 'a note') FROM seq_1_to_{ROWS}"
    );
    assert!(
        mariadb(&[
            "-e",
            &format!("CREATE DATABASE `{db}`; USE `{db}`; {table}; {fill};")
        ])
        .status
        .success()
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Panel(
        Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--api-rate-limit",
                "100000",
            ])
            .env("NOBREGAS_DATA_DIR", &data_dir)
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap(),
    );
    let pid = server.0.id();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}/api/databases/{db}");
    let sql = "SELECT * FROM t";
    let started = Instant::now();
    while client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the panel did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rss_idle = kib(pid, "VmRSS:");

    let (mariadb_secs, mariadb_bytes) = best(|| async {
        let out = mariadb(&["--batch", &db, "-e", sql]);
        assert!(out.status.success());
        out.stdout.len()
    })
    .await;
    let (csv_secs, csv_bytes) = best(|| async {
        let response = client
            .post(format!("{base}/query/export"))
            .bearer_auth(&key)
            .json(&serde_json::json!({"sql": sql, "format": "csv"}))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        response.bytes().await.unwrap().len()
    })
    .await;
    // The JSON API sends at most 10000 rows of a result (and reads the rest): measured at its cap.
    let capped = format!("{sql} LIMIT 10000");
    let (json_secs, json_bytes) = best(|| async {
        let response = client
            .post(format!("{base}/query"))
            .bearer_auth(&key)
            .json(&serde_json::json!({"sql": capped, "max_rows": 10000}))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        response.bytes().await.unwrap().len()
    })
    .await;
    let (full_secs, _) = best(|| async {
        let response = client
            .post(format!("{base}/query"))
            .bearer_auth(&key)
            .json(&serde_json::json!({"sql": sql, "max_rows": 10000}))
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["truncated"], true);
        body["row_count"].as_u64().unwrap() as usize
    })
    .await;
    let rss_peak = kib(pid, "VmHWM:");

    drop(server);
    let _ = mariadb(&[
        "-e",
        &format!("DROP DATABASE `{db}`; DROP USER IF EXISTS '{prefix}-panel'@'localhost';"),
    ]);
    let _ = std::fs::remove_dir_all(&data_dir);

    let rows = f64::from(ROWS);
    let row = |what: &str, rows: f64, secs: f64, bytes: usize| {
        println!(
            "| {what} | {rows:.0} | {:.0} ms | {:.0} | {:.1} | {:.2}× |",
            secs * 1e3,
            rows / secs,
            bytes as f64 / secs / 1e6,
            (rows / secs) / (f64::from(ROWS) / mariadb_secs)
        );
    };
    println!("| what | rows | time (best of {RUNS}) | rows/s | MB/s | vs mariadb --batch |");
    println!("|---|---|---|---|---|---|");
    row(
        "`mariadb --batch -e 'SELECT * FROM t'`",
        rows,
        mariadb_secs,
        mariadb_bytes,
    );
    row(
        "CSV export `POST …/query/export`",
        rows,
        csv_secs,
        csv_bytes,
    );
    row(
        "JSON `POST …/query` (`LIMIT 10000`)",
        10_000.0,
        json_secs,
        json_bytes,
    );
    row(
        "JSON `POST …/query` (100k rows, 10000 sent, rest read and dropped)",
        rows,
        full_secs,
        0,
    );
    println!();
    println!(
        "panel resident memory: {} MiB idle, {} MiB peak over the whole run",
        rss_idle / 1024,
        rss_peak / 1024
    );
}
