//! `make storage-bench` (= `cargo bench -p server --bench storage`): issue 26's figure, on a
//! MariaDB server of the bench's own (it gets 100,000 schemas with a table each).
//!
//! The maintenance loop measures storage with one `usage::DATABASE_SIZE` statement per database,
//! 200 databases a minute. The bench sends that very statement for every database of the server,
//! back to back (the worst case: the loop itself spends well under a second of each minute), and
//! meanwhile times a customer's query (a primary-key SELECT on a table of its own) against the
//! same query on the idle server. For comparison, the same with what panels that scan everything
//! run: one `information_schema.TABLES` sum over the whole server.
//!
//! `STORAGE_ACCOUNTS` (default 10,000) accounts × 10 databases. Prints rows for docs/PERFORMANCE.md.
#[path = "../tests/api/private_mariadb.rs"]
mod private_mariadb;

use private_mariadb::PrivateMariaDb;
use sqlx::mysql::MySqlPoolOptions;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const DATABASES_PER_ACCOUNT: usize = 10;
const WINDOW: Duration = Duration::from_secs(20);

#[tokio::main]
async fn main() {
    let accounts: usize = std::env::var("STORAGE_ACCOUNTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let mut mariadb = PrivateMariaDb::install();
    mariadb.start().await;
    let work = std::env::temp_dir().join(format!(
        "nobregas-storage-{}",
        server::domain::secret::random_base62(8)
    ));
    std::fs::create_dir_all(&work).unwrap();
    println!(
        "MariaDB {}",
        mariadb.sql("SELECT VERSION()").unwrap_or_default().trim()
    );
    let started = Instant::now();
    fill(&mariadb, &work, accounts);
    println!(
        "made {accounts} accounts × {DATABASES_PER_ACCOUNT} databases (a table each) in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let pool = MySqlPoolOptions::new()
        .max_connections(4)
        .connect(&mariadb.url())
        .await
        .unwrap();
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'f%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();

    let idle = customer(&pool).await;
    let (during, per_pass) = {
        let stop = Arc::new(AtomicBool::new(false));
        let measuring = tokio::spawn(measure_passes(
            pool.clone(),
            names.clone(),
            stop.clone(),
            Duration::ZERO,
        ));
        let during = customer(&pool).await;
        stop.store(true, Ordering::Release);
        (during, measuring.await.unwrap())
    };
    // As the loop runs them: one database every `PAUSE_BETWEEN`, still back to back passes.
    let paced = {
        let stop = Arc::new(AtomicBool::new(false));
        let pause = server::services::usage::PAUSE_BETWEEN;
        let measuring = tokio::spawn(measure_passes(
            pool.clone(),
            names.clone(),
            stop.clone(),
            pause,
        ));
        let during = customer(&pool).await;
        stop.store(true, Ordering::Release);
        measuring.await.unwrap();
        during
    };
    let scanning = {
        let stop = Arc::new(AtomicBool::new(false));
        let scans = tokio::spawn(full_scans(pool.clone(), stop.clone()));
        let during = customer(&pool).await;
        stop.store(true, Ordering::Release);
        let scans = scans.await.unwrap();
        (during, scans)
    };

    let per_db =
        per_pass.iter().sum::<Duration>().as_secs_f64() / (per_pass.len() * 200).max(1) as f64;
    let mut passes = per_pass.clone();
    passes.sort();
    println!("| what | value |");
    println!("|---|---|");
    println!("| schemas on the server | {} |", names.len() + 1);
    println!(
        "| one pass (200 databases), median / max | {:.0} ms / {:.0} ms |",
        ms(passes[passes.len() / 2]),
        ms(*passes.last().unwrap())
    );
    println!("| one database | {:.2} ms |", per_db * 1e3);
    println!(
        "| every database once, back to back | {:.0} s |",
        per_db * names.len() as f64
    );
    println!(
        "| every database once at 200 a minute (the loop) | {:.0} min |",
        names.len() as f64 / 200.0
    );
    let scans = &scanning.1;
    println!(
        "| one whole-server `information_schema.TABLES` sum | {:.0} ms (median of {}) |",
        ms(scans[scans.len() / 2]),
        scans.len()
    );
    println!();
    println!("| customer query (`SELECT … WHERE id = ?`) | queries | p50 | p99 | p99 vs idle |");
    println!("|---|---|---|---|---|");
    let (idle_p50, idle_p99) = percentiles(&idle);
    println!(
        "| idle server | {} | {:.3} ms | {:.3} ms | 1.00× |",
        idle.len(),
        ms(idle_p50),
        ms(idle_p99)
    );
    for (what, latencies) in [
        ("during passes paced as the loop paces them", &paced),
        ("during back-to-back passes, unpaced", &during),
        ("during back-to-back whole-server scans", &scanning.0),
    ] {
        let (p50, p99) = percentiles(latencies);
        println!(
            "| {what} | {} | {:.3} ms | {:.3} ms | {:.2}× |",
            latencies.len(),
            ms(p50),
            ms(p99),
            p99.as_secs_f64() / idle_p99.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentiles(latencies: &[Duration]) -> (Duration, Duration) {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let at = |p: usize| sorted[(sorted.len() * p / 100).min(sorted.len() - 1)];
    (at(50), at(99))
}

/// `accounts` × 10 databases with a small InnoDB table each, and the customer's table, in files of
/// 500 accounts (the client runs each file in one session).
fn fill(mariadb: &PrivateMariaDb, work: &std::path::Path, accounts: usize) {
    let mut customer = String::from(
        "CREATE DATABASE customer_db; USE customer_db; CREATE TABLE t (id INT PRIMARY KEY, body VARCHAR(200));
         INSERT INTO t SELECT seq, REPEAT('x', 200) FROM seq_1_to_20000;\n",
    );
    customer.push_str("SET GLOBAL innodb_flush_log_at_trx_commit = 2;\n");
    std::fs::write(work.join("customer.sql"), customer).unwrap();
    mariadb.sql_file(&work.join("customer.sql"));
    for chunk in (0..accounts).collect::<Vec<_>>().chunks(500) {
        let mut sql = String::new();
        for n in chunk {
            for d in 0..DATABASES_PER_ACCOUNT {
                sql.push_str(&format!(
                    "CREATE DATABASE f{n:05}_db{d}; CREATE TABLE f{n:05}_db{d}.t (id INT PRIMARY KEY, body VARCHAR(100));\n"
                ));
            }
        }
        let file = work.join("filler.sql");
        std::fs::write(&file, sql).unwrap();
        mariadb.sql_file(&file);
    }
}

/// The customer's query, one at a time, for `WINDOW`; each one's latency.
async fn customer(pool: &sqlx::MySqlPool) -> Vec<Duration> {
    let mut latencies = Vec::new();
    let started = Instant::now();
    let mut id = 0u32;
    while started.elapsed() < WINDOW {
        id = id.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let at = Instant::now();
        let _: Option<String> = sqlx::query_scalar("SELECT body FROM customer_db.t WHERE id = ?")
            .bind(id % 20_000 + 1)
            .fetch_optional(pool)
            .await
            .unwrap();
        latencies.push(at.elapsed());
    }
    latencies
}

/// Passes of 200 databases, as the maintenance loop runs them, until told to stop; each pass's time.
async fn measure_passes(
    pool: sqlx::MySqlPool,
    names: Vec<String>,
    stop: Arc<AtomicBool>,
    pause: Duration,
) -> Vec<Duration> {
    let mut passes = Vec::new();
    for batch in names.chunks(200).cycle() {
        if stop.load(Ordering::Acquire) {
            break;
        }
        let at = Instant::now();
        for name in batch {
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            let _: i64 = sqlx::query_scalar(server::services::usage::DATABASE_SIZE)
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap();
        }
        passes.push(at.elapsed());
    }
    passes
}

/// The whole server in one statement, again and again until told to stop; each one's time.
async fn full_scans(pool: sqlx::MySqlPool, stop: Arc<AtomicBool>) -> Vec<Duration> {
    let mut scans = Vec::new();
    while !stop.load(Ordering::Acquire) {
        let at = Instant::now();
        let _: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS SIGNED) FROM information_schema.TABLES",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        scans.push(at.elapsed());
    }
    scans
}
