//! The archive's files: one per file of the server's binary log, with the same name and bytes,
//! under `<data dir>/binlog/<server>/`; and their rows in `binlog_segments` (the window they
//! cover, for restores and retention).
use crate::domain::time;
use crate::store::{self, Store};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// A binary log file starts with these four bytes.
const MAGIC: [u8; 4] = [0xfe, b'b', b'i', b'n'];
/// The position of a file's first event.
pub const FIRST_EVENT: u64 = MAGIC.len() as u64;

/// A file name the server sent, checked before it names a file here.
pub fn checked_name(name: &str) -> Result<&str, String> {
    let plain = !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if plain {
        Ok(name)
    } else {
        Err(format!("the server named its binary log {name:?}"))
    }
}

/// Bytes of `name` archived so far (0: none).
pub fn archived_len(dir: &Path, name: &str) -> u64 {
    std::fs::metadata(dir.join(name)).map_or(0, |meta| meta.len())
}

/// The archive's copy of one file of the server's log, open for appending at `len`.
pub struct Segment {
    pub name: String,
    pub len: u64,
    out: BufWriter<File>,
}

impl Segment {
    /// Opens `name` to append the events after `pos`: what lies beyond `pos` (written before a
    /// crash, never recorded) is cut; a new file gets the magic bytes.
    pub fn open(dir: &Path, name: &str, pos: u64) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .mode(0o600)
            .open(dir.join(name))?;
        let pos = pos.max(FIRST_EVENT);
        file.set_len(pos)?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&MAGIC)?;
        file.seek(SeekFrom::Start(pos))?;
        Ok(Self {
            name: name.to_owned(),
            len: pos,
            out: BufWriter::with_capacity(256 * 1024, file),
        })
    }

    /// Appends one event, which the server says ends at `end`. A hole before it is the server's
    /// annotation of the statement behind the next row events (`binlog_annotate_row_events`),
    /// which MariaDB leaves out for a replica that does not ask for it (and this client cannot
    /// ask): it is filled with an annotation of the same length, so every position stays the
    /// server's.
    pub fn append(
        &mut self,
        event: &mysql_async::binlog::events::Event,
        end: u64,
    ) -> Result<(), String> {
        let mut bytes = Vec::with_capacity(event.header().event_size() as usize);
        event
            .write(mysql_async::binlog::BinlogVersion::Version4, &mut bytes)
            .map_err(|err| format!("could not encode an event: {err}"))?;
        let start = end.saturating_sub(bytes.len() as u64);
        if start > self.len {
            let checksummed = matches!(
                event.footer().get_checksum_alg(),
                Ok(Some(
                    mysql_async::binlog::BinlogChecksumAlg::BINLOG_CHECKSUM_ALG_CRC32
                ))
            );
            let filler = annotation(event.header(), self.len, start, checksummed).ok_or_else(|| {
                format!(
                    "the archive of {} is out of step (at {}, the next event starts at {start})",
                    self.name, self.len
                )
            })?;
            self.out
                .write_all(&filler)
                .map_err(|err| format!("could not write the archive: {err}"))?;
            self.len = start;
        }
        if start != self.len {
            return Err(format!(
                "the archive of {} is out of step (at {}, an event of {} bytes ends at {end})",
                self.name,
                self.len,
                bytes.len()
            ));
        }
        self.out
            .write_all(&bytes)
            .map_err(|err| format!("could not write the archive: {err}"))?;
        self.len = end;
        Ok(())
    }

    /// On disk (not only in the buffer) before its position is recorded.
    pub fn sync(&mut self) -> std::io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_data()
    }
}

/// MariaDB's ANNOTATE_ROWS_EVENT: a statement's text, shown by `mariadb-binlog`, never applied.
const ANNOTATE_ROWS_EVENT: u8 = 160;
const HEADER_LEN: u64 = 19;
const PLACEHOLDER: &[u8] = b"-- (the statement's text was not archived)";

/// An annotation event that fills `from..to` exactly (header, text padded with spaces, checksum).
fn annotation(
    next: mysql_async::binlog::events::BinlogEventHeader,
    from: u64,
    to: u64,
    checksummed: bool,
) -> Option<Vec<u8>> {
    let size = to - from;
    let checksum_len = if checksummed { 4 } else { 0 };
    let text_len = usize::try_from(size.checked_sub(HEADER_LEN + checksum_len)?).ok()?;
    let mut event = Vec::with_capacity(size as usize);
    event.extend_from_slice(&next.timestamp().to_le_bytes());
    event.push(ANNOTATE_ROWS_EVENT);
    event.extend_from_slice(&next.server_id().to_le_bytes());
    event.extend_from_slice(&u32::try_from(size).ok()?.to_le_bytes());
    event.extend_from_slice(&u32::try_from(to).ok()?.to_le_bytes());
    event.extend_from_slice(&0u16.to_le_bytes());
    let mut text = PLACEHOLDER.to_vec();
    text.resize(text_len, b' ');
    event.extend_from_slice(&text);
    if checksummed {
        let crc = crc32fast::hash(&event);
        event.extend_from_slice(&crc.to_le_bytes());
    }
    Some(event)
}

/// Records that the archive of `name` holds events up to `event_at`, `bytes` long.
pub async fn note(
    store: &Store,
    server: &str,
    name: &str,
    event_at: i64,
    bytes: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(store::dialect(
        store,
        "INSERT INTO binlog_segments (server, file, first_event_at, last_event_at, bytes) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (server, file) DO UPDATE SET last_event_at = MAX(binlog_segments.last_event_at, excluded.last_event_at), bytes = excluded.bytes",
        "INSERT INTO binlog_segments (server, file, first_event_at, last_event_at, bytes) VALUES (?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE last_event_at = GREATEST(last_event_at, VALUES(last_event_at)), bytes = VALUES(bytes)",
    ))
    .bind(server)
    .bind(name)
    .bind(event_at)
    .bind(event_at)
    .bind(bytes as i64)
    .execute(store)
    .await?;
    Ok(())
}

/// An archived file: its name, the window of its events (Unix seconds) and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archived {
    pub file: String,
    pub first_event_at: i64,
    pub last_event_at: i64,
    pub bytes: i64,
}

/// The server's archived files, oldest first.
pub async fn list(store: &Store, server: &str) -> Result<Vec<Archived>, sqlx::Error> {
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT file, first_event_at, last_event_at, bytes FROM binlog_segments WHERE server = ? ORDER BY file",
    )
    .bind(server)
    .fetch_all(store)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(file, first_event_at, last_event_at, bytes)| Archived {
            file,
            first_event_at,
            last_event_at,
            bytes,
        })
        .collect())
}

/// Removes the files whose last event is older than `retention` (never `current`).
pub async fn expire(
    store: &Store,
    dir: &Path,
    server: &str,
    retention: std::time::Duration,
    current: &str,
) -> Result<usize, sqlx::Error> {
    let before = time::now() - i64::try_from(retention.as_secs()).unwrap_or(i64::MAX);
    let mut removed = 0;
    for old in list(store, server).await? {
        if old.last_event_at >= before || old.file == current {
            continue;
        }
        match std::fs::remove_file(dir.join(&old.file)) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                tracing::warn!(server, file = old.file, error = %err, "could not remove an expired binary log file");
                continue;
            }
            _ => {}
        }
        sqlx::query("DELETE FROM binlog_segments WHERE server = ? AND file = ?")
            .bind(server)
            .bind(&old.file)
            .execute(store)
            .await?;
        removed += 1;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_file_names_name_a_file_here() {
        assert!(checked_name("mariadb-bin.000001").is_ok());
        for bad in ["", "../x", ".hidden", "a/b", "x y"] {
            assert!(checked_name(bad).is_err(), "{bad:?}");
        }
    }
}
