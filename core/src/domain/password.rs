//! Argon2id with OWASP's parameters (19 MiB, t=2, p=1). One hash or verification holds 19 MiB
//! and a core for tens of milliseconds, so it runs on the blocking pool — and only with a permit
//! of an `Argon2Gate`: beyond its bound a caller is told at once that the panel is busy, instead
//! of queueing jobs (and their memory) on the blocking pool without limit.
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use types::error::AppError;
use types::validate::Password;

/// The hash of a random password that was thrown away, with the parameters of `hasher()` (a test checks
/// that). An unknown email is verified against it, so it costs exactly what a wrong password
/// costs. A constant rather than computed on first use: the first unknown email must not take
/// twice as long as the others.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$TYyBJNQfqNxA5RAXhanTrw$Iio17tfscUD1oeNIHotRlJRIJmXTpH1VnTrQBBAz9J8";

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(AppError::internal)?;
    let salt = SaltString::encode_b64(&salt).map_err(AppError::internal)?;
    let hash = hasher()
        .hash_password(password.as_bytes(), &salt)
        .map_err(AppError::internal)?;
    Ok(hash.to_string())
}

/// Always one full verification: against `stored`, or against the dummy hash when there is none.
fn verify_blocking(stored: Option<&str>, candidate: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(DUMMY_HASH)) else {
        return false;
    };
    let matches = hasher()
        .verify_password(candidate.as_bytes(), &parsed)
        .is_ok();
    stored.is_some() && matches
}

/// Bounds the argon2 jobs running at once (hash and verify), 2 per core by default.
pub struct Argon2Gate {
    permits: Arc<Semaphore>,
}

impl Default for Argon2Gate {
    fn default() -> Self {
        Self::new(2 * std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

impl Argon2Gate {
    pub fn new(permits: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(permits)),
        }
    }

    /// A permit now, or 503 with `Retry-After: 1`: a burst is answered at once, never queued.
    fn permit(&self) -> Result<OwnedSemaphorePermit, AppError> {
        self.permits
            .clone()
            .try_acquire_owned()
            .map_err(|_| AppError {
                retry_after_secs: Some(1),
                ..AppError::unavailable("The panel is busy; try again in a moment.")
            })
    }

    /// Runs `job` on the blocking pool. The permit moves into the job, so it is held until the
    /// work is done even when the request that started it has gone away.
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = self.permit()?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job()
        })
        .await
        .map_err(AppError::internal)
    }

    pub async fn hash(&self, password: Password) -> Result<String, AppError> {
        self.run(move || hash_blocking(password.expose())).await?
    }

    /// Whether `candidate` matches `stored`; with `stored = None` (unknown email) the same work is
    /// done against a dummy hash and the answer is `false`.
    pub async fn verify(
        &self,
        stored: Option<String>,
        candidate: String,
    ) -> Result<bool, AppError> {
        self.run(move || verify_blocking(stored.as_deref(), &candidate))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};
    use types::error::ErrorCode;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let gate = Argon2Gate::default();
        let stored = gate
            .hash(Password::parse("correct horse").unwrap())
            .await
            .unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            gate.verify(Some(stored.clone()), "correct horse".into())
                .await
                .unwrap()
        );
        assert!(
            !gate
                .verify(Some(stored), "wrong horse".into())
                .await
                .unwrap()
        );
        assert!(!gate.verify(None, "correct horse".into()).await.unwrap());
    }

    /// Same algorithm, version and cost as real hashes, so verifying against it costs the same.
    #[test]
    fn the_dummy_hash_has_the_real_parameters() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let real = hash_blocking("anything at all").unwrap();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(
            Params::try_from(&dummy).unwrap(),
            Params::try_from(&real).unwrap()
        );
        assert_eq!(dummy.hash.unwrap().len(), real.hash.unwrap().len());
    }

    /// An unknown email runs a full verification: as slow as a wrong password, not ~0. The
    /// fastest of 5 each, so a burst of load on a busy machine does not decide.
    #[test]
    fn an_unknown_email_costs_a_full_verification() {
        let stored = hash_blocking("the real password").unwrap();
        let time = |stored: Option<&str>| {
            let start = Instant::now();
            assert!(!verify_blocking(stored, "a wrong guess"));
            start.elapsed()
        };
        let (mut known, mut unknown) = (Duration::MAX, Duration::MAX);
        for _ in 0..5 {
            known = known.min(time(Some(&stored)));
            unknown = unknown.min(time(None));
        }
        assert!(
            unknown * 2 > known,
            "unknown {unknown:?} vs known {known:?}"
        );
    }

    #[tokio::test]
    async fn beyond_the_bound_verification_is_refused_at_once() {
        let gate = Argon2Gate::new(2);
        let held = [gate.permit().unwrap(), gate.permit().unwrap()];
        let start = Instant::now();
        let err = gate.verify(None, "guess".into()).await.unwrap_err();
        assert!(
            start.elapsed() < Duration::from_millis(5),
            "refused at once, not queued: {:?}",
            start.elapsed()
        );
        assert_eq!(err.code, ErrorCode::Unavailable);
        assert_eq!(err.retry_after_secs, Some(1));
        assert!(
            gate.hash(Password::parse("a password").unwrap())
                .await
                .is_err(),
            "hashing takes a permit too"
        );
        drop(held);
        assert!(
            !gate.verify(None, "guess".into()).await.unwrap(),
            "a freed permit is usable again"
        );
    }

    /// The permit stays taken while the blocking job runs, even if the caller stops waiting.
    #[tokio::test]
    async fn a_running_job_keeps_its_permit_after_the_caller_leaves() {
        let gate = Arc::new(Argon2Gate::new(1));
        let first = tokio::spawn({
            let gate = gate.clone();
            async move { gate.verify(None, "guess".into()).await }
        });
        while gate.permits.available_permits() == 1 {
            tokio::task::yield_now().await;
        }
        first.abort();
        assert_eq!(
            gate.verify(None, "guess".into()).await.unwrap_err().code,
            ErrorCode::Unavailable
        );
        while gate.permits.available_permits() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(gate.verify(None, "guess".into()).await.is_ok());
    }
}
