//! `make bench` (part 3, = `cargo bench -p server --bench backups`): a backup of a ~1 GB database
//! through the API against `mariadb-dump … | gzip` by hand, and its restore against
//! `gunzip | mariadb`, in the same run on the same server. Size: `NOBREGAS_BENCH_BACKUP_MB`
//! (default 1024). The panel runs as its own process (the `nobregas-panel` binary of this profile).
//!
//! Prints a Markdown table for docs/PERFORMANCE.md; the goals are backup ≥ 1.0× and restore ≥ 0.9×
//! of the hand-made pipelines (the panel's times include its manifest and the check against it),
//! and an import of the plain file ≥ 0.7× of `mariadb < file` (issue 22).
use std::process::Command;
use std::time::{Duration, Instant};

mod support;
use support::{Panel, panel};

fn mariadb(sql: &str) {
    let status = Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", "-e", sql])
        .status()
        .expect("the mariadb client");
    assert!(status.success(), "{sql}");
}

fn shell(script: &str) -> f64 {
    let started = Instant::now();
    let status = Command::new("bash")
        .args(["-o", "pipefail", "-c", script])
        .status()
        .unwrap();
    assert!(status.success(), "{script}");
    started.elapsed().as_secs_f64()
}

/// Polls the job at `path` until it completes; answers its JSON.
async fn finished(client: &reqwest::Client, key: &str, path: &str) -> serde_json::Value {
    loop {
        let job: serde_json::Value = client
            .get(path)
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        match job["status"].as_str() {
            Some("completed") => return job,
            Some("failed") => panic!("{path} failed: {job}"),
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

#[tokio::main]
async fn main() {
    let megabytes: u64 = std::env::var("NOBREGAS_BENCH_BACKUP_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let suffix = format!("{:x}", std::process::id());
    let prefix = format!("bb{}", &suffix[..suffix.len().min(8)]);
    let data_dir = std::env::temp_dir().join(format!("nobregas-bbench-{prefix}"));
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
    let db = format!("{prefix}_shop");
    // ~650-byte rows (about 1 GB on disk per 1.5M) of text that compresses about as well as real
    // data (hashes do not, words do).
    let rows = megabytes * 1536;
    eprintln!("filling {db} with {rows} rows (~{megabytes} MB)…");
    mariadb(&format!(
        "CREATE DATABASE `{db}`; USE `{db}`;
         CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(100), total DECIMAL(12,2), placed DATETIME, note TEXT);
         INSERT INTO orders SELECT seq, CONCAT('customer ', seq % 5000), (seq % 100000) / 100, '2024-01-01' + INTERVAL seq MINUTE,
             CONCAT(REPEAT(CONCAT('order line ', seq % 97, ' shipped to street ', seq % 1013, '; '), 12), MD5(seq), SHA2(seq, 256))
         FROM seq_1_to_{rows};"
    ));
    let size: u64 = String::from_utf8(
        Command::new("mariadb")
            .args(["-uroot", "-h127.0.0.1", "-N", "-e", &format!(
                "ANALYZE TABLE `{db}`.orders; SELECT DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{db}'"
            )])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .lines()
    .last()
    .and_then(|line| line.trim().parse().ok())
    .unwrap_or(0);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Panel(
        Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--api-rate-limit", "100000"])
            .env("NOBREGAS_DATA_DIR", &data_dir)
            // The jobs log how long loading and checking took.
            .env("RUST_LOG", "warn,server::services::backups=info")
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let api = format!("http://127.0.0.1:{port}/api");
    while client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .is_err()
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // By hand: the same dump options, as root (no manifest, no lock, no verification). Dumps
    // alternate with the panel's backups, and each keeps its best of 2, as the loads below.
    let by_hand = data_dir.join("by-hand.sql.gz");
    let (mut dump_secs, mut backup_secs) = (f64::MAX, f64::MAX);
    let mut backup = serde_json::Value::Null;
    for _ in 0..2 {
        dump_secs = dump_secs.min(shell(&format!(
            "mariadb-dump -uroot -h127.0.0.1 --single-transaction --quick --routines --events --triggers --hex-blob \
             --default-character-set=utf8mb4 {db} | gzip > {}",
            by_hand.display()
        )));
        let started = Instant::now();
        let created: serde_json::Value = client
            .post(format!("{api}/databases/{db}/backups"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        backup = finished(
            &client,
            &key,
            &format!("{api}/backups/{}", created["id"].as_str().unwrap()),
        )
        .await;
        backup_secs = backup_secs.min(started.elapsed().as_secs_f64());
    }
    let hand_bytes = std::fs::metadata(&by_hand).unwrap().len();
    let panel_bytes = backup["size_bytes"].as_u64().unwrap();

    // Loads alternate (by hand, panel, by hand, panel) and each keeps its best: the second load of
    // a pair otherwise pays for InnoDB flushing the first one's pages.
    let (mut load_secs, mut restore_secs) = (f64::MAX, f64::MAX);
    let mut restored_into = Vec::new();
    for round in 0..2 {
        let copy = format!("{prefix}_byhand{round}");
        mariadb(&format!("CREATE DATABASE `{copy}`"));
        load_secs = load_secs.min(shell(&format!(
            "gunzip -c {} | mariadb -uroot -h127.0.0.1 {copy}",
            by_hand.display()
        )));
        restored_into.push(copy);

        let started = Instant::now();
        let target = format!("{prefix}_restored{round}");
        let restore: serde_json::Value = client
            .post(format!(
                "{api}/backups/{}/restore",
                backup["id"].as_str().unwrap()
            ))
            .bearer_auth(&key)
            .json(&serde_json::json!({ "database": target }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let restored = finished(
            &client,
            &key,
            &format!("{api}/restores/{}", restore["id"].as_str().unwrap()),
        )
        .await;
        restore_secs = restore_secs.min(started.elapsed().as_secs_f64());
        assert_eq!(restored["verification"]["verified"], true, "{restored}");
        restored_into.push(target);
    }

    // Imports (issue 22): the same plain .sql file through `mariadb < file` as root, against
    // `POST /api/databases/{name}/imports` (upload included) polled until completed — the panel
    // splitting and running every statement itself as the identity.
    let plain = data_dir.join("by-hand.sql");
    shell(&format!(
        "gunzip -c {} > {}",
        by_hand.display(),
        plain.display()
    ));
    let plain_bytes = std::fs::metadata(&plain).unwrap().len();
    let (mut client_secs, mut import_secs) = (f64::MAX, f64::MAX);
    for round in 0..2 {
        let copy = format!("{prefix}_client{round}");
        mariadb(&format!("CREATE DATABASE `{copy}`"));
        client_secs = client_secs.min(shell(&format!(
            "mariadb -uroot -h127.0.0.1 {copy} < {}",
            plain.display()
        )));
        restored_into.push(copy);

        let target = format!("{prefix}_imported{round}");
        let created = client
            .post(format!("{api}/databases"))
            .bearer_auth(&key)
            .json(&serde_json::json!({ "name": target }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), reqwest::StatusCode::CREATED);
        // Uploaded as a customer would (`curl -T`, streamed): reqwest's file body reads in 8 KiB
        // steps and took longer than the panel to receive it.
        let started = Instant::now();
        let upload = Command::new("curl")
            .args(["-sS", "--fail", "-X", "POST", "-T"])
            .arg(&plain)
            .args([
                "-H",
                &format!("Authorization: Bearer {key}"),
                &format!("{api}/databases/{target}/imports"),
            ])
            .output()
            .unwrap();
        assert!(
            upload.status.success(),
            "{}",
            String::from_utf8_lossy(&upload.stderr)
        );
        let job: serde_json::Value = serde_json::from_slice(&upload.stdout).unwrap();
        finished(
            &client,
            &key,
            &format!(
                "{api}/imports/{}",
                job["id"].as_str().expect("an import job")
            ),
        )
        .await;
        import_secs = import_secs.min(started.elapsed().as_secs_f64());
        restored_into.push(target);
    }

    for name in restored_into.iter().chain([&db]) {
        mariadb(&format!("DROP DATABASE `{name}`"));
    }
    mariadb(&format!("DROP USER IF EXISTS '{prefix}-panel'@'localhost'"));
    let _ = std::fs::remove_dir_all(&data_dir);

    let mb = |bytes: u64| bytes as f64 / 1e6;
    println!(
        "database: {:.0} MB on disk ({rows} rows), {:.0} MB of SQL dumped",
        mb(size),
        mb(backup["bytes_done"].as_u64().unwrap_or(0))
    );
    println!();
    println!("| what | time | file | vs by hand |");
    println!("|---|---|---|---|");
    println!(
        "| `mariadb-dump … \\| gzip` (root, best of 2) | {dump_secs:.1} s | {:.0} MB | 1.00× |",
        mb(hand_bytes)
    );
    println!(
        "| panel backup (manifest + dump + gzip + SHA-256, best of 2) | {backup_secs:.1} s | {:.0} MB | {:.2}× |",
        mb(panel_bytes),
        dump_secs / backup_secs
    );
    println!("| `gunzip \\| mariadb` (root, best of 2) | {load_secs:.1} s | | 1.00× |");
    println!(
        "| panel restore (new database + load + verification, best of 2) | {restore_secs:.1} s | | {:.2}× |",
        load_secs / restore_secs
    );
    println!(
        "| `mariadb db < file.sql` (root, best of 2) | {client_secs:.1} s | {:.0} MB | 1.00× |",
        mb(plain_bytes)
    );
    println!(
        "| panel import of file.sql (upload + load, best of 2) | {import_secs:.1} s | | {:.2}× |",
        client_secs / import_secs
    );
}
