//! `/metrics` in Prometheus' text format (`prometheus-client`): requests and their latency per
//! route and status, API-key authentications by outcome, the managed server's connection pool,
//! background jobs, and each managed server's databases and bytes. Served only when `NOBREGAS_METRICS_TOKEN` is set, and only to a scraper that
//! sends it as a Bearer token: off the public surface by default.
use crate::managed::fleet::Fleet;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// The route's pattern (`/api/databases/{name}`), never the raw path: a bounded set of series.
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    server: String,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServerLabels {
    server: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: &'static str,
    status: &'static str,
}

fn latency_histogram() -> Histogram {
    // 1 ms to ~16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

fn job_histogram() -> Histogram {
    // 0.1 s to ~7 hours.
    Histogram::new(exponential_buckets(0.1, 3.0, 12))
}

pub struct Metrics {
    registry: Registry,
    /// Its `_count` is the request count: one series (and one update) per request, not two.
    requests: Family<RequestLabels, Histogram>,
    key_authentications: Family<OutcomeLabels, Counter>,
    pool: Family<PoolLabels, Gauge>,
    mysql_unavailable: Family<ServerLabels, Counter>,
    jobs: Family<JobLabels, Counter>,
    job_seconds: Family<JobLabels, Histogram>,
    server_databases: Family<ServerLabels, Gauge>,
    server_bytes: Family<ServerLabels, Gauge>,
    binlog_archive_lag: Family<ServerLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("nobregas");
        let requests = Family::<RequestLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let key_authentications = Family::<OutcomeLabels, Counter>::default();
        let pool = Family::<PoolLabels, Gauge>::default();
        let mysql_unavailable = Family::<ServerLabels, Counter>::default();
        let jobs = Family::<JobLabels, Counter>::default();
        let job_seconds = Family::<JobLabels, Histogram>::new_with_constructor(
            job_histogram as fn() -> Histogram,
        );
        let server_databases = Family::<ServerLabels, Gauge>::default();
        let server_bytes = Family::<ServerLabels, Gauge>::default();
        let binlog_archive_lag = Family::<ServerLabels, Gauge>::default();
        registry.register(
            "binlog_archive_lag_seconds",
            "How far the panel's archive of each managed server's binary log is behind the server (point-in-time recovery), on the instance that archives",
            binlog_archive_lag.clone(),
        );
        registry.register(
            "server_databases",
            "Customer databases on each managed server, as the maintenance loop last measured them",
            server_databases.clone(),
        );
        registry.register(
            "server_storage_bytes",
            "Data and index bytes of the customer databases on each managed server, as last measured",
            server_bytes.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP requests (`_count`) and the time to their response's head, by route, method and status",
            requests.clone(),
        );
        registry.register(
            "api_key_authentications",
            "Bearer API keys presented, by outcome (accepted, rejected)",
            key_authentications.clone(),
        );
        registry.register(
            "mysql_pool_connections",
            "The panel's admin connections to each managed server, by state",
            pool.clone(),
        );
        registry.register(
            "mysql_unavailable",
            "API requests answered 503 mysql_unavailable (the account's managed server did not answer), by server",
            mysql_unavailable.clone(),
        );
        registry.register(
            "jobs",
            "Backup, restore and import jobs finished, by kind and status",
            jobs.clone(),
        );
        registry.register(
            "job_duration_seconds",
            "How long finished jobs ran (waiting for their turn included)",
            job_seconds.clone(),
        );
        Self {
            registry,
            requests,
            key_authentications,
            pool,
            mysql_unavailable,
            jobs,
            job_seconds,
            server_databases,
            server_bytes,
            binlog_archive_lag,
        }
    }
}

impl Metrics {
    pub fn key_authentication(&self, accepted: bool) {
        let outcome = if accepted { "accepted" } else { "rejected" };
        self.key_authentications
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// An API request of an account on `server` found that server unreachable.
    pub fn mysql_unavailable(&self, server: &str) {
        self.mysql_unavailable
            .get_or_create(&ServerLabels {
                server: server.to_owned(),
            })
            .inc();
    }

    /// A managed server's use as the maintenance loop measured it (on the instance that holds the
    /// maintenance lease; the others export what they last measured themselves, if anything).
    pub fn server_usage(&self, server: &str, databases: i64, bytes: i64) {
        let labels = ServerLabels {
            server: server.to_owned(),
        };
        self.server_databases.get_or_create(&labels).set(databases);
        self.server_bytes.get_or_create(&labels).set(bytes);
    }

    /// Seconds the archive of `server`'s binary log is behind it.
    pub fn binlog_archive_lag(&self, server: &str, seconds: i64) {
        self.binlog_archive_lag
            .get_or_create(&ServerLabels {
                server: server.to_owned(),
            })
            .set(seconds);
    }

    /// `kind`: backup, restore or import; `completed` or failed.
    pub fn job_finished(&self, kind: &'static str, completed: bool, took: Duration) {
        let labels = JobLabels {
            kind,
            status: if completed { "completed" } else { "failed" },
        };
        self.jobs.get_or_create(&labels).inc();
        self.job_seconds
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
    }

    fn encode(&self, fleet: &Fleet) -> String {
        // Every managed server this process has used since it started.
        for server in fleet.loaded() {
            let (size, idle) = (server.pool.size(), server.pool.num_idle() as u32);
            self.pool
                .get_or_create(&PoolLabels {
                    server: server.name.clone(),
                    state: "idle",
                })
                .set(i64::from(idle));
            self.pool
                .get_or_create(&PoolLabels {
                    server: server.name.clone(),
                    state: "in_use",
                })
                .set(i64::from(size.saturating_sub(idle)));
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// Counts every request and times it to its response's head, under its route's pattern (pages
/// without a route and static files are `unmatched`).
pub async fn record(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = RequestLabels {
        route,
        method,
        status: response.status().as_u16(),
    };
    metrics
        .requests
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    response
}

/// The method as a static label (no allocation per request); unusual ones are `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// What `GET /metrics` reads: the registry, the scrape token, and the fleet for its pools' gauges.
#[derive(Clone)]
pub struct Scrape {
    pub metrics: Arc<Metrics>,
    /// `None`: the endpoint does not exist.
    pub token: Option<Arc<str>>,
    pub fleet: Arc<Fleet>,
}

/// `GET /metrics`: 404 unless a token is configured, 401 without it.
pub async fn serve(State(scrape): State<Scrape>, headers: HeaderMap) -> Response {
    let Some(expected) = scrape.token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::domain::bearer::bearer_token);
    if !presented.is_some_and(|token| constant_time_eq(token.as_bytes(), expected.as_bytes())) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response();
    }
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    (
        [(header::CONTENT_TYPE, content_type)],
        scrape.metrics.encode(&scrape.fleet),
    )
        .into_response()
}

/// Compares without stopping at the first difference: the time taken says nothing of the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"secret-token", b"secret-token"));
        assert!(!constant_time_eq(b"secret-token", b"secret-tokeN"));
        assert!(!constant_time_eq(b"secret", b"secret-token"));
    }

    #[test]
    fn jobs_and_key_outcomes_are_counted_in_the_text_format() {
        let metrics = Metrics::default();
        metrics.key_authentication(true);
        metrics.key_authentication(false);
        metrics.key_authentication(false);
        metrics.job_finished("backup", true, Duration::from_millis(1500));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &metrics.registry).unwrap();
        assert!(
            text.contains("nobregas_api_key_authentications_total{outcome=\"rejected\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("nobregas_jobs_total{kind=\"backup\",status=\"completed\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "nobregas_job_duration_seconds_count{kind=\"backup\",status=\"completed\"} 1"
            ),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }
}
