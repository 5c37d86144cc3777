//! `make load` (= `cargo bench -p server --bench load`): a bounded loopback load test, run in CI.
//!
//! 1. `GET /api/databases` over HTTP at concurrency 64 for 30 s (LOAD_HTTP_SECS), Bearer-authenticated,
//!    against the real MariaDB, served by the release `nobregas-panel` running as its own process.
//! 2. The statement that endpoint sends to MariaDB (SCHEMATA and TABLES asked about each of the
//!    account's database names with `=`, in one `UNION ALL`) sent straight to MariaDB through a pool
//!    of the panel's size (10), at the same concurrency, for 10 s (LOAD_DIRECT_SECS): what the panel
//!    adds on top of MariaDB (its store's index read among it).
//! 3. The panel's resident set (VmRSS) idle, after one request, and its peak during (1).
//!
//! Prints requests/s, median and p99 latency and the error count of each, as a row for
//! docs/PERFORMANCE.md, and exits non-zero if any request failed.
use sqlx::MySqlPool;
use sqlx::mysql::MySqlPoolOptions;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

mod support;
use support::{Panel, panel, run};

const CONCURRENCY: usize = 64;
const DATABASES: usize = 3;
/// The panel's own MariaDB pool size (`managed::pool`).
const POOL_SIZE: u32 = 10;

#[tokio::main]
async fn main() {
    let suffix = format!("{:x}", std::process::id());
    let prefix = format!("l{}", &suffix[..suffix.len().min(8)]);
    let data_dir = std::env::temp_dir().join(format!("nobregas-load-{prefix}"));
    let mysql_url = std::env::var("NOBREGAS_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
    let email = format!("{prefix}@load.test");
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
        "load test password\n",
    );
    let key = panel(&data_dir, &["key", "regenerate", "--email", &email], "");
    let mysql = MySqlPoolOptions::new()
        .max_connections(POOL_SIZE)
        .connect(&mysql_url)
        .await
        .expect("connect to MariaDB");
    for n in 0..DATABASES {
        sqlx::query(&format!("CREATE DATABASE `{prefix}_db{n}`"))
            .execute(&mysql)
            .await
            .unwrap();
        sqlx::query(&format!(
            "CREATE TABLE `{prefix}_db{n}`.t (id INT PRIMARY KEY)"
        ))
        .execute(&mysql)
        .await
        .unwrap();
    }

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // The per-key limit (default 600/min) would turn this test into 429s: it measures the API, not the limiter.
    let server = Panel(
        Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--api-rate-limit",
                "1000000000",
            ])
            .env("NOBREGAS_DATA_DIR", &data_dir)
            .env("NOBREGAS_MYSQL_URL", &mysql_url)
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("start nobregas-panel"),
    );
    let pid = server.0.id();
    let client = reqwest::Client::new();
    while client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .is_err()
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = format!("http://127.0.0.1:{port}/api/databases");
    let rss_started = resident_kib(pid);
    let warm = client
        .get(&url)
        .bearer_auth(&key)
        .send()
        .await
        .expect("first request");
    assert!(
        warm.status().is_success(),
        "first request: {}",
        warm.status()
    );
    let rss_idle = resident_kib(pid);

    let peak = Arc::new(AtomicU64::new(0));
    let sampler = tokio::spawn({
        let peak = peak.clone();
        async move {
            loop {
                peak.fetch_max(resident_kib(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    });
    let http = run(CONCURRENCY, secs("LOAD_HTTP_SECS", 30), move || {
        let request = client.get(&url).bearer_auth(&key).send();
        async move {
            let response = request.await.map_err(|err| err.to_string())?;
            let status = response.status();
            let body = response.text().await.map_err(|err| err.to_string())?;
            if status.is_success() {
                Ok(())
            } else {
                Err(format!("{status}: {body}"))
            }
        }
    })
    .await;
    sampler.abort();
    let rss_after = resident_kib(pid);
    drop(server);

    let names: Vec<String> = (0..DATABASES).map(|n| format!("{prefix}_db{n}")).collect();
    let direct = run(CONCURRENCY, secs("LOAD_DIRECT_SECS", 10), {
        let mysql = mysql.clone();
        move || {
            let (mysql, names) = (mysql.clone(), names.clone());
            async move { endpoint_queries(&mysql, &names).await }
        }
    })
    .await;

    // What issue 10 measured against: the two LIKE statements the endpoint sent before it read the
    // names from its store (kept to show the endpoint against its old cost).
    let pattern = format!("{prefix}!_%");
    let before = run(CONCURRENCY, secs("LOAD_DIRECT_SECS", 10), {
        let mysql = mysql.clone();
        move || {
            let (mysql, pattern) = (mysql.clone(), pattern.clone());
            async move { like_queries(&mysql, &pattern).await }
        }
    })
    .await;

    for n in 0..DATABASES {
        let _ = sqlx::query(&format!("DROP DATABASE `{prefix}_db{n}`"))
            .execute(&mysql)
            .await;
    }
    let _ = sqlx::query(&format!("DROP USER IF EXISTS '{prefix}-panel'@'localhost'"))
        .execute(&mysql)
        .await;
    let _ = std::fs::remove_dir_all(data_dir);

    println!("| what | concurrency | seconds | requests | requests/s | median | p99 | errors |");
    println!("|---|---|---|---|---|---|---|---|");
    http.print("`GET /api/databases` over HTTP");
    direct.print("the same statement straight to MariaDB");
    before.print("the 2 LIKE statements it sent before the database index, straight to MariaDB");
    println!(
        "rate: {:.2}x the direct rate of its statement, {:.2}x the direct rate of the statements it sent before",
        http.per_second() / direct.per_second(),
        http.per_second() / before.per_second()
    );
    let mib = |kib: u64| format!("{:.1} MiB", kib as f64 / 1024.0);
    println!(
        "panel resident set: {} after start, {} idle after one request, {} peak under load, {} after the load",
        mib(rss_started),
        mib(rss_idle),
        mib(peak.load(Ordering::Relaxed)),
        mib(rss_after)
    );
    if http.errors + direct.errors + before.errors > 0 {
        eprintln!(
            "load test FAILED: {} HTTP and {} direct errors",
            http.errors, direct.errors
        );
        std::process::exit(1);
    }
    println!("load test passed: 0 errors");
}

/// The process's resident set in KiB (Linux `/proc/<pid>/status`), 0 when it cannot be read.
fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// The statement `services::databases::list` sends to MariaDB for one `GET /api/databases`: per
/// database name (the panel reads them from its store's index), its SCHEMATA row and its TABLES
/// statistics, each asked with `=`, in one `UNION ALL`.
async fn endpoint_queries(mysql: &MySqlPool, names: &[String]) -> Result<(), String> {
    let statement = server::services::databases::lookup_statement(names.len());
    let mut query = sqlx::query_as::<
        _,
        (
            String,
            Option<String>,
            Option<String>,
            Option<u64>,
            Option<u64>,
        ),
    >(&statement);
    for name in names {
        query = query.bind(name).bind(name);
    }
    let rows = query
        .fetch_all(mysql)
        .await
        .map_err(|err| err.to_string())?;
    let schemas: Vec<_> = rows.iter().filter(|row| row.1.is_some()).collect();
    if schemas.len() == DATABASES {
        Ok(())
    } else {
        Err(format!(
            "{} databases instead of {DATABASES}",
            schemas.len()
        ))
    }
}

fn secs(var: &str, default: u64) -> Duration {
    Duration::from_secs(
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default),
    )
}

/// SCHEMATA and TABLES by the escaped `<prefix>\_%` pattern: what `GET /api/databases` sent until
/// issue 13 (information_schema reads every schema directory for a LIKE).
async fn like_queries(mysql: &MySqlPool, pattern: &str) -> Result<(), String> {
    let schemas: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME
         FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ESCAPE '!' ORDER BY SCHEMA_NAME",
    )
    .bind(pattern)
    .fetch_all(mysql)
    .await
    .map_err(|err| err.to_string())?;
    let _stats: Vec<(String, i64, u64)> = sqlx::query_as(
        "SELECT TABLE_SCHEMA, COUNT(*), CAST(COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS UNSIGNED)
         FROM information_schema.TABLES
         WHERE TABLE_SCHEMA LIKE ? ESCAPE '!' AND TABLE_TYPE = 'BASE TABLE' GROUP BY TABLE_SCHEMA",
    )
    .bind(pattern)
    .fetch_all(mysql)
    .await
    .map_err(|err| err.to_string())?;
    if schemas.len() == DATABASES {
        Ok(())
    } else {
        Err(format!(
            "{} databases instead of {DATABASES}",
            schemas.len()
        ))
    }
}
