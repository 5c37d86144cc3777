//! The REST API's request buckets: per account for authenticated callers, per client IP for
//! everything else, each a GCRA bucket from `governor`. In memory and per process; the
//! `api_limit` layer charges them.
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use types::error::AppError;

type Limiter<K> =
    RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// Buckets beyond which idle ones are forgotten (bounded memory under a spray of addresses).
const PRUNE_ABOVE: usize = 10_000;

pub struct ApiLimits {
    per_account: Limiter<i64>,
    per_ip: Limiter<Option<IpAddr>>,
    pub account_limit: NonZeroU32,
    pub ip_limit: NonZeroU32,
}

/// Where a caller stands after one request.
pub struct Standing {
    pub limit: u32,
    pub remaining: u32,
    pub reset_secs: u64,
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

    pub fn check_account(&self, account_id: i64) -> Result<Standing, AppError> {
        prune(&self.per_account);
        standing(
            self.per_account.check_key(&account_id),
            self.account_limit,
            self.per_account.clock(),
        )
    }

    pub fn check_ip(&self, ip: Option<IpAddr>) -> Result<Standing, AppError> {
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
        assert_eq!(refused.code, types::error::ErrorCode::RateLimited);
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
