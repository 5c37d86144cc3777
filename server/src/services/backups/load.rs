//! A `.sql` or `.sql.gz` file → the `mariadb` client, as the account's identity, in `--sandbox`
//! (no `\!`, no `source`, no file access): what the file may do is what the identity may do.
//! The client stops at the first failing statement and names its line.
use super::catalog::Failure;
use super::{client::OptionFile, definer, dump::Progress};
use app::backups::TableChecksum;
use flate2::read::MultiGzDecoder;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;

/// The first line of every backup the panel writes.
pub const MANIFEST_MARK: &str = "-- nobregas-manifest: ";

/// The manifest line of a backup of `database`.
pub fn manifest_line(database: &str, tables: &[TableChecksum]) -> String {
    let json = serde_json::json!({ "database": database, "tables": tables });
    format!("{MANIFEST_MARK}{json}\n")
}

fn parse_manifest(line: &[u8]) -> Option<Vec<TableChecksum>> {
    let json = std::str::from_utf8(line).ok()?.strip_prefix(MANIFEST_MARK)?;
    let value: serde_json::Value = serde_json::from_str(json.trim_end()).ok()?;
    serde_json::from_value(value.get("tables")?.clone()).ok()
}

pub fn spawn(tool: &Path, options: &OptionFile, database: &str) -> std::io::Result<Child> {
    Command::new(tool)
        .arg(options.argument())
        .args(["--sandbox", "--batch", "--default-character-set=utf8mb4"])
        .arg(format!("--database={database}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
}

/// Feeds `file` to the client; on success, the manifest the file carried (if any). Blocking.
pub fn feed(mut child: Child, file: &Path, progress: &Progress) -> Result<Option<Vec<TableChecksum>>, Failure> {
    let fed = copy(&mut child, file, progress);
    drop(child.stdin.take());
    let mut stderr = String::new();
    if let Some(pipe) = child.stderr.take() {
        let _ = pipe.take(64 * 1024).read_to_string(&mut stderr);
    }
    let status = child.wait();
    progress.finished.store(true, Ordering::Release);
    match status {
        Ok(status) if status.success() => fed,
        _ => Err(match super::client::parse_client_error(&stderr) {
            Some((errno, line, message)) => Failure { message, line, mysql_errno: Some(errno) },
            // The client did not say why: what we saw while feeding it, or its last words.
            None => fed.err().unwrap_or_else(|| Failure::new(format!("The mariadb client failed: {}", super::client::tail(&stderr)))),
        }),
    }
}

fn copy(child: &mut Child, file: &Path, progress: &Progress) -> Result<Option<Vec<TableChecksum>>, Failure> {
    let opened = std::fs::File::open(file).map_err(|err| Failure::new(format!("Could not read the file: {err}")))?;
    let mut raw = BufReader::with_capacity(1 << 20, Counting { inner: opened, progress });
    let gzipped = raw.fill_buf().map(|head| head.starts_with(&[0x1f, 0x8b])).unwrap_or(false);
    let text: Box<dyn Read + '_> = if gzipped { Box::new(MultiGzDecoder::new(raw)) } else { Box::new(raw) };
    let mut lines = BufReader::with_capacity(1 << 20, text);
    let stdin = child.stdin.take().ok_or_else(|| Failure::new("The mariadb client has no input"))?;
    let mut stdin = std::io::BufWriter::with_capacity(1 << 20, stdin);
    let mut line = Vec::with_capacity(1 << 16);
    let mut manifest = None;
    let mut first = true;
    loop {
        line.clear();
        let n = lines.read_until(b'\n', &mut line).map_err(|err| {
            let what = if gzipped { "not valid gzip" } else { "unreadable" };
            Failure::new(format!("The file is {what}: {err}"))
        })?;
        if n == 0 {
            break;
        }
        if first {
            manifest = parse_manifest(&line);
            first = false;
        }
        if !line.starts_with(b"INSERT INTO ") {
            definer::rewrite(&mut line);
        }
        if let Err(err) = stdin.write_all(&line) {
            // The client stopped reading: it met an error it will name on stderr.
            return Err(Failure::new(format!("The mariadb client stopped reading: {err}")));
        }
    }
    stdin.flush().map_err(|err| Failure::new(format!("The mariadb client stopped reading: {err}")))?;
    Ok(manifest)
}

/// Counts the (compressed) bytes read from the file into the job's progress.
struct Counting<'a, R> {
    inner: R,
    progress: &'a Progress,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_line_round_trips() {
        let tables = vec![TableChecksum { name: "t".into(), rows: 3, checksum: 42 }];
        let line = manifest_line("acme_shop", &tables);
        assert!(line.ends_with('\n') && !line[..line.len() - 1].contains('\n'));
        assert_eq!(parse_manifest(line.as_bytes()), Some(tables));
        assert_eq!(parse_manifest(b"-- MariaDB dump 10.19\n"), None);
    }
}
