//! `make scale` (= `cargo bench -p server --bench scale`): issue 13's figures, on a MariaDB server of
//! the bench's own (never the shared one: it gets 100,000 schemas).
//!
//! 1. `GET /api/databases` and `GET /api/users` of one account (10 databases, 3 users), p50 and p99
//!    of sequential requests, with 10 accounts × 10 databases on the server, then again with
//!    10,000 accounts × 10 databases (and a user each). Goal: p50 within 1.5×.
//! 2. `GET /api/account` at concurrency 64 from one instance, then from two instances behind a
//!    round-robin loopback proxy, both on one MariaDB store; with the machine's CPU use.
//!
//! Prints rows for docs/PERFORMANCE.md. `SCALE_PART=lookups` or `=instances` runs one part.
#[path = "../tests/api/private_mariadb.rs"]
mod private_mariadb;
mod support;

use private_mariadb::PrivateMariaDb;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{Outcome, Panel, run};

const DATABASES_PER_ACCOUNT: usize = 10;
const SMALL: usize = 10;
const LARGE: usize = 10_000;

#[tokio::main]
async fn main() {
    let mut mariadb = PrivateMariaDb::install();
    mariadb.start().await;
    let work = std::env::temp_dir().join(format!(
        "nobregas-scale-{}",
        server::domain::secret::random_base62(8)
    ));
    std::fs::create_dir_all(&work).unwrap();
    // SCALE_PART=lookups or instances runs one part only.
    let part = std::env::var("SCALE_PART").unwrap_or_default();
    if part != "instances" {
        lookups(&mariadb, &work).await;
    }
    if part != "lookups" {
        instances(&mariadb, &work).await;
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// `nobregas-panel` with the bench's server, data dir and store.
fn panel_command(mariadb: &PrivateMariaDb, data_dir: &Path, store_url: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nobregas-panel"));
    command
        .env("NOBREGAS_DATA_DIR", data_dir)
        .env("NOBREGAS_MYSQL_URL", mariadb.url())
        .env("RUST_LOG", "warn");
    if let Some(url) = store_url {
        command.env("NOBREGAS_STORE_URL", url);
    }
    command
}

fn cli(
    mariadb: &PrivateMariaDb,
    data_dir: &Path,
    store_url: Option<&str>,
    args: &[&str],
    stdin: &str,
) -> String {
    let mut child = panel_command(mariadb, data_dir, store_url)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "nobregas-panel {args:?} failed");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

async fn serve(
    mariadb: &PrivateMariaDb,
    data_dir: &Path,
    store_url: Option<&str>,
) -> (Panel, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = panel_command(mariadb, data_dir, store_url)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--api-rate-limit",
            "1000000000",
        ])
        .spawn()
        .unwrap();
    let address = format!("http://127.0.0.1:{port}");
    while reqwest::get(format!("{address}/healthz")).await.is_err() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (Panel(child), address)
}

/// Accounts `from..to` straight into the store (the measured account's password hash: argon2 for
/// 10,000 accounts would take minutes and measures nothing here), with 10 empty databases and a
/// user holding a grant on the first, on the server.
async fn add_filler(
    mariadb: &PrivateMariaDb,
    data_dir: &Path,
    range: std::ops::Range<usize>,
    work: &Path,
) {
    let store = server::store::open(data_dir, None).await.unwrap();
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM accounts ORDER BY id LIMIT 1")
        .fetch_one(&store)
        .await
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    let mut sql = String::new();
    for n in range {
        let prefix = format!("f{n:05}");
        sqlx::query(
            "INSERT INTO accounts (email, prefix, password_hash, created_at) VALUES (?, ?, ?, 0)",
        )
        .bind(format!("{prefix}@scale.test"))
        .bind(&prefix)
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .unwrap();
        for d in 0..DATABASES_PER_ACCOUNT {
            sql.push_str(&format!("CREATE DATABASE {prefix}_db{d};\n"));
        }
        // At 'localhost' and the two loopback hosts, as the panel makes every user.
        for host in ["localhost", "127.0.0.1", "::1"] {
            sql.push_str(&format!("CREATE USER '{prefix}_app'@'{host}' IDENTIFIED BY 'x' WITH MAX_USER_CONNECTIONS 30;\n"));
            sql.push_str(&format!(
                "GRANT SELECT, INSERT ON `{prefix}\\_db0`.* TO '{prefix}_app'@'{host}';\n"
            ));
        }
    }
    tx.commit().await.unwrap();
    store.close().await;
    let file = work.join("filler.sql");
    std::fs::write(&file, sql).unwrap();
    mariadb.sql_file(&file);
}

/// Waits until the server answers fewer than 20 questions a second (the panel's start-up work is
/// done); how long that took.
async fn wait_until_idle(mariadb: &PrivateMariaDb) -> Duration {
    let started = Instant::now();
    let questions = || -> u64 {
        let out = mariadb.sql("SHOW GLOBAL STATUS LIKE 'Questions'").unwrap();
        out.split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let mut last = questions();
    let mut quiet = 0;
    while quiet < 2 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = questions();
        quiet = if now - last < 20 { quiet + 1 } else { 0 };
        last = now;
    }
    started.elapsed().saturating_sub(Duration::from_secs(2))
}

async fn sequential(address: &str, path: &str, key: &str) -> Outcome {
    let (client, url, key) = (
        reqwest::Client::new(),
        format!("{address}{path}"),
        key.to_owned(),
    );
    for _ in 0..20 {
        client.get(&url).bearer_auth(&key).send().await.unwrap();
    }
    run(1, Duration::from_secs(5), move || {
        let request = client.get(&url).bearer_auth(&key).send();
        async move {
            let response = request.await.map_err(|err| err.to_string())?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(response.status().to_string())
            }
        }
    })
    .await
}

fn median(outcome: &Outcome) -> Duration {
    let mut sorted = outcome.latencies.clone();
    sorted.sort();
    sorted[sorted.len() / 2]
}

async fn lookups(mariadb: &PrivateMariaDb, work: &Path) {
    let data_dir = work.join("lookups");
    let email = "measured@scale.test";
    cli(
        mariadb,
        &data_dir,
        None,
        &[
            "account",
            "create",
            "--email",
            email,
            "--prefix",
            "measured",
            "--password-stdin",
        ],
        "scale test password\n",
    );
    let key = cli(
        mariadb,
        &data_dir,
        None,
        &["key", "regenerate", "--email", email],
        "",
    );
    let mut setup = String::new();
    for d in 0..DATABASES_PER_ACCOUNT {
        setup.push_str(&format!(
            "CREATE DATABASE measured_db{d}; CREATE TABLE measured_db{d}.t (id INT PRIMARY KEY);\n"
        ));
    }
    for u in 0..3 {
        for host in ["localhost", "127.0.0.1", "::1"] {
            setup.push_str(&format!("CREATE USER 'measured_u{u}'@'{host}' IDENTIFIED BY 'x' WITH MAX_USER_CONNECTIONS 30;\n"));
            setup.push_str(&format!(
                "GRANT SELECT ON `measured\\_db{u}`.* TO 'measured_u{u}'@'{host}';\n"
            ));
        }
    }
    std::fs::write(work.join("setup.sql"), setup).unwrap();
    mariadb.sql_file(&work.join("setup.sql"));
    add_filler(mariadb, &data_dir, 1..SMALL, work).await;

    let mut rows = Vec::new();
    for (accounts, grow_to) in [(SMALL, Some(LARGE)), (LARGE, None)] {
        let (panel, address) = serve(mariadb, &data_dir, None).await;
        // The start-up reconciliation reads every account: measure the requests after it.
        let reconciled_in = wait_until_idle(mariadb).await;
        println!(
            "with {accounts} accounts, the start-up reconciliation took about {:.0} s",
            reconciled_in.as_secs_f64()
        );
        let listed: serde_json::Value = reqwest::Client::new()
            .get(format!("{address}/api/databases"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            listed["databases"].as_array().unwrap().len(),
            DATABASES_PER_ACCOUNT,
            "{listed}"
        );
        for path in ["/api/databases", "/api/users"] {
            let outcome = sequential(&address, path, &key).await;
            assert_eq!(outcome.errors, 0, "{path} failed");
            rows.push((accounts, path, outcome));
        }
        drop(panel);
        if let Some(to) = grow_to {
            let started = Instant::now();
            add_filler(mariadb, &data_dir, SMALL..to, work).await;
            println!(
                "grew the server to {to} accounts × {DATABASES_PER_ACCOUNT} databases in {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    println!("| accounts on the server | schemas | request | requests | p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    for (accounts, path, outcome) in &rows {
        let mut sorted = outcome.latencies.clone();
        sorted.sort();
        let p99 = sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)];
        println!(
            "| {accounts} | {} | `GET {path}` | {} | {:.2} ms | {:.2} ms |",
            accounts * DATABASES_PER_ACCOUNT,
            sorted.len(),
            median(outcome).as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    for path in ["/api/databases", "/api/users"] {
        let at = |n: usize| {
            rows.iter()
                .find(|(accounts, p, _)| *accounts == n && *p == path)
                .map(|(_, _, o)| median(o))
                .unwrap()
        };
        let ratio = at(LARGE).as_secs_f64() / at(SMALL).as_secs_f64();
        println!(
            "`GET {path}` p50 at {LARGE} accounts: {ratio:.2}x the p50 at {SMALL} (goal ≤ 1.5x): {}",
            if ratio <= 1.5 { "met" } else { "NOT met" }
        );
    }
    // What a LIKE over every schema costs at this size: why the names come from the store.
    let started = Instant::now();
    mariadb.sql("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'measured!_%' ESCAPE '!'").unwrap();
    println!(
        "for comparison, one SCHEMATA LIKE 'measured\\_%' at this size: {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
}

/// Busy share of the machine's CPUs between two readings of /proc/stat.
fn cpu_times() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let idle = fields[3] + fields.get(4).copied().unwrap_or(0);
    (fields.iter().sum(), idle)
}

/// A round-robin TCP proxy on a loopback port: each connection goes to the next backend.
async fn proxy(backends: Vec<String>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let next = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                continue;
            };
            let backend = backends[next.fetch_add(1, Ordering::Relaxed) % backends.len()]
                .trim_start_matches("http://")
                .to_owned();
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    address
}

/// CPU seconds (user + system) a process has used so far (Linux clock ticks of 1/100 s).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces, in parentheses): utime is the 12th, stime the 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |n: usize| {
        fields
            .get(n)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // `after` starts at the state (field 3): utime and stime are fields 14 and 15.
    (ticks(11) + ticks(12)) / 100.0
}

/// Who used the CPU during one run: the bench (load generator and proxy), each panel, MariaDB.
fn cpu_report(processes: &[(&str, u32)], before: &[f64]) {
    let used: Vec<String> = processes
        .iter()
        .zip(before)
        .map(|((name, pid), before)| format!("{name} {:.1} s", cpu_seconds(*pid) - before))
        .collect();
    println!("(CPU time during that run: {})", used.join(", "));
}

async fn account_rate(address: &str, key: &str, what: &str, processes: &[(&str, u32)]) -> f64 {
    let cpu_before: Vec<f64> = processes.iter().map(|(_, pid)| cpu_seconds(*pid)).collect();
    // A fresh client per run: its connection pool holds connections to every backend in turn.
    let (client, url, key) = (
        reqwest::Client::new(),
        format!("{address}/api/account"),
        key.to_owned(),
    );
    let before = cpu_times();
    let outcome = run(64, Duration::from_secs(10), move || {
        let request = client.get(&url).bearer_auth(&key).send();
        async move {
            let response = request.await.map_err(|err| err.to_string())?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(response.status().to_string())
            }
        }
    })
    .await;
    let after = cpu_times();
    let busy = 1.0 - (after.1 - before.1) as f64 / (after.0 - before.0).max(1) as f64;
    outcome.print(what);
    println!(
        "(machine CPU busy during that run: {:.0}% of {} cores)",
        busy * 100.0,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    cpu_report(processes, &cpu_before);
    assert_eq!(outcome.errors, 0);
    outcome.per_second()
}

async fn instances(mariadb: &PrivateMariaDb, work: &Path) {
    mariadb.sql("CREATE DATABASE nobregas_store").unwrap();
    let store_url = format!("{}/nobregas_store", mariadb.url());
    let data_dir: PathBuf = work.join("instances");
    let email = "rate@scale.test";
    cli(
        mariadb,
        &data_dir,
        Some(&store_url),
        &[
            "account",
            "create",
            "--email",
            email,
            "--prefix",
            "rate",
            "--password-stdin",
        ],
        "scale test password\n",
    );
    let key = cli(
        mariadb,
        &data_dir,
        Some(&store_url),
        &["key", "regenerate", "--email", email],
        "",
    );
    println!("| what | concurrency | seconds | requests | requests/s | median | p99 | errors |");
    println!("|---|---|---|---|---|---|---|---|");
    let (a, address_a) = serve(mariadb, &data_dir, Some(&store_url)).await;
    let (bench, server) = (std::process::id(), mariadb.pid().unwrap());
    let one_set = [
        ("bench (load + proxy)", bench),
        ("instance A", a.0.id()),
        ("MariaDB", server),
    ];
    let one = account_rate(
        &address_a,
        &key,
        "`GET /api/account`, one instance (MariaDB store)",
        &one_set,
    )
    .await;
    let (b, address_b) = serve(mariadb, &data_dir, Some(&store_url)).await;
    let two_set = [
        ("bench (load + proxy)", bench),
        ("instance A", a.0.id()),
        ("instance B", b.0.id()),
        ("MariaDB", server),
    ];
    let proxied = proxy(vec![address_a.clone(), address_b]).await;
    let two = account_rate(
        &proxied,
        &key,
        "`GET /api/account`, two instances behind a round-robin proxy",
        &two_set,
    )
    .await;
    let via_proxy_one = proxy(vec![address_a]).await;
    let one_proxied = account_rate(
        &via_proxy_one,
        &key,
        "`GET /api/account`, one instance through the same proxy",
        &one_set,
    )
    .await;
    println!(
        "two instances: {:.2}x one instance direct, {:.2}x one instance through the proxy (goal ≥ 1.7x)",
        two / one,
        two / one_proxied
    );
    drop((a, b));
}
