//! Argon2id with OWASP's parameters (19 MiB, t=2, p=1). Hashing takes tens of milliseconds of CPU,
//! so it runs on the blocking pool, never on the async runtime's threads.
use app::error::AppError;
use app::validate::Password;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(AppError::internal)?;
    let salt = SaltString::encode_b64(&salt).map_err(AppError::internal)?;
    let hash = hasher().hash_password(password.as_bytes(), &salt).map_err(AppError::internal)?;
    Ok(hash.to_string())
}

pub async fn hash(password: Password) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_blocking(password.expose())).await.map_err(AppError::internal)?
}

/// Verifies `candidate` against `stored`; with `stored = None` (unknown email) it verifies against
/// a dummy hash so both answers take the same time.
pub async fn verify(stored: Option<String>, candidate: String) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| {
            DUMMY.get_or_init(|| hash_blocking("dummy password for timing").unwrap_or_default()).clone()
        });
        let Ok(parsed) = PasswordHash::new(&stored) else { return false };
        known && hasher().verify_password(candidate.as_bytes(), &parsed).is_ok()
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let stored = hash(Password::parse("correct horse").unwrap()).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(Some(stored.clone()), "correct horse".into()).await);
        assert!(!verify(Some(stored), "wrong horse".into()).await);
        assert!(!verify(None, "dummy password for timing".into()).await);
    }
}
