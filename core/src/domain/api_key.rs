//! API keys: `nbg_` + 30 random base62 characters (~178 bits) + a 6-character base62 CRC32 of the
//! random part. The checksum lets us (and secret scanners) reject typos and recognise leaked keys
//! without touching the database. Only the SHA-256 of a key is ever stored.
use super::secret::{base62_fixed, random_base62};
use sha2::{Digest, Sha256};
use types::error::AppError;

pub const SCHEME: &str = "nbg_";
const RANDOM_LEN: usize = 30;
const CHECKSUM_LEN: usize = 6;
pub const KEY_LEN: usize = SCHEME.len() + RANDOM_LEN + CHECKSUM_LEN;

/// A well-formed key. Deliberately without Debug, Display or Serialize: it must not reach logs.
pub struct ApiKey(String);

impl ApiKey {
    pub fn generate() -> Self {
        let random = random_base62(RANDOM_LEN);
        let checksum = checksum(&random);
        Self(format!("{SCHEME}{random}{checksum}"))
    }

    /// Format and checksum only: cheap, no I/O, so garbage never costs a database lookup.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let malformed = || {
            AppError::unauthorized(
                "The API key is malformed; copy it again from Profile → API Key.",
            )
        };
        let body = raw.strip_prefix(SCHEME).ok_or_else(malformed)?;
        if raw.len() != KEY_LEN || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(malformed());
        }
        let (random, sum) = body.split_at(RANDOM_LEN);
        if checksum(random) != sum {
            return Err(AppError::unauthorized(
                "The API key's checksum does not match; it was mistyped or truncated.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }

    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

fn checksum(random: &str) -> String {
    base62_fixed(u64::from(crc32fast::hash(random.as_bytes())), CHECKSUM_LEN)
}

/// How a key is shown after it was revealed once: scheme and last four characters.
pub fn masked(last4: &str) -> String {
    format!("{SCHEME}••••••••{last4}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_keys_have_the_documented_shape() {
        let key = ApiKey::generate();
        let raw = key.expose();
        assert_eq!(raw.len(), KEY_LEN);
        assert!(raw.starts_with("nbg_"));
        assert!(raw[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(ApiKey::parse(raw).is_ok());
        assert_ne!(ApiKey::generate().expose(), raw);
    }

    #[test]
    fn malformed_keys_are_rejected() {
        let good = ApiKey::generate().expose().to_owned();
        let cases = [
            String::new(),
            "nbg_".into(),
            good[..KEY_LEN - 1].to_owned(),
            format!("{good}x"),
            good.replacen("nbg_", "nbx_", 1),
            good.replacen("nbg_", "NBG_", 1),
            format!("nbg_{}", "-".repeat(KEY_LEN - 4)),
            format!("{} ", &good[..KEY_LEN - 1]),
        ];
        for case in cases {
            assert!(ApiKey::parse(&case).is_err(), "{case:?} should be rejected");
        }
    }

    #[test]
    fn a_changed_character_breaks_the_checksum() {
        let good = ApiKey::generate().expose().to_owned();
        let mut bytes = good.into_bytes();
        bytes[10] = if bytes[10] == b'a' { b'b' } else { b'a' };
        let err = ApiKey::parse(std::str::from_utf8(&bytes).unwrap())
            .err()
            .unwrap();
        assert!(err.message.contains("checksum"));
    }

    #[test]
    fn masking_shows_only_the_scheme_and_last_four() {
        let key = ApiKey::generate();
        let shown = masked(key.last4());
        assert_eq!(
            shown,
            format!("nbg_••••••••{}", &key.expose()[KEY_LEN - 4..])
        );
        assert!(!shown.contains(&key.expose()[4..KEY_LEN - 4]));
    }

    proptest! {
        #[test]
        fn every_generated_key_parses_and_hashes_stably(_seed in 0u8..50) {
            let key = ApiKey::generate();
            let parsed = ApiKey::parse(key.expose()).unwrap();
            prop_assert_eq!(parsed.sha256(), key.sha256());
        }

        #[test]
        fn random_strings_are_never_accepted(s in "nbg_[0-9A-Za-z]{36}") {
            // A random 36-char body passes its CRC32 with probability 2^-32; treat a pass as a failure.
            let (random, sum) = s[4..].split_at(RANDOM_LEN);
            prop_assume!(checksum(random) != sum);
            prop_assert!(ApiKey::parse(&s).is_err());
        }
    }
}
