//! `make load` (= `cargo bench -p server --bench load`): a bounded loopback load test, run in CI.
//!
//! 1. `GET /api/databases` over HTTP at concurrency 64 for 30 s (LOAD_HTTP_SECS), Bearer-authenticated,
//!    against the real MariaDB.
//! 2. The same two queries that endpoint sends (SCHEMATA and TABLES by the escaped `<prefix>\_%`
//!    pattern) sent straight to MariaDB through the panel's own pool, at the same concurrency, for
//!    10 s (LOAD_DIRECT_SECS): what the panel adds on top of MariaDB.
//!
//! Prints requests/s, median and p99 latency and the error count of each, as a row for
//! docs/PERFORMANCE.md, and exits non-zero if any request failed.
use server::config::Settings;
use server::domain::secret::random_base62;
use server::managed::sql;
use server::services::{accounts, api_keys};
use server::startup::Application;
use sqlx::MySqlPool;
use std::future::Future;
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 64;
const DATABASES: usize = 3;

#[tokio::main]
async fn main() {
    let data_dir = std::env::temp_dir().join(format!("nobregas-load-{}", random_base62(10)));
    let mysql_url = std::env::var("NOBREGAS_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
    let mut settings = Settings::new("127.0.0.1:0".parse().unwrap(), data_dir.clone(), mysql_url);
    // The per-key limit (default 600/min) would turn this test into 429s: it measures the API, not the limiter.
    settings.api_rate_limit_per_minute = std::num::NonZeroU32::MAX;
    let app = Application::build(&settings).await.expect("build the app");
    let (state, port) = (app.state().clone(), app.port());
    tokio::spawn(app.run_until_stopped());

    let prefix = format!("l{}", random_base62(8).to_lowercase());
    let email = app::validate::Email::parse(&format!("{prefix}@load.test")).unwrap();
    let prefix_parsed = app::validate::Prefix::parse(&prefix).unwrap();
    let password = app::validate::Password::parse("load test password").unwrap();
    let account_id = accounts::create(&state.store, &state.mysql, &state.login_limiter.argon2, &email, &prefix_parsed, password).await.unwrap();
    let key = api_keys::regenerate(&state.store, account_id, &server::auth::Actor::Cli, None).await.unwrap().key;
    for n in 0..DATABASES {
        sqlx::query(&format!("CREATE DATABASE `{prefix}_db{n}`")).execute(&state.mysql).await.unwrap();
        sqlx::query(&format!("CREATE TABLE `{prefix}_db{n}`.t (id INT PRIMARY KEY)")).execute(&state.mysql).await.unwrap();
    }

    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/databases");
    let http = run(secs("LOAD_HTTP_SECS", 30), move || {
        let request = client.get(&url).bearer_auth(&key).send();
        async move {
            let response = request.await.map_err(|err| err.to_string())?;
            let status = response.status();
            let body = response.text().await.map_err(|err| err.to_string())?;
            if status.is_success() { Ok(()) } else { Err(format!("{status}: {body}")) }
        }
    })
    .await;
    let (mysql, pattern) = (state.mysql.clone(), sql::like_starts_with(&format!("{prefix}_")));
    let direct = run(secs("LOAD_DIRECT_SECS", 10), move || {
        let (mysql, pattern) = (mysql.clone(), pattern.clone());
        async move { endpoint_queries(&mysql, &pattern).await }
    })
    .await;

    for n in 0..DATABASES {
        let _ = sqlx::query(&format!("DROP DATABASE `{prefix}_db{n}`")).execute(&state.mysql).await;
    }
    let _ = std::fs::remove_dir_all(data_dir);

    println!("| what | concurrency | seconds | requests | requests/s | median | p99 | errors |");
    println!("|---|---|---|---|---|---|---|---|");
    http.print("`GET /api/databases` over HTTP");
    direct.print("the same 2 queries straight to MariaDB");
    if http.errors + direct.errors > 0 {
        eprintln!("load test FAILED: {} HTTP and {} direct errors", http.errors, direct.errors);
        std::process::exit(1);
    }
    println!("load test passed: 0 errors");
}

/// The two statements `services::databases::list` sends for one `GET /api/databases`.
async fn endpoint_queries(mysql: &MySqlPool, pattern: &str) -> Result<(), String> {
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
    if schemas.len() == DATABASES { Ok(()) } else { Err(format!("{} databases instead of {DATABASES}", schemas.len())) }
}

struct Outcome {
    elapsed: Duration,
    latencies: Vec<Duration>,
    errors: usize,
}

impl Outcome {
    fn print(&self, what: &str) {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let pct = |p: f64| sorted.get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1))).copied();
        let ms = |d: Option<Duration>| d.map_or("–".to_owned(), |d| format!("{:.1} ms", d.as_secs_f64() * 1e3));
        println!(
            "| {what} | {CONCURRENCY} | {:.0} | {} | {:.0} | {} | {} | {} |",
            self.elapsed.as_secs_f64(),
            sorted.len(),
            sorted.len() as f64 / self.elapsed.as_secs_f64(),
            ms(pct(0.5)),
            ms(pct(0.99)),
            self.errors
        );
    }
}

/// Runs `one` in CONCURRENCY loops until `duration` is over; latencies of the successful calls.
async fn run<F, Fut>(duration: Duration, one: F) -> Outcome
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let start = Instant::now();
    let deadline = start + duration;
    let mut loops = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let one = one.clone();
        loops.spawn(async move {
            let (mut latencies, mut errors, mut first_error) = (Vec::new(), 0, None);
            while Instant::now() < deadline {
                let begun = Instant::now();
                match one().await {
                    Ok(()) => latencies.push(begun.elapsed()),
                    Err(err) => {
                        errors += 1;
                        first_error.get_or_insert(err);
                    }
                }
            }
            (latencies, errors, first_error)
        });
    }
    let mut outcome = Outcome { elapsed: Duration::ZERO, latencies: Vec::new(), errors: 0 };
    while let Some(result) = loops.join_next().await {
        let (latencies, errors, first_error) = result.expect("a load loop panicked");
        outcome.latencies.extend(latencies);
        outcome.errors += errors;
        if let Some(err) = first_error {
            eprintln!("error: {err}");
        }
    }
    outcome.elapsed = start.elapsed();
    outcome
}

fn secs(var: &str, default: u64) -> Duration {
    Duration::from_secs(std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default))
}
