//! Encryption of the files that leave the panel: XChaCha20-Poly1305 in the STREAM construction
//! (Hoang, Reyhanitabar, Rogaway, Vizár 2015), so a file of any size is sealed and opened in
//! 64 KiB pieces without being held in memory, and a copy that was cut short, reordered or
//! altered anywhere does not open.
//!
//! Layout: `MAGIC` (8 bytes) ‖ key id (4) ‖ nonce prefix (16, random per file) ‖ chunks. Each chunk
//! seals `CHUNK` bytes of the file (the last one fewer, possibly none) and carries a 16-byte tag;
//! its nonce is the prefix ‖ the chunk's number (u32, big-endian) ‖ 1 for the last chunk, else 0 ‖
//! three zero bytes. The header is every chunk's associated data.
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 8] = b"NBGENC1\0";
const PREFIX_BYTES: usize = 16;
pub const HEADER_BYTES: usize = MAGIC.len() + 4 + PREFIX_BYTES;
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;

/// The operator's backup key (`NOBREGAS_BACKUP_KEY_FILE`). Not `Debug`, not `Clone`.
pub struct BackupKey {
    cipher: XChaCha20Poly1305,
    id: [u8; 4],
}

impl BackupKey {
    pub fn new(key: &[u8; 32]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"nobregas backup key id\0")
            .chain_update(key)
            .finalize();
        Self {
            cipher: XChaCha20Poly1305::new(key.into()),
            id: [digest[0], digest[1], digest[2], digest[3]],
        }
    }

    /// Which key this is (not secret: a hash of the key), as an error message names it.
    pub fn id(&self) -> String {
        self.id.iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn nonce(prefix: &[u8; PREFIX_BYTES], counter: u32, last: bool) -> XNonce {
    let mut nonce = [0u8; 24];
    nonce[..PREFIX_BYTES].copy_from_slice(prefix);
    nonce[PREFIX_BYTES..PREFIX_BYTES + 4].copy_from_slice(&counter.to_be_bytes());
    nonce[PREFIX_BYTES + 4] = u8::from(last);
    nonce.into()
}

/// Seals a file fed to it in pieces of any size.
pub struct Encryptor<'k> {
    key: &'k BackupKey,
    header: [u8; HEADER_BYTES],
    prefix: [u8; PREFIX_BYTES],
    counter: u32,
    pending: Vec<u8>,
}

impl<'k> Encryptor<'k> {
    /// A new encryptor and the header that starts its output.
    pub fn new(key: &'k BackupKey) -> (Self, Vec<u8>) {
        let mut prefix = [0u8; PREFIX_BYTES];
        getrandom::fill(&mut prefix).expect("the OS random source is unavailable");
        let mut header = [0u8; HEADER_BYTES];
        header[..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&key.id);
        header[12..].copy_from_slice(&prefix);
        let encryptor = Self {
            key,
            header,
            prefix,
            counter: 0,
            pending: Vec::with_capacity(CHUNK),
        };
        (encryptor, header.to_vec())
    }

    /// Appends to `out` the chunks `input` completes.
    pub fn update(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        while !input.is_empty() {
            let take = (CHUNK - self.pending.len()).min(input.len());
            self.pending.extend_from_slice(&input[..take]);
            input = &input[take..];
            // A full chunk is sealed only once more follows: the last chunk is marked as such.
            if self.pending.len() == CHUNK && !input.is_empty() {
                self.seal(false, out)?;
            }
        }
        Ok(())
    }

    /// Appends the last chunk.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), String> {
        self.seal(true, out)
    }

    fn seal(&mut self, last: bool, out: &mut Vec<u8>) -> Result<(), String> {
        let sealed = self
            .key
            .cipher
            .encrypt(
                &nonce(&self.prefix, self.counter, last),
                Payload {
                    msg: &self.pending,
                    aad: &self.header,
                },
            )
            .map_err(|_| "could not encrypt".to_owned())?;
        out.extend_from_slice(&sealed);
        self.pending.clear();
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or("the file is too large to encrypt")?;
        Ok(())
    }
}

/// Opens what an `Encryptor` wrote, fed to it in pieces of any size.
pub struct Decryptor<'k> {
    key: &'k BackupKey,
    header: Option<[u8; HEADER_BYTES]>,
    counter: u32,
    pending: Vec<u8>,
}

impl<'k> Decryptor<'k> {
    pub fn new(key: &'k BackupKey) -> Self {
        Self {
            key,
            header: None,
            counter: 0,
            pending: Vec::with_capacity(CHUNK + TAG + 1),
        }
    }

    /// Appends to `out` the plaintext of the chunks `input` completes (the last chunk is opened by
    /// `finish`, as only the end of the input says which one it is).
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        self.pending.extend_from_slice(input);
        if self.header.is_none() {
            if self.pending.len() < HEADER_BYTES {
                return Ok(());
            }
            self.read_header()?;
        }
        while self.pending.len() > CHUNK + TAG {
            let opened = self.open(&self.pending[..CHUNK + TAG], false)?;
            out.extend_from_slice(&opened);
            self.pending.drain(..CHUNK + TAG);
            self.counter = self.counter.checked_add(1).ok_or("too many chunks")?;
        }
        Ok(())
    }

    /// Opens the last chunk: an input that ends anywhere else fails here.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), String> {
        if self.header.is_none() {
            return Err("the file is not an encrypted backup (too short)".into());
        }
        let opened = self.open(&self.pending, true)?;
        out.extend_from_slice(&opened);
        self.pending.clear();
        Ok(())
    }

    fn read_header(&mut self) -> Result<(), String> {
        let header: [u8; HEADER_BYTES] = self.pending[..HEADER_BYTES]
            .try_into()
            .expect("HEADER_BYTES long");
        if &header[..8] != MAGIC {
            return Err("the file is not an encrypted backup".into());
        }
        if header[8..12] != self.key.id {
            let id: String = header[8..12].iter().map(|b| format!("{b:02x}")).collect();
            return Err(format!(
                "the file was encrypted with backup key {id}, not with this panel's key {}",
                self.key.id()
            ));
        }
        self.header = Some(header);
        self.pending.drain(..HEADER_BYTES);
        Ok(())
    }

    fn open(&self, chunk: &[u8], last: bool) -> Result<Vec<u8>, String> {
        let header = self.header.as_ref().expect("read before any chunk");
        let prefix: [u8; PREFIX_BYTES] = header[12..].try_into().expect("16 bytes");
        self.key
            .cipher
            .decrypt(
                &nonce(&prefix, self.counter, last),
                Payload {
                    msg: chunk,
                    aad: header,
                },
            )
            .map_err(|_| {
                "the encrypted file is damaged or incomplete (a chunk does not open)".to_owned()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> BackupKey {
        BackupKey::new(&[byte; 32])
    }

    fn seal(key: &BackupKey, plain: &[u8], piece: usize) -> Vec<u8> {
        let (mut encryptor, mut out) = Encryptor::new(key);
        for part in plain.chunks(piece.max(1)) {
            encryptor.update(part, &mut out).unwrap();
        }
        encryptor.finish(&mut out).unwrap();
        out
    }

    fn open(key: &BackupKey, sealed: &[u8], piece: usize) -> Result<Vec<u8>, String> {
        let mut decryptor = Decryptor::new(key);
        let mut out = Vec::new();
        for part in sealed.chunks(piece.max(1)) {
            decryptor.update(part, &mut out)?;
        }
        decryptor.finish(&mut out)?;
        Ok(out)
    }

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn files_of_every_size_come_back_whole_whatever_the_pieces() {
        let key = key(7);
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17] {
            let plain = sample(len);
            for (seal_piece, open_piece) in [(len.max(1), 1000), (4096, 7), (CHUNK, CHUNK + TAG)] {
                let sealed = seal(&key, &plain, seal_piece);
                let chunks = len.div_ceil(CHUNK).max(1);
                assert_eq!(sealed.len(), HEADER_BYTES + len + chunks * TAG);
                assert_eq!(
                    open(&key, &sealed, open_piece).unwrap(),
                    plain,
                    "{len} bytes"
                );
            }
        }
    }

    #[test]
    fn the_sealed_file_does_not_show_the_plaintext() {
        let plain = b"INSERT INTO `orders` VALUES (1,'secret');".repeat(100);
        let sealed = seal(&key(1), &plain, 100);
        assert!(!sealed.windows(6).any(|w| w == b"INSERT"));
        assert_ne!(
            seal(&key(1), &plain, 100),
            sealed,
            "a fresh nonce prefix per file"
        );
    }

    #[test]
    fn a_cut_altered_reordered_or_foreign_file_does_not_open() {
        let key = key(3);
        let plain = sample(3 * CHUNK);
        let sealed = seal(&key, &plain, CHUNK);
        // Cut at a chunk boundary: the remaining last chunk is not marked last.
        let whole_chunks = HEADER_BYTES + 2 * (CHUNK + TAG);
        assert!(open(&key, &sealed[..whole_chunks], 5000).is_err());
        assert!(open(&key, &sealed[..sealed.len() - 1], 5000).is_err());
        let mut altered = sealed.clone();
        altered[HEADER_BYTES + 10] ^= 1;
        assert!(open(&key, &altered, 5000).is_err());
        let mut swapped = sealed.clone();
        let (a, b) = (HEADER_BYTES, HEADER_BYTES + CHUNK + TAG);
        let first = sealed[a..b].to_vec();
        swapped.copy_within(b..b + CHUNK + TAG, a);
        swapped[b..b + CHUNK + TAG].copy_from_slice(&first);
        assert!(open(&key, &swapped, 5000).is_err());
        let other = open(&self::key(4), &sealed, 5000).unwrap_err();
        assert!(other.contains("backup key"), "{other}");
        assert!(open(&key, b"-- MariaDB dump", 5).is_err());
    }
}
