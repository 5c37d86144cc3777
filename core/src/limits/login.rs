//! Sign-in attempts, counted per account and per client IP in a sliding window, and the bound on
//! the argon2 work they cause. In memory: a restart forgets them, which is acceptable for a
//! 1-minute window.
use crate::domain::password::Argon2Gate;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use types::error::AppError;

pub struct LoginLimiter {
    max_attempts: usize,
    window: Duration,
    attempts: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Every password check of a sign-in takes one of its permits.
    pub argon2: Argon2Gate,
}

/// One attempt, already counted against its keys (see `LoginLimiter::reserve`).
#[must_use = "a successful sign-in hands the attempt back to `succeeded`"]
pub struct Attempt {
    keys: Vec<String>,
    at: Instant,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new(10, Duration::from_secs(60))
    }
}

impl LoginLimiter {
    pub fn new(max_attempts: usize, window: Duration) -> Self {
        Self {
            max_attempts,
            window,
            attempts: Mutex::new(HashMap::new()),
            argon2: Argon2Gate::default(),
        }
    }

    /// Counts an attempt against every key *before* the password is checked, in one step under
    /// one lock: a check followed later by a record would let N parallel guesses all pass the
    /// check. When any key is at the limit nothing is counted, and the answer is 429 with the
    /// seconds until its oldest attempt leaves the window.
    pub fn reserve(&self, keys: &[String]) -> Result<Attempt, AppError> {
        let now = Instant::now();
        let mut attempts = self.lock();
        if attempts.len() > 10_000 {
            // Bounded memory under a spray of distinct emails/IPs: drop what has expired.
            attempts.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let mut wait = None;
        for key in keys {
            if let Some(times) = attempts.get_mut(key) {
                self.forget_old(times, now);
                if times.len() >= self.max_attempts {
                    wait = wait.max(Some(self.window - now.duration_since(times[0])));
                }
            }
        }
        if let Some(wait) = wait {
            return Err(AppError::rate_limited(wait.as_secs_f64().ceil() as u64));
        }
        for key in keys {
            attempts.entry(key.clone()).or_default().push_back(now);
        }
        Ok(Attempt {
            keys: keys.to_vec(),
            at: now,
        })
    }

    /// After a successful sign-in: `forget` (the account's key) loses all its counted attempts,
    /// and this attempt no longer counts against the other keys (the IP). Failures of others
    /// from the same IP still count.
    pub fn succeeded(&self, attempt: Attempt, forget: &str) {
        let mut attempts = self.lock();
        attempts.remove(forget);
        for key in &attempt.keys {
            if let Some(times) = attempts.get_mut(key)
                && let Some(index) = times.iter().position(|t| *t == attempt.at)
            {
                times.remove(index);
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        self.attempts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn forget_old(&self, times: &mut VecDeque<Instant>, now: Instant) {
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
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
            let _failed = limiter.reserve(&keys).unwrap();
        }
        let err = limiter.reserve(&keys).err().unwrap();
        assert_eq!(err.code, types::error::ErrorCode::RateLimited);
        assert!((1..=60).contains(&err.retry_after_secs.unwrap()));
        // The same IP with another account is still blocked; another IP for another account is not.
        assert!(
            limiter
                .reserve(&["email:x@y.z".into(), "ip:127.0.0.1".into()])
                .is_err()
        );
        assert!(
            limiter
                .reserve(&["email:x@y.z".into(), "ip:127.0.0.2".into()])
                .is_ok()
        );
    }

    /// The attempt is counted by `reserve` itself: parallel guesses cannot all slip through.
    #[test]
    fn parallel_reservations_never_exceed_the_limit() {
        let limiter = LoginLimiter::new(10, Duration::from_secs(60));
        let keys = ["email:a@b.c".to_owned(), "ip:127.0.0.1".to_owned()];
        let admitted = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..30)
                .map(|_| scope.spawn(|| limiter.reserve(&keys).is_ok()))
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().unwrap())
                .filter(|ok| *ok)
                .count()
        });
        assert_eq!(admitted, 10);
    }

    #[test]
    fn success_forgets_the_account_and_returns_the_ips_slot() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        let keys = ["email:a@b.c".to_owned(), "ip:127.0.0.1".to_owned()];
        let _failed = limiter.reserve(&keys).unwrap();
        let _failed = limiter.reserve(&keys).unwrap();
        let ok = limiter.reserve(&keys).unwrap();
        limiter.succeeded(ok, "email:a@b.c");
        // The account starts afresh; the IP keeps its two failures and gets its third slot back.
        let other = ["email:x@y.z".to_owned(), "ip:127.0.0.1".to_owned()];
        let _failed = limiter.reserve(&other).unwrap();
        assert!(limiter.reserve(&other).is_err());
        assert!(
            limiter
                .reserve(&["email:a@b.c".into(), "ip:10.0.0.1".into()])
                .is_ok()
        );
    }

    #[test]
    fn attempts_leave_the_window() {
        let limiter = LoginLimiter::new(1, Duration::from_millis(20));
        let keys = ["ip:1".to_owned()];
        let _failed = limiter.reserve(&keys).unwrap();
        assert!(limiter.reserve(&keys).is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(limiter.reserve(&keys).is_ok());
    }
}
