//! `make tables-bench` (= `cargo bench -p server --bench tables`): issue 25's figures. One page of
//! `GET /api/databases/{name}/tables/{table}/rows?limit=100` on a 1,000,000-row table, page 1 and
//! page 10,000, against the same keyset SELECT sent straight to MariaDB.
//!
//! The panel runs as its own process (the `nobregas-panel` binary of this profile). The account,
//! its database and a database user (`<prefix>_direct`, SELECT on the database, at 'localhost')
//! are made through the panel; the table is filled as root. The direct figures are that database
//! user's: a non-admin login through the same Unix socket the panel's identity uses, one session,
//! the statement prepared once. Page 1 and page 10,000 are requested in turns. Then, to say where
//! a request's time goes: the panel's and MariaDB's CPU per request, MariaDB's counters of what
//! the panel sent, and the statements the panel sends besides the SELECT, timed on their own.
//!
//! Prints Markdown tables for docs/PERFORMANCE.md. Goals: direct / panel ≥ 0.5 and panel page
//! 10,000 / panel page 1 ≤ 1.5. `TABLES_REPS` (default 200) sets the requests per series, after
//! `TABLES_REPS / 10` of warm-up.
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder, Row};
use std::process::Command;
use std::time::{Duration, Instant};

mod support;
use support::{Panel, panel};

const ROWS: u64 = 1_000_000;
const LIMIT: u64 = 100;
const FAR_PAGE: u64 = 10_000;
/// What the table is made of: the columns the issue names.
const CREATE: &str = "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(40), qty INT, \
                      price DECIMAL(10,2), created DATETIME)";

/// Median and p95 of one series.
struct Figures {
    median: Duration,
    p95: Duration,
}

impl Figures {
    fn of(mut times: Vec<Duration>) -> Self {
        times.sort();
        let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
        Self {
            median: at(0.5),
            p95: at(0.95),
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// `reps / 10` calls of warm-up, then `reps` timed ones.
async fn series(reps: usize, mut once: impl AsyncFnMut()) -> Figures {
    for _ in 0..reps / 10 {
        once().await;
    }
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let started = Instant::now();
        once().await;
        times.push(started.elapsed());
    }
    Figures::of(times)
}

/// Page 1 and page 10,000 in turns (`once(false)`, `once(true)`), so that both see the same
/// machine: `reps / 10` pairs of warm-up, then `reps` timed pairs.
async fn paired(reps: usize, mut once: impl AsyncFnMut(bool)) -> (Figures, Figures) {
    for _ in 0..reps / 10 {
        once(false).await;
        once(true).await;
    }
    let (mut first, mut far) = (Vec::with_capacity(reps), Vec::with_capacity(reps));
    for _ in 0..reps {
        for (is_far, times) in [(false, &mut first), (true, &mut far)] {
            let started = Instant::now();
            once(is_far).await;
            times.push(started.elapsed());
        }
    }
    (Figures::of(first), Figures::of(far))
}

/// Drops what the bench made in MariaDB and on disk, even when it fails half-way.
struct Footprint {
    prefix: String,
    data_dir: std::path::PathBuf,
}

impl Drop for Footprint {
    fn drop(&mut self) {
        let prefix = &self.prefix;
        let mut sql = format!("DROP DATABASE IF EXISTS `{prefix}_bench`;");
        for host in ["localhost", "127.0.0.1", "::1"] {
            sql.push_str(&format!(
                "DROP USER IF EXISTS '{prefix}_direct'@'{host}', '{prefix}-panel'@'{host}';"
            ));
        }
        let _ = Command::new("mariadb")
            .args(["-uroot", "-h127.0.0.1", "-e", &sql])
            .status();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

fn root() -> OptsBuilder {
    OptsBuilder::default()
        .ip_or_hostname("127.0.0.1")
        .tcp_port(3306)
        .user(Some("root"))
        .prefer_socket(false)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_owned();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<u64>().ok())
        .unwrap_or(0);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{cores} vCPU {cpu}, {:.0} GiB",
        memory as f64 / 1024.0 / 1024.0
    )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What `meta::read` sends for a table since f374a3e: its kind, its columns and its unique keys
/// from information_schema, as one text-protocol batch (one round trip).
async fn meta_read(conn: &mut Conn) {
    let mut results = conn
        .query_iter(
            "SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't';
             SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT, COLUMN_KEY
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't'
             ORDER BY ORDINAL_POSITION;
             SELECT INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND NON_UNIQUE = 0
             ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX",
        )
        .await
        .unwrap();
    for _ in 0..3 {
        let _: Vec<Row> = results.collect().await.unwrap();
    }
}

/// The same three reads as `meta::read` sent them before f374a3e: three prepared statements (on
/// a session without a statement cache).
async fn meta_read_prepared(conn: &mut Conn) {
    let _: Option<String> = conn
        .exec_first(
            "SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
            ("t",),
        )
        .await
        .unwrap();
    let _: Vec<Row> = conn
        .exec(
            "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT, COLUMN_KEY
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
             ORDER BY ORDINAL_POSITION",
            ("t",),
        )
        .await
        .unwrap();
    let _: Vec<Row> = conn
        .exec(
            "SELECT INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0
             ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX",
            ("t",),
        )
        .await
        .unwrap();
}

/// CPU seconds a process has used (user + system), from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    // SAFETY: sysconf has no preconditions.
    ticks as f64 / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

/// MariaDB's global counters of what clients sent.
const COUNTERS: &str = "SHOW GLOBAL STATUS WHERE Variable_name IN ('Connections', 'Com_admin_commands', \
                        'Com_stmt_prepare', 'Com_stmt_execute', 'Com_stmt_close', 'Com_select')";

async fn counters(admin: &mut Conn) -> Vec<(String, u64)> {
    admin.query(COUNTERS).await.unwrap()
}

#[tokio::main]
async fn main() {
    let reps: usize = std::env::var("TABLES_REPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let prefix = format!(
        "tb{}",
        server::domain::secret::random_base62(8).to_lowercase()
    );
    let data_dir = std::env::temp_dir().join(format!("nobregas-tbench-{prefix}"));
    let _footprint = Footprint {
        prefix: prefix.clone(),
        data_dir: data_dir.clone(),
    };
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
                "1000000000",
            ])
            .env("NOBREGAS_DATA_DIR", &data_dir)
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap(),
    );
    let api = format!("http://127.0.0.1:{port}/api");
    let client = reqwest::Client::new();
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
    let call = async |method: reqwest::Method, path: &str, body: Option<serde_json::Value>| {
        let request = client
            .request(method, format!("{api}{path}"))
            .bearer_auth(&key);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        text
    };

    // The account's database and a database user of its own, made as a customer would.
    let db = format!("{prefix}_bench");
    let user = format!("{prefix}_direct");
    call(
        reqwest::Method::POST,
        "/databases",
        Some(serde_json::json!({ "name": db })),
    )
    .await;
    let created: serde_json::Value = serde_json::from_str(
        &call(
            reqwest::Method::POST,
            "/users",
            Some(serde_json::json!({ "name": user })),
        )
        .await,
    )
    .unwrap();
    let password = created["password"].as_str().unwrap().to_owned();
    call(
        reqwest::Method::PUT,
        &format!("/users/{user}/privileges/{db}"),
        Some(serde_json::json!({ "privileges": ["SELECT"] })),
    )
    .await;

    let mut admin = Conn::new(root()).await.unwrap();
    let filling = Instant::now();
    admin.query_drop(format!("USE `{db}`")).await.unwrap();
    admin.query_drop(CREATE).await.unwrap();
    admin
        .query_drop(format!(
            "INSERT INTO t SELECT seq, CONCAT('customer ', seq), seq % 1000, (seq % 100000) / 100, \
             '2024-01-01' + INTERVAL seq SECOND FROM seq_1_to_{ROWS}"
        ))
        .await
        .unwrap();
    admin.query_drop("ANALYZE TABLE t").await.unwrap();
    let filled_in = filling.elapsed();
    let socket: String = admin.query_first("SELECT @@socket").await.unwrap().unwrap();
    let version: String = admin
        .query_first("SELECT VERSION()")
        .await
        .unwrap()
        .unwrap();

    // Page 10,000 starts after the last row of page 9,999: that row's key, read from the table.
    let after: u64 = admin
        .query_first(format!(
            "SELECT id FROM t ORDER BY id LIMIT 1 OFFSET {}",
            (FAR_PAGE - 1) * LIMIT - 1
        ))
        .await
        .unwrap()
        .unwrap();

    // The panel: one page as the grid asks for it, read to the last byte.
    let rows_url = format!("{api}/databases/{db}/tables/t/rows?limit={LIMIT}");
    let first_url = rows_url.clone();
    let far_url = format!("{rows_url}&after={after}");
    let page = async |url: &str| -> bytes::Bytes {
        let response = client.get(url).bearer_auth(&key).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        response.bytes().await.unwrap()
    };
    // The pages are the ones meant: page 1 from id 1, page 10,000 from after + 1 to the last row.
    let first: serde_json::Value = serde_json::from_slice(&page(&first_url).await).unwrap();
    assert_eq!(first["rows"].as_array().unwrap().len() as u64, LIMIT);
    assert_eq!(first["rows"][0][0], 1);
    assert_eq!(first["next"], LIMIT.to_string());
    let far: serde_json::Value = serde_json::from_slice(&page(&far_url).await).unwrap();
    assert_eq!(far["rows"].as_array().unwrap().len() as u64, LIMIT);
    assert_eq!(far["rows"][0][0], after + 1);
    assert_eq!(far["rows"][LIMIT as usize - 1][0], ROWS);
    assert!(far["next"].is_null(), "page {FAR_PAGE} is the last one");

    let load_before = load_average();
    // What one page costs the panel's process and MariaDB, and which statements it sends (global
    // counters: exact only while nothing else uses the server).
    let panel_pid = server.0.id();
    let mariadbd = String::from_utf8(
        Command::new("pidof")
            .arg("mariadbd")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .split_whitespace()
    .next()
    .and_then(|pid| pid.parse::<u32>().ok());
    let counted_before = counters(&mut admin).await;
    let cpu_before = (cpu_seconds(panel_pid), mariadbd.map(cpu_seconds));
    let (panel_first, panel_far) = paired(reps, async |far| {
        page(if far { &far_url } else { &first_url }).await;
    })
    .await;
    let calls = (2 * (reps + reps / 10)) as f64;
    let panel_cpu = (cpu_seconds(panel_pid) - cpu_before.0) / calls;
    let mariadb_cpu = mariadbd.map(|pid| (cpu_seconds(pid) - cpu_before.1.unwrap()) / calls);
    let counted: Vec<(String, f64)> = counters(&mut admin)
        .await
        .into_iter()
        .zip(counted_before)
        .map(|((name, after), (_, before))| (name, (after - before) as f64 / calls))
        .collect();

    // Straight to MariaDB: the statement the panel builds (browse.rs), as the database user,
    // through the socket, prepared once on one session.
    let direct_options = OptsBuilder::default()
        .socket(Some(socket.clone()))
        .user(Some(user.clone()))
        .pass(Some(password.clone()))
        .db_name(Some(db.clone()));
    let select = "SELECT `id`, `name`, `qty`, `price`, `created` FROM `t`";
    let first_sql = format!("{select} ORDER BY `id` LIMIT {}", LIMIT + 1);
    let far_sql = format!(
        "{select} WHERE ((`id` > ?)) ORDER BY `id` LIMIT {}",
        LIMIT + 1
    );
    let mut direct = Conn::new(direct_options.clone()).await.unwrap();
    let first_statement = direct.prep(&first_sql).await.unwrap();
    let far_statement = direct.prep(&far_sql).await.unwrap();
    let rows: Vec<Row> = direct.exec(&far_statement, (after,)).await.unwrap();
    assert_eq!(rows.len() as u64, LIMIT);
    let (direct_first, direct_far) = paired(reps, async |far| {
        let rows: Vec<Row> = if far {
            direct.exec(&far_statement, (after,)).await.unwrap()
        } else {
            direct.exec(&first_statement, ()).await.unwrap()
        };
        assert_eq!(rows.len() as u64, if far { LIMIT } else { LIMIT + 1 });
    })
    .await;

    // Where the panel's time goes: what each request does besides the SELECT, timed on its own.
    // The session the panel opens per request (TableSession::open → identity::connect): a login
    // through the socket, with the init statement, and the disconnect at the end.
    let session_options = direct_options
        .clone()
        .stmt_cache_size(0)
        .init(vec!["SET SESSION max_statement_time = 30.000".to_owned()]);
    let fresh_session = series(reps, async || {
        let conn = Conn::new(session_options.clone()).await.unwrap();
        conn.disconnect().await.unwrap();
    })
    .await;
    // meta::read: the table, its columns and its unique keys from information_schema.
    let mut uncached = Conn::new(session_options.clone()).await.unwrap();
    let meta = series(reps, async || meta_read(&mut uncached).await).await;
    let meta_prepared = series(reps, async || meta_read_prepared(&mut uncached).await).await;
    // The page's SELECT itself, prepared, executed and closed as the panel's session does it.
    let uncached_far = series(reps, async || {
        let _: Vec<Row> = uncached.exec(&far_sql, (after,)).await.unwrap();
    })
    .await;
    // The HTTP exchange, authentication and one store read: the smallest authenticated request.
    let account_url = format!("{api}/account");
    let floor = series(reps, async || {
        page(&account_url).await;
    })
    .await;
    // A client that logs in for each page: the same session, prepare, execute and disconnect.
    let fresh_direct = series(reps, async || {
        let mut conn = Conn::new(session_options.clone()).await.unwrap();
        let _: Vec<Row> = conn.exec(&far_sql, (after,)).await.unwrap();
        conn.disconnect().await.unwrap();
    })
    .await;
    // The panel's MariaDB work for one page in sequence, from a client: a new session, the
    // table's description and the SELECT (since 61d4384 there is no admin lookup before them).
    let replay = series(reps, async || {
        let mut conn = Conn::new(session_options.clone()).await.unwrap();
        meta_read(&mut conn).await;
        let _: Vec<Row> = conn.exec(&far_sql, (after,)).await.unwrap();
        conn.disconnect().await.unwrap();
    })
    .await;
    let load_after = load_average();

    drop(direct);
    drop(uncached);
    // The panel's own footprint, taken back through the panel; `Footprint` makes sure of it.
    call(reqwest::Method::DELETE, &format!("/users/{user}"), None).await;
    call(reqwest::Method::DELETE, &format!("/databases/{db}"), None).await;
    let _ = admin.disconnect().await;

    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!();
    println!(
        "machine: {}, MariaDB {version} on the same host; load average {load_before} before, \
         {load_after} after; {ROWS} rows filled in {:.1} s; {reps} requests per series after {} of warm-up",
        machine(),
        filled_in.as_secs_f64(),
        reps / 10
    );
    println!("page {FAR_PAGE} starts after id {after}");
    println!();
    println!(
        "| Page (`limit={LIMIT}`) | Panel `GET …/rows` median / p95 | Direct SELECT median / p95 | Direct / panel (median) |"
    );
    println!("|---|---|---|---|");
    for (what, panel, direct) in [
        ("page 1", &panel_first, &direct_first),
        (
            &*format!("page {FAR_PAGE} (`after={after}`)"),
            &panel_far,
            &direct_far,
        ),
    ] {
        println!(
            "| {what} | {} / {} | {} / {} | **{:.2}×** |",
            ms(panel.median),
            ms(panel.p95),
            ms(direct.median),
            ms(direct.p95),
            ratio(direct.median, panel.median)
        );
    }
    println!();
    println!(
        "panel page {FAR_PAGE} / page 1 (median): **{:.2}×** (goal ≤ 1.5); direct: {:.2}×",
        ratio(panel_far.median, panel_first.median),
        ratio(direct_far.median, direct_first.median)
    );
    println!();
    println!("| Part of a request, timed on its own | Median | p95 |");
    println!("|---|---|---|");
    for (what, figures) in [
        (
            "`GET /api/account` (HTTP, authentication, one store read)",
            &floor,
        ),
        (
            "new session as a non-admin user through the socket, with the init statement, and disconnect",
            &fresh_session,
        ),
        (
            "`meta::read`: 3 information_schema SELECTs in one text batch",
            &meta,
        ),
        (
            "the same 3 as prepared statements, as before f374a3e",
            &meta_prepared,
        ),
        (
            "page's SELECT prepared, executed and closed (no statement cache)",
            &uncached_far,
        ),
        (
            "direct, a new session per page (login, prepare, execute, disconnect)",
            &fresh_direct,
        ),
        (
            "the panel's MariaDB work for one page in sequence, from a client (session, description, SELECT)",
            &replay,
        ),
    ] {
        println!("| {what} | {} | {} |", ms(figures.median), ms(figures.p95));
    }
    let parts = floor.median + fresh_session.median + meta.median + uncached_far.median;
    println!();
    println!(
        "sum of the parts' medians: {} (panel page {FAR_PAGE}: {})",
        ms(parts),
        ms(panel_far.median)
    );
    println!();
    println!(
        "per panel request (pages 1 and {FAR_PAGE}): panel CPU {:.2} ms, MariaDB CPU {}",
        panel_cpu * 1e3,
        mariadb_cpu.map_or("–".to_owned(), |s| format!("{:.2} ms", s * 1e3))
    );
    println!(
        "per panel request, MariaDB's global counters (exact while nothing else uses the server): {}",
        counted
            .iter()
            .map(|(name, n)| format!("{name} {n:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}
