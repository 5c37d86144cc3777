//! `make pitr-bench` (= `cargo bench -p server --bench pitr`): issue 27's "point-in-time restore of a
//! 1 GB database with 1 hour of changes, against restoring the full backup alone".
//!
//! A `mariadbd` of the bench's own, binary log on, is the panel's default server; the panel runs as
//! its own process and archives that log. The bench fills a database of `PITR_MB` MB (default 1024)
//! as root, takes a backup through the API, then makes an hour of changes at `PITR_CHANGES_PER_SEC`
//! row changes a second (default 100: 360,000 rows inserted, updated and deleted, 100 rows per
//! statement). They are made as fast as the server takes them, not spread over an hour: what a
//! replay costs is the events it applies, not the time between them. It notes that second, and
//! restores through the API (best of `PITR_ROUNDS`, default 2, each):
//! - the full backup alone into a new database (`POST /api/backups/{id}/restore`);
//! - the database at the noted second (`POST /api/databases/{name}/restores`): that backup, then the
//!   archived row events up to the second.
//!
//! The point-in-time copy must equal the database at that second (`CHECKSUM TABLE`, row count).
//! Prints rows for docs/PERFORMANCE.md.
#[allow(dead_code)]
#[path = "../tests/api/private_mariadb.rs"]
mod private_mariadb;
mod support;

use private_mariadb::PrivateMariaDb;
use server::domain::time;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::Panel;

const ROWS_PER_STATEMENT: u64 = 100;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The panel's CLI on the bench's data dir and server; what it printed.
fn cli(data_dir: &Path, mysql_url: &str, args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
        .args(args)
        .env("NOBREGAS_DATA_DIR", data_dir)
        .env("NOBREGAS_MYSQL_URL", mysql_url)
        .env("RUST_LOG", "warn")
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

/// One value the server answers to `statement`, as root.
fn value(server: &PrivateMariaDb, statement: &str) -> String {
    let answer = server
        .sql(statement)
        .unwrap_or_else(|| panic!("{statement}"));
    answer.lines().last().unwrap_or_default().to_owned()
}

/// `CHECKSUM TABLE` and `COUNT(*)` of `db`.orders.
fn state_of(server: &PrivateMariaDb, db: &str) -> (String, String) {
    let checksum = value(server, &format!("CHECKSUM TABLE `{db}`.orders"));
    let checksum = checksum.split('\t').nth(1).unwrap_or_default().to_owned();
    (
        checksum,
        value(server, &format!("SELECT COUNT(*) FROM `{db}`.orders")),
    )
}

struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Api {
    async fn get(&self, path: &str) -> serde_json::Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let answer: serde_json::Value = response.json().await.unwrap();
        assert!(status.is_success(), "POST {path}: {status} {answer}");
        answer
    }

    /// Polls `path` until the job there completes; answers its JSON.
    async fn finished(&self, path: &str) -> serde_json::Value {
        loop {
            let job = self.get(path).await;
            match job["status"].as_str() {
                Some("completed") => return job,
                Some("failed") => panic!("{path} failed: {job}"),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let megabytes = setting("PITR_MB", 1024);
    let changes_per_second = setting("PITR_CHANGES_PER_SEC", 100);
    let rounds = setting("PITR_ROUNDS", 2).max(1);
    let mut server = PrivateMariaDb::install();
    server
        .start_with(
            &[
                "--log-bin=mariadb-bin",
                "--binlog-format=ROW",
                "--server-id=11",
                "--log-bin-trust-function-creators=1",
                "--innodb-buffer-pool-size=1G",
                "--innodb-log-file-size=512M",
                "--max-binlog-size=256M",
            ]
            .map(String::from),
        )
        .await;
    let url = server.url();
    let suffix = format!("{:x}", std::process::id());
    let prefix = format!("pt{}", &suffix[..suffix.len().min(8)]);
    let data_dir = std::env::temp_dir().join(format!("nobregas-pitr-bench-{prefix}"));
    let email = format!("{prefix}@bench.test");
    cli(
        &data_dir,
        &url,
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
    let key = cli(
        &data_dir,
        &url,
        &["key", "regenerate", "--email", &email],
        "",
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _panel = Panel(
        Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--api-rate-limit",
                "1000000",
            ])
            .env("NOBREGAS_DATA_DIR", &data_dir)
            .env("NOBREGAS_MYSQL_URL", &url)
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap(),
    );
    let api = Api {
        http: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{port}/api"),
        key,
    };
    while api
        .http
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .is_err()
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The same ~650-byte rows as the backup bench, in transactions of 100,000.
    let db = format!("{prefix}_shop");
    api.post("/databases", serde_json::json!({ "name": db }))
        .await;
    server
        .sql(&format!(
            "CREATE TABLE `{db}`.orders (id INT PRIMARY KEY, customer VARCHAR(100), total DECIMAL(12,2), placed DATETIME, note TEXT)"
        ))
        .unwrap();
    let rows = megabytes * 1536;
    eprintln!("filling {db} with {rows} rows (~{megabytes} MB)…");
    for start in (1..=rows).step_by(100_000) {
        let end = (start + 99_999).min(rows);
        server
            .sql(&format!(
                "INSERT INTO `{db}`.orders SELECT seq, CONCAT('customer ', seq % 5000), (seq % 100000) / 100, '2024-01-01' + INTERVAL seq MINUTE,
                     CONCAT(REPEAT(CONCAT('order line ', seq % 97, ' shipped to street ', seq % 1013, '; '), 12), MD5(seq), SHA2(seq, 256))
                 FROM `{db}`.seq_{start}_to_{end}"
            ))
            .unwrap();
    }
    let size_mb = value(
        &server,
        &format!(
            "ANALYZE TABLE `{db}`.orders; SELECT (DATA_LENGTH + INDEX_LENGTH) DIV 1048576 FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{db}'"
        ),
    );

    eprintln!("backing it up…");
    let created = api
        .post(&format!("/databases/{db}/backups"), serde_json::json!({}))
        .await;
    let backup = api
        .finished(&format!("/backups/{}", created["id"].as_str().unwrap()))
        .await;
    let backup_id = backup["id"].as_str().unwrap().to_owned();

    // An hour of changes: a third inserted, a third updated, a third deleted, 100 rows a statement.
    let changes = changes_per_second * 3600;
    let statements = changes / ROWS_PER_STATEMENT;
    eprintln!("making {changes} row changes in {statements} statements…");
    let script = data_dir.join("changes.sql");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&script).unwrap());
        writeln!(file, "USE `{db}`;").unwrap();
        let mut next_insert = rows + 1;
        for n in 0..statements {
            let first = 1 + (n / 3) * ROWS_PER_STATEMENT * 7 % rows.max(1);
            let last = first + ROWS_PER_STATEMENT - 1;
            match n % 3 {
                0 => {
                    let end = next_insert + ROWS_PER_STATEMENT - 1;
                    writeln!(
                        file,
                        "INSERT INTO orders SELECT seq, CONCAT('new customer ', seq), seq % 1000, NOW(), REPEAT('new order ', 40) FROM seq_{next_insert}_to_{end};"
                    )
                    .unwrap();
                    next_insert = end + 1;
                }
                1 => writeln!(
                    file,
                    "UPDATE orders SET total = total + 1, note = CONCAT('changed ', id) WHERE id BETWEEN {first} AND {last};"
                )
                .unwrap(),
                _ => writeln!(
                    file,
                    "DELETE FROM orders WHERE id BETWEEN {} AND {};",
                    first + ROWS_PER_STATEMENT * 3,
                    last + ROWS_PER_STATEMENT * 3
                )
                .unwrap(),
            }
        }
    }
    let started = Instant::now();
    server.sql_file(&script);
    let changes_secs = started.elapsed().as_secs_f64();

    // The second to restore to, between the changes and one more made after it.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let at_unix = time::now();
    let at = time::rfc3339(at_unix);
    let expected = state_of(&server, &db);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    server
        .sql(&format!(
            "UPDATE `{db}`.orders SET total = 0 WHERE id <= 1000"
        ))
        .unwrap();
    let archived = Instant::now();
    loop {
        let window = api.get(&format!("/databases/{db}/restore-window")).await;
        let to = window["to"].as_str().and_then(time::parse_rfc3339);
        if to.is_some_and(|to| to >= at_unix) {
            break;
        }
        assert!(
            archived.elapsed() < Duration::from_secs(600),
            "the archive never reached {at}: {window}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let (mut full_secs, mut pitr_secs) = (f64::MAX, f64::MAX);
    let mut restored_into = Vec::new();
    for round in 0..rounds {
        eprintln!("round {}: full restore, then point in time…", round + 1);
        let target = format!("{prefix}_full{round}");
        let started = Instant::now();
        let job = api
            .post(
                &format!("/backups/{backup_id}/restore"),
                serde_json::json!({ "database": target }),
            )
            .await;
        api.finished(&format!("/restores/{}", job["id"].as_str().unwrap()))
            .await;
        full_secs = full_secs.min(started.elapsed().as_secs_f64());
        restored_into.push(target);

        let target = format!("{prefix}_pitr{round}");
        let started = Instant::now();
        let job = api
            .post(
                &format!("/databases/{db}/restores"),
                serde_json::json!({ "at": at, "database": target }),
            )
            .await;
        api.finished(&format!("/restores/{}", job["id"].as_str().unwrap()))
            .await;
        pitr_secs = pitr_secs.min(started.elapsed().as_secs_f64());
        assert_eq!(
            state_of(&server, &target),
            expected,
            "the point-in-time copy equals {db} at {at}"
        );
        restored_into.push(target);
    }

    println!(
        "| database | backup (gzip) | changes after it | full restore alone | point-in-time restore | of which replay |"
    );
    println!("|---|---|---|---|---|---|");
    println!(
        "| {size_mb} MB, {rows} rows | {} MB | {changes} rows in {statements} statements (made in {changes_secs:.1} s) | {full_secs:.1} s | {pitr_secs:.1} s | {:.1} s ({:.2}×) |",
        backup["size_bytes"].as_u64().unwrap_or(0) / 1_048_576,
        pitr_secs - full_secs,
        pitr_secs / full_secs,
    );
    drop(_panel);
    let _ = std::fs::remove_dir_all(&data_dir);
}
