//! Sealed secrets: the values in the panel store that log in somewhere or make codes (each
//! account's MySQL identity password, registered servers' admin passwords, TOTP secrets) are kept
//! encrypted with XChaCha20-Poly1305 under a key that lives outside the store
//! (`NOBREGAS_SECRET_KEY_FILE`, by default `<data dir>/secret.key`). A copy of the store alone —
//! a backup, a read through a file-reading bug — logs in nowhere.
//!
//! A sealed value is text: `sealed1:<key id>:<base64(nonce ‖ ciphertext)>`. The key id (8 hex
//! digits of a hash of the key) says which key sealed it, so an instance started with another
//! key can say so instead of failing obscurely. Every value is bound to its place in the store
//! (`purpose`, e.g. `two_factor.secret:42`) as associated data: moving a sealed value to another
//! row or column makes it unopenable.
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

const PREFIX: &str = "sealed1:";
const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

/// The store's secret key. Not `Debug`, not `Clone`: it is shared as `Arc<Sealer>` and never printed.
pub struct Sealer {
    cipher: XChaCha20Poly1305,
    id: String,
}

/// Why a sealed value could not be opened.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the value is not sealed")]
    NotSealed,
    #[error("the value was sealed with key {sealed_with}, not with this panel's key {ours}")]
    OtherKey { sealed_with: String, ours: String },
    #[error("the sealed value is damaged, or belongs to another place in the store")]
    Damaged,
}

impl Sealer {
    pub fn from_key(key: &[u8; KEY_BYTES]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"nobregas key id\0")
            .chain_update(key)
            .finalize();
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            cipher: XChaCha20Poly1305::new(key.into()),
            id,
        }
    }

    /// A new random key (not yet written anywhere).
    pub fn generate() -> ([u8; KEY_BYTES], Self) {
        let mut key = [0u8; KEY_BYTES];
        getrandom::fill(&mut key).expect("the OS random source is unavailable");
        let sealer = Self::from_key(&key);
        (key, sealer)
    }

    /// The key in `path`, created (0600, a new random key) when the file does not exist yet.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        Ok(Self::from_key(&load_or_create_key(path)?))
    }

    /// Writes a new random key to `path`, which must not exist (0600).
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        Ok(Self::from_key(&create_key(path)?))
    }

    /// Which key this is, as sealed values name it (not secret: a hash of the key).
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).expect("the OS random source is unavailable");
        let ciphertext = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: purpose.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any message of this size");
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        format!("{PREFIX}{}:{}", self.id, BASE64.encode(sealed))
    }

    pub fn open(&self, purpose: &str, sealed: &str) -> Result<Vec<u8>, SealError> {
        let rest = sealed.strip_prefix(PREFIX).ok_or(SealError::NotSealed)?;
        let (key_id, body) = rest.split_once(':').ok_or(SealError::Damaged)?;
        if key_id != self.id {
            return Err(SealError::OtherKey {
                sealed_with: key_id.to_owned(),
                ours: self.id.clone(),
            });
        }
        let bytes = BASE64.decode(body).map_err(|_| SealError::Damaged)?;
        if bytes.len() < NONCE_BYTES {
            return Err(SealError::Damaged);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| SealError::Damaged)
    }

    /// `open` for a value that was text when sealed.
    pub fn open_text(&self, purpose: &str, sealed: &str) -> Result<String, SealError> {
        String::from_utf8(self.open(purpose, sealed)?).map_err(|_| SealError::Damaged)
    }
}

/// Whether `value` is in the sealed format (it may still belong to another key).
pub fn is_sealed(value: &[u8]) -> bool {
    value.starts_with(PREFIX.as_bytes())
}

/// The 32-byte key in the file at `path`, created (0600, a new random key) when the file does not
/// exist yet. The store's secret key and the off-site backups' key are both such files.
pub fn load_or_create_key(path: &Path) -> anyhow::Result<[u8; KEY_BYTES]> {
    match std::fs::read(path) {
        Ok(text) => parse_key_file(&text, path),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => match create_key(path) {
            Ok(key) => Ok(key),
            // Another process of the same panel made it first: use that one.
            Err(_) if path.exists() => parse_key_file(&std::fs::read(path)?, path),
            Err(err) => Err(err),
        },
        Err(err) => Err(anyhow::anyhow!(
            "Failed to read the key file {}: {err}",
            path.display()
        )),
    }
}

/// Writes a new random key to `path`, which must not exist (0600). The file appears whole or
/// not at all (written aside, then linked into place), so a process starting beside this one
/// never reads half a key.
pub fn create_key(path: &Path) -> anyhow::Result<[u8; KEY_BYTES]> {
    let mut key = [0u8; KEY_BYTES];
    getrandom::fill(&mut key).expect("the OS random source is unavailable");
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    crate::data_dir::create_private_dir(dir)?;
    let aside = dir.join(format!(
        ".secret-key-{}.tmp",
        crate::domain::secret::random_base62(12)
    ));
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&aside)?;
        writeln!(file, "{}", BASE64.encode(key))?;
        file.sync_all()?;
        std::fs::hard_link(&aside, path)
    })();
    let _ = std::fs::remove_file(&aside);
    written.map_err(|err| {
        anyhow::anyhow!("Failed to create the key file {}: {err}", path.display())
    })?;
    Ok(key)
}

/// A key file holds the 32-byte key in base64 (what `create_key` writes) or hex, on one line.
fn parse_key_file(text: &[u8], path: &Path) -> anyhow::Result<[u8; KEY_BYTES]> {
    let text = std::str::from_utf8(text).unwrap_or_default().trim();
    let decoded = BASE64
        .decode(text)
        .ok()
        .filter(|key| key.len() == KEY_BYTES)
        .or_else(|| super::hex::decode(text));
    decoded.and_then(|key| key.try_into().ok()).ok_or_else(|| {
        anyhow::anyhow!(
            "The key file {} does not hold a key: it must be one line of 32 bytes in base64 (44 characters) or hex (64).",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_in_its_place() {
        let (_, sealer) = Sealer::generate();
        let sealed = sealer.seal("query_identities.password:7", b"p4ssw0rd");
        assert!(
            is_sealed(sealed.as_bytes()) && !sealed.contains("p4ssw0rd"),
            "{sealed}"
        );
        assert_eq!(
            sealer
                .open_text("query_identities.password:7", &sealed)
                .unwrap(),
            "p4ssw0rd"
        );
        assert_eq!(
            sealer.open("query_identities.password:8", &sealed),
            Err(SealError::Damaged)
        );
        let (_, other) = Sealer::generate();
        assert!(matches!(
            other.open("query_identities.password:7", &sealed),
            Err(SealError::OtherKey { .. })
        ));
        assert_eq!(sealer.open("x", "p4ssw0rd"), Err(SealError::NotSealed));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(
            sealer.open("query_identities.password:7", &tampered),
            Err(SealError::Damaged)
        );
        assert_ne!(
            sealer.seal("p", b"same"),
            sealer.seal("p", b"same"),
            "every seal has its own nonce"
        );
    }

    #[test]
    fn the_key_file_is_created_private_and_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!(
            "nobregas-seal-{}",
            crate::domain::secret::random_base62(8)
        ));
        let path = dir.join("secret.key");
        let created = Sealer::load_or_create(&path).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let loaded = Sealer::load_or_create(&path).unwrap();
        assert_eq!(created.id(), loaded.id());
        assert_eq!(loaded.open("p", &created.seal("p", b"v")).unwrap(), b"v");
        std::fs::write(&path, "0".repeat(64)).unwrap();
        assert_eq!(
            Sealer::load_or_create(&path).unwrap().id(),
            Sealer::from_key(&[0; 32]).id()
        );
        std::fs::write(&path, "too short").unwrap();
        assert!(Sealer::load_or_create(&path).is_err());
        assert!(Sealer::create(&path).is_err(), "never overwrites a key");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
