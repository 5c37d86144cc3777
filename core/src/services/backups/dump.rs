//! `mariadb-dump` → our process → gzip file: the dump's text is rewritten line by line (definers),
//! compressed, hashed and counted as it streams, into a `.part` file that is renamed only once the
//! dump ended well. Memory stays constant whatever the database's size.
use super::{client, definer};
use crate::services::queries::identity::Login;
use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// zlib level 3: measured (docs/PERFORMANCE.md) to keep up with the dump on two cores while
/// compressing SQL text nearly as well as gzip's default 6.
const LEVEL: u32 = 3;
/// mariadb-dump's last line when it finished (comments and `--dump-date` are on by default).
const COMPLETED_MARK: &[u8] = b"-- Dump completed";

/// What the async side watches while the pipeline runs.
#[derive(Default)]
pub struct Progress {
    /// Uncompressed bytes of the dump so far.
    pub bytes: AtomicU64,
    pub finished: AtomicBool,
}

pub struct Dumped {
    pub bytes: u64,
    pub size: u64,
    pub sha256: String,
    /// Where the dump's snapshot stands in the server's binary log (`--master-data`), when it
    /// writes one: a point-in-time restore replays from there.
    pub binlog_position: Option<(String, u64)>,
}

/// The comment `--master-data=2` writes: `-- CHANGE MASTER TO MASTER_LOG_FILE='f', MASTER_LOG_POS=n;`.
const POSITION_LINE: &[u8] = b"-- CHANGE MASTER TO MASTER_LOG_FILE='";

fn binlog_position(line: &[u8]) -> Option<(String, u64)> {
    let rest = std::str::from_utf8(line.strip_prefix(POSITION_LINE)?).ok()?;
    let (file, rest) = rest.split_once("', MASTER_LOG_POS=")?;
    let pos = rest.trim_end().trim_end_matches(';').parse().ok()?;
    Some((file.to_owned(), pos))
}

#[derive(Debug)]
pub enum DumpError {
    /// The compressed file grew past what the account's quota leaves.
    Quota,
    Failed(String),
}

impl From<std::io::Error> for DumpError {
    fn from(err: std::io::Error) -> Self {
        Self::Failed(format!("Writing the backup failed: {err}"))
    }
}

/// Starts the dump of `database` as `login` (single transaction, routines, events, triggers,
/// binary columns as hex, no CREATE DATABASE/USE: it restores into any database). On a server
/// with a binary log (`logged`), the dump notes its snapshot's position there: MariaDB gives it
/// for the snapshot itself (`binlog_snapshot_file`), with no global lock and no privilege.
pub fn spawn(tool: &Path, login: &Login, database: &str, logged: bool) -> std::io::Result<Child> {
    let mut dump = client::dump_command(tool, login)?;
    if logged {
        dump.command().arg("--master-data=2");
    }
    dump.command()
        .args([
            "--single-transaction",
            "--quick",
            "--routines",
            "--events",
            "--triggers",
            "--hex-blob",
            "--default-character-set=utf8mb4",
        ])
        .arg(database)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    dump.spawn()
}

/// Streams the child's output into `part` behind `header` (the manifest line). Blocking: run it
/// on a blocking thread. `budget` is how many compressed bytes the quota still allows.
pub fn write(
    mut child: Child,
    part: &Path,
    header: &str,
    progress: &Arc<Progress>,
    budget: u64,
) -> Result<Dumped, DumpError> {
    let result = pipe(&mut child, part, header, progress, budget);
    if result.is_err() {
        let _ = child.kill();
    }
    let stderr = collect_stderr(&mut child);
    let status = child.wait();
    progress.finished.store(true, Ordering::Release);
    let (dumped, ended_well) = result?;
    match status {
        Ok(status) if status.success() && ended_well => Ok(dumped),
        Ok(status) if status.success() => Err(DumpError::Failed(
            "The dump ended without its completion line; it was not kept.".into(),
        )),
        _ => Err(DumpError::Failed(explain(&stderr))),
    }
}

/// mariadb-dump's complaint, with what to do about the one a customer can fix.
fn explain(stderr: &str) -> String {
    let said = super::client::tail(stderr);
    if stderr.contains("insufficient privileges to SHOW CREATE") {
        // MariaDB before 11.3 shows a routine's definition only to its definer (or to whoever may
        // read mysql.proc, which would show every customer's routines).
        format!(
            "mariadb-dump failed: {said} A routine created by another MySQL user (one of your database users) \
             can be read only by that user. Re-create it from the Query tab, where it then belongs to the \
             panel's identity, and back up again."
        )
    } else {
        format!("mariadb-dump failed: {said}")
    }
}

fn collect_stderr(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(stderr) = child.stderr.take() {
        let _ = stderr.take(64 * 1024).read_to_string(&mut text);
    }
    text
}

fn pipe(
    child: &mut Child,
    part: &Path,
    header: &str,
    progress: &Progress,
    budget: u64,
) -> Result<(Dumped, bool), DumpError> {
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| DumpError::Failed("mariadb-dump has no output".into()))?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(crate::data_dir::PRIVATE_FILE)
        .open(part)?;
    let mut gzip = GzEncoder::new(
        Hashing::new(BufWriter::with_capacity(1 << 20, file)),
        Compression::new(LEVEL),
    );
    gzip.write_all(header.as_bytes())?;
    let mut reader = BufReader::with_capacity(1 << 20, stdout);
    let mut line = Vec::with_capacity(1 << 16);
    let mut bytes = 0u64;
    let mut ended_well = false;
    let mut position = None;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        ended_well = line.starts_with(COMPLETED_MARK);
        if position.is_none() && line.starts_with(POSITION_LINE) {
            position = binlog_position(&line);
        }
        if !line.starts_with(b"INSERT INTO ") {
            definer::rewrite(&mut line);
        }
        gzip.write_all(&line)?;
        progress.bytes.store(bytes, Ordering::Relaxed);
        if gzip.get_ref().written > budget {
            return Err(DumpError::Quota);
        }
    }
    let hashing = gzip.finish()?;
    let size = hashing.written;
    let sha256 = crate::domain::hex::encode(&hashing.hasher.finalize());
    let file = hashing
        .inner
        .into_inner()
        .map_err(|err| DumpError::from(err.into_error()))?;
    file.sync_all()?;
    Ok((
        Dumped {
            bytes,
            size,
            sha256,
            binlog_position: position,
        },
        ended_well,
    ))
}

/// Counts and hashes what passes through to the file.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    written: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            written: 0,
        }
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snapshots_place_in_the_binary_log_is_read_from_the_dumps_comment() {
        assert_eq!(
            binlog_position(
                b"-- CHANGE MASTER TO MASTER_LOG_FILE='mariadb-bin.000001', MASTER_LOG_POS=1229;\n"
            ),
            Some(("mariadb-bin.000001".to_owned(), 1229))
        );
        assert_eq!(
            binlog_position(b"-- CHANGE MASTER TO MASTER_USE_GTID=slave_pos;\n"),
            None
        );
    }
}
