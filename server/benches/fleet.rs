//! `make fleet-bench` (= `cargo bench -p server --bench fleet`): issue 24's figures, on two MariaDB
//! servers of the bench's own on this machine.
//!
//! - Server A: TLS available but not required, its Unix socket kept. It is the panel's default
//!   server (`NOBREGAS_MYSQL_URL`, accounts' SQL through the socket) and is registered a second
//!   time as `a-tls` (`server add --ca`): registered servers are always reached over TCP+TLS, so the
//!   same server is measured both ways.
//! - Server B: TLS only, no socket, registered as `b`.
//!
//! 1. Moving a ~1 GB account from A to B with `account move` against `mariadb-dump | mariadb`
//!    between the same two servers: seconds, MB/s, the ratio (goal ≥ 0.8× the pipe's speed), and how
//!    long the account's database users were locked. The checks a move makes (row count and
//!    `CHECKSUM TABLE` on both sides) are timed on their own as well.
//! 2. Queries and backups of an account on `default` (socket) against one on `a-tls` (TCP+TLS):
//!    p50/p99 of sequential `SELECT 1` and of a 10,000-row result for 5 s each, and the seconds of a
//!    backup of a ~200 MB database (best of 2).
//!
//! Prints rows for docs/PERFORMANCE.md. `FLEET_PART=move` or `=tls` runs one part;
//! `FLEET_BIG_ROWS` (default 2,000,000 rows of ~500 bytes) and `FLEET_BACKUP_ROWS` (default 360,000)
//! size the data.
// Shared with the tests; this bench never calls `start` (A starts with TLS options).
#[allow(dead_code)]
#[path = "../tests/api/private_mariadb.rs"]
mod private_mariadb;
mod support;

use private_mariadb::{PrivateMariaDb, TestCertificates};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Outcome, Panel, run};

const PASSWORD: &str = "fleet bench password\n";
/// Bytes in the MB of the figures.
const MB: f64 = 1e6;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The bench's panel: its data dir and the default server's URL.
struct Setup {
    data_dir: PathBuf,
    default_url: String,
}

impl Setup {
    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_nobregas-panel"));
        command
            .env("NOBREGAS_DATA_DIR", &self.data_dir)
            .env("NOBREGAS_MYSQL_URL", &self.default_url)
            .env("RUST_LOG", "warn");
        command
    }

    /// Runs a CLI command with `stdin`; what it printed on stdout.
    fn cli(&self, args: &[&str], stdin: &str) -> String {
        let mut child = self
            .command()
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

    /// An account on `server`; its API key.
    fn account(&self, prefix: &str, server: &str) -> String {
        let email = format!("{prefix}@fleet.test");
        self.cli(
            &[
                "account",
                "create",
                "--email",
                &email,
                "--prefix",
                prefix,
                "--password-stdin",
                "--server",
                server,
            ],
            PASSWORD,
        );
        self.cli(&["key", "regenerate", "--email", &email], "")
    }

    async fn serve(&self) -> (Panel, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = self
            .command()
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
}

/// Runs a bash pipeline (pipefail); its seconds.
fn shell(script: &str) -> f64 {
    let started = Instant::now();
    let status = Command::new("bash")
        .args(["-o", "pipefail", "-c", script])
        .status()
        .unwrap();
    assert!(status.success(), "{script}");
    started.elapsed().as_secs_f64()
}

/// Data and index bytes of `schemas` on a server (after ANALYZE TABLE, so that
/// the figures are current).
fn size_of(sql: impl Fn(&str) -> Option<String>, schemas: &[String]) -> u64 {
    let list = schemas
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let tables = sql(&format!(
        "SELECT CONCAT('`', TABLE_SCHEMA, '`.`', TABLE_NAME, '`') FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ({list})"
    ))
    .unwrap();
    for table in tables.lines() {
        sql(&format!("ANALYZE TABLE {table}")).unwrap();
    }
    sql(&format!(
        "SELECT CAST(SUM(DATA_LENGTH + INDEX_LENGTH) AS UNSIGNED) FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ({list})"
    ))
    .unwrap()
    .trim()
    .parse()
    .unwrap()
}

/// Seconds of what `account move` checks on one side: `COUNT(*)` and `CHECKSUM TABLE` of every
/// base table of `schemas`.
fn checks_on(sql: impl Fn(&str) -> Option<String>, schemas: &[String]) -> f64 {
    let started = Instant::now();
    for schema in schemas {
        let tables = sql(&format!(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{schema}' AND TABLE_TYPE = 'BASE TABLE'"
        ))
        .unwrap();
        for table in tables.lines() {
            sql(&format!(
                "SELECT COUNT(*) FROM `{schema}`.`{table}`; CHECKSUM TABLE `{schema}`.`{table}`"
            ))
            .unwrap();
        }
    }
    started.elapsed().as_secs_f64()
}

/// Waits until the server answers fewer than 20 questions a second (the panel's start-up work is
/// done).
async fn wait_until_idle(sql: impl Fn(&str) -> Option<String>) {
    let questions = || -> u64 {
        sql("SHOW GLOBAL STATUS LIKE 'Questions'")
            .unwrap_or_default()
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let mut last = questions();
    let mut quiet = 0;
    while quiet < 2 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = questions();
        quiet = if now.saturating_sub(last) < 20 {
            quiet + 1
        } else {
            0
        };
        last = now;
    }
}

/// Waits (at most a minute) until InnoDB has written out what the last load left dirty, so that
/// the next measurement does not pay for it.
async fn settle(sql: impl Fn(&str) -> Option<String>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let dirty: u64 = sql("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'")
            .unwrap_or_default()
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if dirty < 100 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn percentile(outcome: &Outcome, p: f64) -> Duration {
    let mut sorted = outcome.latencies.clone();
    sorted.sort();
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

#[tokio::main]
async fn main() {
    let part = std::env::var("FLEET_PART").unwrap_or_default();
    let work = std::env::temp_dir().join(format!(
        "nobregas-fleet-{}",
        server::domain::secret::random_base62(8)
    ));
    std::fs::create_dir_all(&work).unwrap();

    // A: TLS available, not required; the socket stays.
    let mut a = PrivateMariaDb::install();
    let certificates_a = TestCertificates::for_names(&["127.0.0.1"]);
    let (cert, key, ca_a) = (
        a.dir.join("cert.pem"),
        a.dir.join("key.pem"),
        a.dir.join("ca.pem"),
    );
    std::fs::write(&cert, &certificates_a.cert_pem).unwrap();
    std::fs::write(&key, &certificates_a.key_pem).unwrap();
    std::fs::write(&ca_a, &certificates_a.ca_pem).unwrap();
    a.start_with(&[
        format!("--ssl-cert={}", cert.display()),
        format!("--ssl-key={}", key.display()),
        format!("--ssl-ca={}", ca_a.display()),
        "--skip-name-resolve".to_owned(),
    ])
    .await;
    // B: TLS only, no socket.
    let mut b = PrivateMariaDb::install();
    let ca_b = b
        .start_tls_only(&TestCertificates::for_names(&["127.0.0.1"]))
        .await;
    println!(
        "A: {} (TLS {}), B: {} (TLS only)",
        a.url(),
        a.sql("SELECT @@have_ssl").unwrap().trim(),
        b.url()
    );

    let setup = Setup {
        data_dir: work.join("panel"),
        default_url: a.url(),
    };
    setup.cli(
        &[
            "server",
            "add",
            "--name",
            "a-tls",
            "--url",
            &a.url(),
            "--ca",
            ca_a.to_str().unwrap(),
            "--password-stdin",
        ],
        "\n",
    );
    setup.cli(
        &[
            "server",
            "add",
            "--name",
            "b",
            "--url",
            &b.url(),
            "--ca",
            ca_b.to_str().unwrap(),
            "--password-stdin",
        ],
        "\n",
    );
    println!("{}", setup.cli(&["server", "list"], ""));

    if part != "move" {
        tls_vs_socket(&setup, &a, &work).await;
    }
    if part != "tls" {
        move_account(&setup, &a, &b, &work).await;
    }
    drop((a, b));
    let _ = std::fs::remove_dir_all(&work);
}

/// Part 2: the same server through its socket (`default`) and over TCP+TLS (`a-tls`).
async fn tls_vs_socket(setup: &Setup, a: &PrivateMariaDb, work: &Path) {
    let rows = env_number("FLEET_BACKUP_ROWS", 360_000);
    let sides = [
        ("socket", "viasock", "default"),
        ("TCP+TLS", "viatls", "a-tls"),
    ];
    let mut accounts = Vec::new();
    let mut fill = String::new();
    for (label, prefix, server) in sides {
        let key = setup.account(prefix, server);
        let db = format!("{prefix}_data");
        fill.push_str(&format!(
            "CREATE DATABASE {db}; CREATE TABLE {db}.t (id INT PRIMARY KEY, v VARCHAR(500));\n\
             USE {db}; INSERT INTO t SELECT seq, REPEAT(MD5(seq), 15) FROM seq_1_to_{rows};\n"
        ));
        accounts.push((label, key, db));
    }
    let file = work.join("tls-fill.sql");
    std::fs::write(&file, fill).unwrap();
    let started = Instant::now();
    a.sql_file(&file);
    let sizes: Vec<u64> = accounts
        .iter()
        .map(|(_, _, db)| size_of(|s| a.sql(s), std::slice::from_ref(db)))
        .collect();
    println!(
        "filled {} in {:.0} s: {:.0} MB and {:.0} MB (data + index)",
        accounts
            .iter()
            .map(|(_, _, db)| db.as_str())
            .collect::<Vec<_>>()
            .join(" and "),
        started.elapsed().as_secs_f64(),
        sizes[0] as f64 / MB,
        sizes[1] as f64 / MB
    );

    let (panel, address) = setup.serve().await;
    wait_until_idle(|s| a.sql(s)).await;
    let client = reqwest::Client::new();
    for (_, key, db) in &accounts {
        let listed: serde_json::Value = client
            .get(format!("{address}/api/databases"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(listed.to_string().contains(db.as_str()), "{listed}");
    }

    let queries = [
        ("`SELECT 1`", serde_json::json!({ "sql": "SELECT 1" })),
        (
            "`SELECT seq, MD5(seq) FROM seq_1_to_10000` (10,000 rows)",
            serde_json::json!({ "sql": "SELECT seq, MD5(seq) FROM seq_1_to_10000", "max_rows": 10000 }),
        ),
    ];
    let mut query_rows = Vec::new();
    for (what, body) in &queries {
        let mut outcomes = Vec::new();
        for (label, key, db) in &accounts {
            let url = format!("{address}/api/databases/{db}/query");
            // Once to see the answer is what it should be, then 20 to warm up.
            let answer: serde_json::Value = client
                .post(&url)
                .bearer_auth(key)
                .json(body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let result = if answer["results"].is_array() {
                &answer["results"][0]
            } else {
                &answer
            };
            let expected = if body["max_rows"].is_null() {
                1
            } else {
                10_000
            };
            assert_eq!(
                result["rows"].as_array().map(Vec::len),
                Some(expected),
                "{label}: {}",
                &answer.to_string()[..answer.to_string().len().min(500)]
            );
            assert_eq!(result["truncated"], false, "{label}");
            for _ in 0..20 {
                client
                    .post(&url)
                    .bearer_auth(key)
                    .json(body)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
            }
            let (client, key, body) = (client.clone(), key.clone(), body.clone());
            let outcome = run(1, Duration::from_secs(5), move || {
                let request = client.post(&url).bearer_auth(&key).json(&body).send();
                async move {
                    let response = request.await.map_err(|err| err.to_string())?;
                    let status = response.status();
                    response.bytes().await.map_err(|err| err.to_string())?;
                    if status.is_success() {
                        Ok(())
                    } else {
                        Err(status.to_string())
                    }
                }
            })
            .await;
            assert_eq!(outcome.errors, 0, "{what} via {label}");
            outcomes.push(outcome);
        }
        query_rows.push((*what, outcomes));
    }

    // Backups: socket, TLS, socket, TLS; each keeps its best.
    let mut backup_secs = [Vec::new(), Vec::new()];
    let mut backup_bytes = [0u64; 2];
    for _ in 0..2 {
        for (side, (_, key, db)) in accounts.iter().enumerate() {
            let started = Instant::now();
            let created: serde_json::Value = client
                .post(format!("{address}/api/databases/{db}/backups"))
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = created["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{created}"))
                .to_owned();
            let job = loop {
                let job: serde_json::Value = client
                    .get(format!("{address}/api/backups/{id}"))
                    .bearer_auth(key)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                match job["status"].as_str() {
                    Some("completed") => break job,
                    Some("failed") => panic!("backup of {db} failed: {job}"),
                    _ => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            };
            backup_secs[side].push(started.elapsed().as_secs_f64());
            backup_bytes[side] = job["size_bytes"].as_u64().unwrap_or(0);
            // Not kept: the next backup should not share the disk with it.
            client
                .delete(format!("{address}/api/backups/{id}"))
                .bearer_auth(key)
                .send()
                .await
                .unwrap();
        }
    }
    drop(panel);

    println!();
    println!(
        "| Request | Socket: requests | p50 | p99 | TCP+TLS: requests | p50 | p99 | TCP+TLS / socket (p50) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (what, outcomes) in &query_rows {
        let (socket, tls) = (&outcomes[0], &outcomes[1]);
        println!(
            "| `POST /api/databases/{{db}}/query` {what} | {} | {} | {} | {} | {} | {} | {:.2}× |",
            socket.latencies.len(),
            ms(percentile(socket, 0.5)),
            ms(percentile(socket, 0.99)),
            tls.latencies.len(),
            ms(percentile(tls, 0.5)),
            ms(percentile(tls, 0.99)),
            percentile(tls, 0.5).as_secs_f64() / percentile(socket, 0.5).as_secs_f64()
        );
    }
    let best = |side: usize| backup_secs[side].iter().copied().fold(f64::MAX, f64::min);
    println!();
    println!(
        "| Backup (`POST /api/databases/{{db}}/backups` until completed) | Database | Socket | TCP+TLS | TCP+TLS / socket |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| best of 2 (runs: socket {}, TCP+TLS {}) | {:.0} MB / {:.0} MB, files {:.1} MB / {:.1} MB | {:.2} s | {:.2} s | {:.2}× |",
        backup_secs[0]
            .iter()
            .map(|s| format!("{s:.2} s"))
            .collect::<Vec<_>>()
            .join(", "),
        backup_secs[1]
            .iter()
            .map(|s| format!("{s:.2} s"))
            .collect::<Vec<_>>()
            .join(", "),
        sizes[0] as f64 / MB,
        sizes[1] as f64 / MB,
        backup_bytes[0] as f64 / MB,
        backup_bytes[1] as f64 / MB,
        best(0),
        best(1),
        best(1) / best(0)
    );
    println!();
}

/// Part 1: a ~1 GB account from A (default, socket) to B (TCP+TLS), against the pipe.
async fn move_account(setup: &Setup, a: &PrivateMariaDb, b: &PrivateMariaDb, work: &Path) {
    let big_rows = env_number("FLEET_BIG_ROWS", 2_000_000);
    let prefix = "mover";
    let email = format!("{prefix}@fleet.test");
    setup.account(prefix, "default");
    let (big, small) = (format!("{prefix}_big"), format!("{prefix}_small"));
    let databases = vec![big.clone(), small.clone()];
    let mut fill = format!(
        "CREATE DATABASE {big}; CREATE TABLE {big}.t (id INT PRIMARY KEY, v VARCHAR(500));\n\
         CREATE DATABASE {small};\n\
         CREATE TABLE {small}.orders (id INT PRIMARY KEY, customer VARCHAR(100), total DECIMAL(12,2), placed DATETIME, note TEXT, KEY (customer));\n\
         USE {small}; INSERT INTO orders SELECT seq, CONCAT('customer ', seq % 5000), (seq % 100000) / 100, '2024-01-01' + INTERVAL seq MINUTE, \
         CONCAT('order line ', seq % 97, ' shipped to street ', seq % 1013) FROM seq_1_to_200000;\n"
    );
    // One database user, at the hosts the panel makes every user at: the move locks and recreates it.
    for host in ["localhost", "127.0.0.1", "::1"] {
        fill.push_str(&format!(
            "CREATE USER '{prefix}_app'@'{host}' IDENTIFIED BY 'app password 1';\n\
             GRANT ALL ON `{prefix}\\_big`.* TO '{prefix}_app'@'{host}';\n\
             GRANT SELECT ON `{prefix}\\_small`.* TO '{prefix}_app'@'{host}';\n"
        ));
    }
    let chunk = 500_000;
    let mut from = 1;
    while from <= big_rows {
        let to = (from + chunk - 1).min(big_rows);
        fill.push_str(&format!(
            "USE {big}; INSERT INTO t SELECT seq, REPEAT(MD5(seq), 15) FROM seq_{from}_to_{to};\n"
        ));
        from = to + 1;
    }
    let file = work.join("move-fill.sql");
    std::fs::write(&file, fill).unwrap();
    let started = Instant::now();
    a.sql_file(&file);
    let size = size_of(|s| a.sql(s), &databases);
    println!(
        "filled {big} ({big_rows} rows) and {small} (200000 rows) in {:.0} s: {:.0} MB (data + index)",
        started.elapsed().as_secs_f64(),
        size as f64 / MB
    );
    settle(|s| a.sql(s)).await;

    // The pipe: every database of the account into a copy on B, as root.
    let mut pipe_secs = 0.0;
    for database in &databases {
        let copy = format!("copy_{database}");
        b.sql_tls(&format!("CREATE DATABASE {copy}")).unwrap();
        pipe_secs += shell(&format!(
            "mariadb-dump --single-transaction --quick --routines --events --triggers --hex-blob \
             -uroot -h127.0.0.1 -P{} {database} | mariadb -uroot -h127.0.0.1 -P{} --ssl {copy}",
            a.port, b.port
        ));
    }
    let copies: Vec<String> = databases.iter().map(|d| format!("copy_{d}")).collect();
    let copied_size = size_of(|s| b.sql_tls(s), &copies);
    for copy in &copies {
        b.sql_tls(&format!("DROP DATABASE {copy}")).unwrap();
    }
    println!(
        "pipe: {pipe_secs:.1} s ({:.0} MB on B afterwards)",
        copied_size as f64 / MB
    );
    settle(|s| b.sql_tls(s)).await;

    // What the move's checks cost on the source (the same statements, as root).
    let checks_source = checks_on(|s| a.sql(s), &databases);

    // The panel serves meanwhile, as it would in production (and answers 423 to changes).
    let (panel, _address) = setup.serve().await;
    wait_until_idle(|s| a.sql(s)).await;
    let started = Instant::now();
    let mut child = setup
        .command()
        .args(["account", "move", "--email", &email, "--to", "b"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        println!("  [{:6.1} s] {line}", started.elapsed().as_secs_f64());
        lines.push((started.elapsed(), line));
    }
    let status = child.wait().unwrap();
    let move_secs = started.elapsed().as_secs_f64();
    assert!(status.success(), "account move failed");
    drop(panel);
    let locked: f64 = lines
        .iter()
        .find_map(|(_, line)| {
            let (_, after) = line.split_once("locked for ")?;
            after.split_whitespace().next()?.parse().ok()
        })
        .expect("the move says how long the users were locked");
    let checks_target = checks_on(|s| b.sql_tls(s), &databases);
    let moved_size = size_of(|s| b.sql_tls(s), &databases);
    assert!(
        a.sql(&format!("SHOW DATABASES LIKE '{big}'"))
            .unwrap()
            .trim()
            .is_empty(),
        "the source copy is gone"
    );
    // Coarse phases from the move's own lines: the first progress line comes once the users are
    // locked and recreated; the last progress line of each database is at most 2 s before its copy
    // ended, and the line saying it was checked comes after both sides were measured.
    let first = lines
        .iter()
        .find(|(_, line)| line.contains("database(s), about"))
        .map(|(at, _)| at.as_secs_f64());

    let speed = |secs: f64| size as f64 / MB / secs;
    println!();
    println!("| Method | Databases | Data (data + index on A) | Seconds | MB/s | Users locked |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| `mariadb-dump … \\| mariadb --ssl` as root (A over TCP → B over TLS) | {} | {:.0} MB | {pipe_secs:.1} s | {:.1} | – |",
        databases.len(),
        size as f64 / MB,
        speed(pipe_secs)
    );
    println!(
        "| `nobregas-panel account move --to b` (A's socket → B over TLS, checks included) | {} | {:.0} MB | {move_secs:.1} s | {:.1} | {locked:.1} s |",
        databases.len(),
        size as f64 / MB,
        speed(move_secs)
    );
    let ratio = pipe_secs / move_secs;
    println!();
    println!(
        "move speed / pipe speed: {ratio:.2}× (goal ≥ 0.8×): {}",
        if ratio >= 0.8 { "met" } else { "NOT met" }
    );
    println!(
        "the move's checks, measured on their own as root: {checks_source:.1} s on A + {checks_target:.1} s on B \
         = {:.1} s; without them the move would take about {:.1} s ({:.2}× the pipe)",
        checks_source + checks_target,
        move_secs - checks_source - checks_target,
        pipe_secs / (move_secs - checks_source - checks_target)
    );
    if let Some(first) = first {
        println!("first line of the move (users locked and recreated on B) after {first:.1} s");
    }
    println!(
        "on B after the move: {:.0} MB (data + index)",
        moved_size as f64 / MB
    );
}
