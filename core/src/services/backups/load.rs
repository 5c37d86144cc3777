//! A `.sql` or `.sql.gz` file into a database, run by the panel itself as the account's identity.
//!
//! A customer's file is data, never a program: no command-line client reads it. A blocking thread
//! decompresses it (capped at the import limit), cuts it into statements where the `mariadb`
//! client would (`script::Splitter`: `DELIMITER`, conditional comments, quotes, comments) and
//! refuses what is not SQL — client commands (`\!`, `system`, `source`, `connect` …) and
//! `LOAD DATA LOCAL INFILE` — naming the line. The statements go through a small channel to the
//! identity's session, which sends each to MariaDB as text; what MariaDB refuses stops the job
//! with its line and message. The next statement is read while MariaDB runs the current one.
use super::catalog::Failure;
use super::script::{ScriptError, Splitter, Statement};
use super::{definer, dump::Progress};
use flate2::read::MultiGzDecoder;
use mysql_async::Conn;
use mysql_async::prelude::Queryable;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;
use std::sync::atomic::Ordering;
use tokio::sync::mpsc;
use types::backups::{JobErrorCode, TableChecksum};

/// The first line of every backup the panel writes.
pub const MANIFEST_MARK: &str = "-- nobregas-manifest: ";

/// Statements read ahead of the one MariaDB is running: enough to keep it busy, few enough that
/// memory stays a small multiple of `max_allowed_packet`.
const READ_AHEAD: usize = 2;

/// The manifest line of a backup of `database`.
pub fn manifest_line(database: &str, tables: &[TableChecksum]) -> String {
    let json = serde_json::json!({ "database": database, "tables": tables });
    format!("{MANIFEST_MARK}{json}\n")
}

fn parse_manifest(line: &[u8]) -> Option<Vec<TableChecksum>> {
    let json = std::str::from_utf8(line)
        .ok()?
        .strip_prefix(MANIFEST_MARK)?;
    let value: serde_json::Value = serde_json::from_str(json.trim_end()).ok()?;
    serde_json::from_value(value.get("tables")?.clone()).ok()
}

/// What a load may take.
#[derive(Clone, Copy)]
pub struct Limits {
    /// Bytes of SQL text once decompressed (`NOBREGAS_IMPORT_LIMIT`).
    pub decompressed_bytes: u64,
    /// The longest statement: the server's `max_allowed_packet`, less the packet's own header.
    pub statement_bytes: usize,
}

pub type Statements = mpsc::Receiver<Result<Statement, Failure>>;

/// Starts reading `file` on a blocking thread. The receiver yields its statements; the thread's
/// result is the manifest the file carried, if any (a backup the panel made).
pub fn read(
    file: &Path,
    limits: Limits,
    progress: std::sync::Arc<Progress>,
) -> (
    Statements,
    tokio::task::JoinHandle<Option<Vec<TableChecksum>>>,
) {
    let (sender, receiver) = mpsc::channel(READ_AHEAD);
    let file = file.to_owned();
    let reader = tokio::task::spawn_blocking(move || {
        let outcome = split(&file, limits, &progress, &sender);
        progress.finished.store(true, Ordering::Release);
        match outcome {
            Ok(manifest) => manifest,
            Err(failure) => {
                let _ = sender.blocking_send(Err(failure));
                None
            }
        }
    });
    (receiver, reader)
}

/// Starts cutting a stream — another server's `mariadb-dump` output, during an account move —
/// into statements on a blocking thread, exactly as a file is cut (client commands refused,
/// definers rewritten), without a file's size cap: its bytes count into `progress`.
pub fn read_stream(
    stream: impl Read + Send + 'static,
    statement_bytes: usize,
    progress: std::sync::Arc<Progress>,
) -> (Statements, tokio::task::JoinHandle<()>) {
    let (sender, receiver) = mpsc::channel(READ_AHEAD);
    let reader = tokio::task::spawn_blocking(move || {
        let counted = BufReader::with_capacity(
            1 << 20,
            Counting {
                inner: stream,
                progress: &progress,
            },
        );
        let outcome = send_statements(Splitter::new(counted, statement_bytes), &sender, false);
        progress.finished.store(true, Ordering::Release);
        if let Err(failure) = outcome {
            let _ = sender.blocking_send(Err(failure));
        }
    });
    (receiver, reader)
}

/// Runs every statement on `conn` in order; the first one MariaDB refuses ends the load.
pub async fn execute(conn: &mut Conn, statements: &mut Statements) -> Result<(), Failure> {
    while let Some(next) = statements.recv().await {
        let statement = next?;
        if let Err(err) = conn.query_drop(statement.text.as_slice()).await {
            return Err(refused(err).at_line(Some(statement.line)));
        }
    }
    Ok(())
}

fn refused(err: mysql_async::Error) -> Failure {
    match err {
        mysql_async::Error::Server(server) => Failure {
            mysql_errno: Some(server.code),
            ..Failure::coded(JobErrorCode::SqlError, server.message)
        },
        // The server asked for a local file: the driver has no handler, so it read nothing.
        mysql_async::Error::Driver(mysql_async::DriverError::LocalInfile(_)) => Failure::coded(
            JobErrorCode::LocalInfile,
            "LOAD DATA LOCAL INFILE reads files from the machine that runs the import; the panel reads no files.",
        ),
        other => Failure::coded(
            JobErrorCode::Failed,
            format!("The database server connection failed: {other}"),
        ),
    }
}

/// The blocking half: file → (gunzip) → cap → statements → channel. Stops early when the
/// receiving side has gone (the job failed or timed out).
fn split(
    file: &Path,
    limits: Limits,
    progress: &Progress,
    sender: &mpsc::Sender<Result<Statement, Failure>>,
) -> Result<Option<Vec<TableChecksum>>, Failure> {
    let opened = std::fs::File::open(file)
        .map_err(|err| Failure::new(format!("Could not read the file: {err}")))?;
    let mut raw = BufReader::with_capacity(
        1 << 20,
        Counting {
            inner: opened,
            progress,
        },
    );
    let gzipped = raw
        .fill_buf()
        .map(|head| head.starts_with(&[0x1f, 0x8b]))
        .unwrap_or(false);
    let text: Box<dyn Read + '_> = if gzipped {
        Box::new(MultiGzDecoder::new(raw))
    } else {
        Box::new(raw)
    };
    let capped = Capped {
        inner: text,
        left: limits.decompressed_bytes,
        limit: limits.decompressed_bytes,
    };
    let mut text = BufReader::with_capacity(1 << 20, capped);
    let mut first = Vec::new();
    (&mut text)
        .take(limits.statement_bytes as u64)
        .read_until(b'\n', &mut first)
        .map_err(unreadable(gzipped))?;
    let manifest = parse_manifest(&first);
    let splitter = Splitter::new(Cursor::new(first).chain(text), limits.statement_bytes);
    send_statements(splitter, sender, gzipped)?;
    Ok(manifest)
}

/// Every statement of the splitter into the channel, until the text ends or the receiving side
/// has gone (the job failed or timed out).
fn send_statements<R: BufRead>(
    mut splitter: Splitter<R>,
    sender: &mpsc::Sender<Result<Statement, Failure>>,
    gzipped: bool,
) -> Result<(), Failure> {
    loop {
        let statement = match splitter.next_statement() {
            Ok(Some(statement)) => statement,
            Ok(None) => return Ok(()),
            Err(ScriptError::Read(err)) => return Err(unreadable(gzipped)(err)),
            Err(err) => return Err(script_failure(&err)),
        };
        if sender
            .blocking_send(Ok(with_definer_rewritten(statement)))
            .is_err()
        {
            return Ok(());
        }
    }
}

/// `DEFINER=`x`@`y`` becomes `CURRENT_USER`: the identity may not name anyone else, and the
/// objects were the account's own. Row data (`INSERT INTO`) is left as it is.
fn with_definer_rewritten(mut statement: Statement) -> Statement {
    if !statement.text.starts_with(b"INSERT INTO ") {
        definer::rewrite(&mut statement.text);
    }
    statement
}

fn script_failure(err: &ScriptError) -> Failure {
    let code = match err {
        ScriptError::ClientCommand { .. } => JobErrorCode::ClientCommand,
        ScriptError::LocalInfile { .. } => JobErrorCode::LocalInfile,
        ScriptError::TooLong { .. } => JobErrorCode::StatementTooLong,
        ScriptError::Read(_) => JobErrorCode::Unreadable,
    };
    Failure::coded(code, err.reason()).at_line(err.line())
}

/// A read error: the decompressed size went past the limit, or the file is not what it claims.
fn unreadable(gzipped: bool) -> impl Fn(std::io::Error) -> Failure {
    move |err| match err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<TooLarge>())
    {
        Some(too_large) => Failure::coded(JobErrorCode::ImportTooLarge, too_large.to_string()),
        None => {
            let what = if gzipped {
                "not valid gzip"
            } else {
                "unreadable"
            };
            Failure::coded(
                JobErrorCode::Unreadable,
                format!("The file is {what}: {err}"),
            )
        }
    }
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

/// The decompressed text may be no longer than the import limit: a small gzip bomb must not keep
/// the panel (and MariaDB) busy with gigabytes.
struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("The file decompresses to more than {} (the import limit); split it, or ask the operator for a higher NOBREGAS_IMPORT_LIMIT.", types::model::human_size(*.0))]
struct TooLarge(u64);

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte more would tell the end of the file from a file that goes on.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(TooLarge(self.limit))),
            };
        }
        let room = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..room])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_line_round_trips() {
        let tables = vec![TableChecksum {
            name: "t".into(),
            rows: 3,
            checksum: 42,
        }];
        let line = manifest_line("acme_shop", &tables);
        assert!(line.ends_with('\n') && !line[..line.len() - 1].contains('\n'));
        assert_eq!(parse_manifest(line.as_bytes()), Some(tables));
        assert_eq!(parse_manifest(b"-- MariaDB dump 10.19\n"), None);
    }

    #[test]
    fn decompressed_text_stops_at_the_limit() {
        let mut exact = Capped {
            inner: Cursor::new(vec![b'x'; 10]),
            left: 10,
            limit: 10,
        };
        assert_eq!(std::io::copy(&mut exact, &mut std::io::sink()).unwrap(), 10);
        let mut over = Capped {
            inner: Cursor::new(vec![b'x'; 11]),
            left: 10,
            limit: 10,
        };
        let err = std::io::copy(&mut over, &mut std::io::sink()).unwrap_err();
        let failure = unreadable(true)(err);
        assert_eq!(
            failure.code,
            Some(JobErrorCode::ImportTooLarge),
            "{}",
            failure.message
        );
    }
}
