//! Failed sign-ins, counted per account and per client IP in a sliding window. In memory: a
//! restart forgets them, which is acceptable for a 1-minute window.
use app::error::AppError;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new(10, Duration::from_secs(60))
    }
}

impl LoginLimiter {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self { max_failures, window, failures: Mutex::new(HashMap::new()) }
    }

    /// 429 with the seconds until the oldest counted failure of any of `keys` leaves the window.
    pub fn check(&self, keys: &[String]) -> Result<(), AppError> {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("limiter lock poisoned");
        let mut wait = None;
        for key in keys {
            if let Some(times) = failures.get_mut(key) {
                self.forget_old(times, now);
                if times.len() >= self.max_failures {
                    wait = wait.max(Some(self.window - now.duration_since(times[0])));
                }
            }
        }
        match wait {
            Some(wait) => Err(AppError::rate_limited(wait.as_secs_f64().ceil() as u64)),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, keys: &[String]) {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("limiter lock poisoned");
        if failures.len() > 10_000 {
            // Bounded memory under a spray of distinct emails/IPs: drop what has expired.
            failures.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        for key in keys {
            let times = failures.entry(key.clone()).or_default();
            self.forget_old(times, now);
            times.push_back(now);
        }
    }

    pub fn forget(&self, key: &str) {
        self.failures.lock().expect("limiter lock poisoned").remove(key);
    }

    fn forget_old(&self, times: &mut VecDeque<Instant>, now: Instant) {
        while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_names_a_wait() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        let keys = ["email:a@b.c".to_owned(), "ip:127.0.0.1".to_owned()];
        for _ in 0..3 {
            assert!(limiter.check(&keys).is_ok());
            limiter.record_failure(&keys);
        }
        let err = limiter.check(&keys).unwrap_err();
        assert_eq!(err.code, app::error::ErrorCode::RateLimited);
        assert!((1..=60).contains(&err.retry_after_secs.unwrap()));
        // The same IP with another account is still blocked; another IP for another account is not.
        assert!(limiter.check(&["email:x@y.z".into(), "ip:127.0.0.1".into()]).is_err());
        assert!(limiter.check(&["email:x@y.z".into(), "ip:127.0.0.2".into()]).is_ok());
    }

    #[test]
    fn failures_leave_the_window() {
        let limiter = LoginLimiter::new(1, Duration::from_millis(20));
        let keys = ["ip:1".to_owned()];
        limiter.record_failure(&keys);
        assert!(limiter.check(&keys).is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(limiter.check(&keys).is_ok());
    }
}
