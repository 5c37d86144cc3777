//! Request limits on the REST API: per account for authenticated callers (the API key, or the
//! session), per client IP for everything else, each a GCRA bucket from `governor`. Every API
//! answer says where the caller stands (`RateLimit-Limit`, `-Remaining`, `-Reset`); beyond the
//! limit it is 429 with `Retry-After`. In memory and per process.
use crate::auth::{self, Caller};
use crate::state::AppState;
use app::error::{AppError, ErrorCode};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

type Limiter<K> =
    RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// Buckets beyond which idle ones are forgotten (bounded memory under a spray of addresses).
const PRUNE_ABOVE: usize = 10_000;

pub struct ApiLimits {
    per_account: Limiter<i64>,
    per_ip: Limiter<Option<IpAddr>>,
    account_limit: NonZeroU32,
    ip_limit: NonZeroU32,
}

/// Where a caller stands after one request.
struct Standing {
    limit: u32,
    remaining: u32,
    reset_secs: u64,
}

impl ApiLimits {
    pub fn new(per_account_per_minute: NonZeroU32, per_ip_per_minute: NonZeroU32) -> Self {
        Self {
            per_account: keyed(per_account_per_minute),
            per_ip: keyed(per_ip_per_minute),
            account_limit: per_account_per_minute,
            ip_limit: per_ip_per_minute,
        }
    }

    fn check_account(&self, account_id: i64) -> Result<Standing, AppError> {
        prune(&self.per_account);
        standing(
            self.per_account.check_key(&account_id),
            self.account_limit,
            self.per_account.clock(),
        )
    }

    fn check_ip(&self, ip: Option<IpAddr>) -> Result<Standing, AppError> {
        prune(&self.per_ip);
        standing(
            self.per_ip.check_key(&ip),
            self.ip_limit,
            self.per_ip.clock(),
        )
    }
}

fn keyed<K: std::hash::Hash + Eq + Clone>(per_minute: NonZeroU32) -> Limiter<K> {
    RateLimiter::keyed(Quota::per_minute(per_minute))
        .with_middleware::<StateInformationMiddleware>()
}

fn prune<K: std::hash::Hash + Eq + Clone>(limiter: &Limiter<K>) {
    if limiter.len() > PRUNE_ABOVE {
        limiter.retain_recent();
    }
}

fn standing(
    outcome: Result<
        governor::middleware::StateSnapshot,
        governor::NotUntil<<DefaultClock as Clock>::Instant>,
    >,
    limit: NonZeroU32,
    clock: &DefaultClock,
) -> Result<Standing, AppError> {
    let limit = limit.get();
    // One request's worth of the window: a bucket refills fully `(limit - remaining)` of these later.
    let per_request = 60.0 / f64::from(limit);
    match outcome {
        Ok(snapshot) => {
            let remaining = snapshot.remaining_burst_capacity();
            let reset_secs = (f64::from(limit - remaining) * per_request).ceil() as u64;
            Ok(Standing {
                limit,
                remaining,
                reset_secs,
            })
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(clock.now()).as_secs_f64().ceil() as u64;
            Err(AppError::too_many(
                format!(
                    "Rate limit of {limit} requests per minute reached; retry in {} s.",
                    wait.max(1)
                ),
                wait,
            ))
        }
    }
}

fn set_headers(headers: &mut HeaderMap, limit: u32, remaining: u32, reset_secs: u64) {
    headers.insert("ratelimit-limit", HeaderValue::from(limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(reset_secs));
}

/// `/api` layer: authenticates once (the handler's `Caller` reuses it), charges the caller's
/// bucket, and stamps the answer. Unauthenticated requests (and bad keys) count per IP.
pub async fn limit(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let client = auth::client_of(request.extensions());
    let client_ip = client.ip;
    let caller = auth::authenticate(&state, request.headers(), client)
        .await
        .ok();
    if request
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION)
    {
        state.metrics.key_authentication(caller.is_some());
    }
    let (checked, limit) = match &caller {
        Some(caller) => (
            state.api_limits.check_account(caller.account_id),
            state.api_limits.account_limit,
        ),
        None => (
            state.api_limits.check_ip(client_ip),
            state.api_limits.ip_limit,
        ),
    };
    match checked {
        Ok(Standing {
            limit,
            remaining,
            reset_secs,
        }) => {
            let account = caller.as_ref().map(|caller| caller.account_id);
            if let Some(caller) = caller {
                request.extensions_mut().insert::<Caller>(caller);
            }
            let mut response = next.run(request).await;
            if let Some(account_id) = account
                .filter(|_| response.extensions().get() == Some(&ErrorCode::MysqlUnavailable))
            {
                // Which server failed: the account's (its placement is cached, no store trip).
                if let Ok(server) = state.fleet.for_account(&state.store, account_id).await {
                    state.metrics.mysql_unavailable(&server.name);
                }
            }
            set_headers(response.headers_mut(), limit, remaining, reset_secs);
            response
        }
        Err(err) => {
            let retry = err.retry_after_secs.unwrap_or(1);
            let mut response = err.into_response();
            set_headers(response.headers_mut(), limit.get(), 0, retry);
            response
        }
    }
}

/// `/rpc/*` layer: server functions are for the panel's own pages. A request with
/// `Authorization` is refused (401 `session_required`) before any server function runs — a leaked
/// key must never reach what only a browser session may do, such as minting the next key — and
/// everything else is limited exactly like `/api` (per account, or per IP before sign-in).
pub async fn limit_server_functions(
    state: State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/rpc/") {
        return next.run(request).await;
    }
    if request
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION)
    {
        return AppError::new(
            ErrorCode::SessionRequired,
            "Server functions (/rpc) are for the panel's own pages and need a signed-in browser session. \
             Scripts use the REST API under /api with the key.",
        )
        .into_response();
    }
    limit(state, request, next).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_then_refuses_with_a_wait() {
        let limits = ApiLimits::new(NonZeroU32::new(3).unwrap(), NonZeroU32::new(2).unwrap());
        let remaining: Vec<u32> = (0..3)
            .map(|_| limits.check_account(7).unwrap().remaining)
            .collect();
        assert_eq!(remaining, vec![2, 1, 0]);
        let refused = limits
            .check_account(7)
            .err()
            .expect("the fourth request is refused");
        assert_eq!(refused.code, app::error::ErrorCode::RateLimited);
        assert!(
            (1..=20).contains(&refused.retry_after_secs.unwrap()),
            "{:?}",
            refused.retry_after_secs
        );
        // Another account, and the per-IP buckets, are separate.
        assert_eq!(limits.check_account(8).unwrap().remaining, 2);
        let ip = Some("192.0.2.1".parse().unwrap());
        assert!(
            limits.check_ip(ip).is_ok()
                && limits.check_ip(ip).is_ok()
                && limits.check_ip(ip).is_err()
        );
    }

    #[test]
    fn reset_is_the_time_to_refill() {
        let limits = ApiLimits::new(NonZeroU32::new(60).unwrap(), NonZeroU32::new(60).unwrap());
        let first = limits.check_account(1).unwrap();
        assert_eq!(
            (first.limit, first.remaining, first.reset_secs),
            (60, 59, 1)
        );
    }
}
