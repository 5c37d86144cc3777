//! `cargo bench -p server --bench api` — figures recorded in docs/PERFORMANCE.md.
//! 1. Bearer verification in-process: parse + checksum + SHA-256 + indexed SQLite lookup.
//! 2. `GET /api/databases` over loopback HTTP against the real MariaDB, fixed request count.
use server::config::Settings;
use server::domain::secret::random_base62;
use server::services::{accounts, api_keys};
use server::startup::Application;
use std::time::{Duration, Instant};

const VERIFY_ITERATIONS: usize = 20_000;
const HTTP_REQUESTS: usize = 4_000;
const HTTP_CONCURRENCY: usize = 16;

#[tokio::main]
async fn main() {
    let data_dir = std::env::temp_dir().join(format!("nobregas-bench-{}", random_base62(10)));
    let mysql_url = std::env::var("NOBREGAS_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
    let mut settings = Settings::new("127.0.0.1:0".parse().unwrap(), data_dir.clone(), mysql_url);
    // The per-key limit (600/min) would answer most of the HTTP part 429.
    settings.api_rate_limit_per_minute = std::num::NonZeroU32::new(10_000_000).unwrap();
    let app = Application::build(&settings).await.expect("build the app");
    let state = app.state().clone();
    let port = app.port();
    tokio::spawn(app.run_until_stopped());

    let prefix = format!("b{}", random_base62(8).to_lowercase());
    let email = app::validate::Email::parse(&format!("{prefix}@bench.test")).unwrap();
    let account_id = accounts::create(
        &state.store,
        &state.fleet,
        &state.login_limiter.argon2,
        (&email, &app::validate::Prefix::parse(&prefix).unwrap()),
        app::validate::Password::parse("bench password").unwrap(),
        None,
    )
    .await
    .unwrap();
    let key = api_keys::regenerate(
        &state.store,
        account_id,
        &server::domain::caller::Actor::Cli,
        None,
        &Default::default(),
    )
    .await
    .unwrap()
    .key;
    for n in 0..3 {
        sqlx::query(&format!("CREATE DATABASE `{prefix}_db{n}`"))
            .execute(&state.mysql)
            .await
            .unwrap();
        sqlx::query(&format!(
            "CREATE TABLE `{prefix}_db{n}`.t (id INT PRIMARY KEY)"
        ))
        .execute(&state.mysql)
        .await
        .unwrap();
    }

    // 1. Bearer verification.
    let mut samples = Vec::with_capacity(VERIFY_ITERATIONS);
    for _ in 0..VERIFY_ITERATIONS {
        let start = Instant::now();
        api_keys::authenticate(&state.store, &state.store_cache, &key, None)
            .await
            .unwrap();
        samples.push(start.elapsed());
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    println!(
        "bearer verification ({VERIFY_ITERATIONS} calls): median {:.1} µs, p99 {:.1} µs",
        micros(pct(0.5)),
        micros(pct(0.99))
    );
    let start = Instant::now();
    for _ in 0..VERIFY_ITERATIONS {
        assert!(
            api_keys::authenticate(&state.store, &state.store_cache, "nbg_malformed", None)
                .await
                .is_err()
        );
    }
    println!(
        "malformed key rejection: {:.2} µs per call",
        micros(start.elapsed()) / VERIFY_ITERATIONS as f64
    );

    // 2. GET /api/databases on loopback.
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/databases");
    let start = Instant::now();
    let workers: Vec<_> = (0..HTTP_CONCURRENCY)
        .map(|_| {
            let (client, url, key) = (client.clone(), url.clone(), key.clone());
            tokio::spawn(async move {
                for _ in 0..HTTP_REQUESTS / HTTP_CONCURRENCY {
                    let response = client.get(&url).bearer_auth(&key).send().await.unwrap();
                    assert!(response.status().is_success());
                    response.bytes().await.unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed = start.elapsed();
    println!(
        "GET /api/databases ({HTTP_REQUESTS} requests, {HTTP_CONCURRENCY} concurrent, 3 databases): {:.0} req/s",
        HTTP_REQUESTS as f64 / elapsed.as_secs_f64()
    );

    for n in 0..3 {
        sqlx::query(&format!("DROP DATABASE `{prefix}_db{n}`"))
            .execute(&state.mysql)
            .await
            .unwrap();
    }
    let _ = std::fs::remove_dir_all(data_dir);
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
