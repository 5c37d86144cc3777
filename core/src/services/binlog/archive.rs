//! One server's archiver: reads the server's binary log as a replica would (`COM_BINLOG_DUMP`, as
//! the server's admin) and appends every event to the archive's copy of its file, recording the
//! position once the bytes are on disk. Restarted, it resumes where the store says it stood;
//! started for the first time, at the beginning of the server's current file.
use super::segments::{self, Segment};
use super::{requirements, status};
use crate::domain::time;
use crate::managed::fleet::Server;
use crate::store::Store;
use futures_util::StreamExt;
use mysql_async::binlog::EventType;
use mysql_async::binlog::events::{Event, RotateEvent};
use mysql_async::prelude::Queryable;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Nothing from the server for this long: the archive holds all it has written.
const IDLE: Duration = Duration::from_secs(1);
/// How often the position is recorded while events keep coming.
const SAVE_EVERY: Duration = Duration::from_secs(1);
/// After an error, the next attempt.
const RETRY_AFTER: Duration = Duration::from_secs(5);
/// A server that lacks something is asked again this often.
const RECHECK_AFTER: Duration = Duration::from_secs(60);
/// MariaDB sends its own events (GTIDs, annotations) to a replica that says it reads them,
/// instead of placeholders: the archive's files are then the server's, byte for byte.
const MARIADB_SLAVE_CAPABILITY_GTID: u8 = 4;
/// MariaDB's "could not find the file/position" (the log was purged before it was archived).
const ER_MASTER_FATAL_ERROR_READING_BINLOG: &str = "1236";

/// Told a server's lag in seconds (`/metrics`).
pub type LagReport = Arc<dyn Fn(&str, i64) + Send + Sync>;

pub struct Archiver {
    pub store: Store,
    pub server: Arc<Server>,
    /// `<data dir>/binlog/<server>`.
    pub dir: PathBuf,
    /// Files whose last event is older are removed.
    pub retention: Duration,
    pub on_lag: LagReport,
}

impl Archiver {
    /// Runs until the task is aborted (the instance lost the maintenance lease, or stops).
    pub async fn run(self) {
        let name = self.server.name.clone();
        loop {
            let wait = match requirements::missing(&self.server.pool).await {
                Err(err) => {
                    self.stopped(&format!("error: the server did not answer: {err}"))
                        .await;
                    RETRY_AFTER
                }
                Ok(missing) if !missing.is_empty() => {
                    self.stopped(&requirements::explain(&name, &missing)).await;
                    RECHECK_AFTER
                }
                Ok(_) => match self.stream().await {
                    Ok(()) => Duration::ZERO,
                    Err(err) => {
                        tracing::warn!(server = name, error = %err, "the binary log archive stopped; retrying");
                        if err.contains(ER_MASTER_FATAL_ERROR_READING_BINLOG) {
                            let _ = status::forget_position(&self.store, &name).await;
                        }
                        self.stopped(&format!("error: {err}")).await;
                        RETRY_AFTER
                    }
                },
            };
            self.report_lag().await;
            tokio::time::sleep(wait).await;
        }
    }

    async fn stopped(&self, state: &str) {
        if let Err(err) = status::save_state(&self.store, &self.server.name, state).await {
            tracing::warn!(server = self.server.name, error = %err, "could not record the archive's state");
        }
    }

    async fn report_lag(&self) {
        if let Ok(Some(archive)) = status::of(&self.store, &self.server.name).await
            && let Some(lag) = archive.lag(time::now())
        {
            (self.on_lag)(&self.server.name, lag);
        }
    }

    /// Where to start: where the archive stands, unless its copy of that file is shorter (lost):
    /// then that file again from its start. First time: the server's current file.
    async fn start(&self) -> Result<(String, u64, Option<i64>), String> {
        let archive = status::of(&self.store, &self.server.name)
            .await
            .map_err(|err| err.to_string())?;
        let synced = archive.as_ref().and_then(|archive| archive.synced_at);
        let (file, pos) = match archive.and_then(|archive| archive.position) {
            Some(position) => position,
            None => current_file(&self.server).await?,
        };
        segments::checked_name(&file)?;
        let pos = if segments::archived_len(&self.dir, &file) < pos {
            segments::FIRST_EVENT
        } else {
            pos
        };
        Ok((file, pos, synced))
    }

    async fn stream(&self) -> Result<(), String> {
        let name = &self.server.name;
        let (file, pos, synced) = self.start().await?;
        let mut conn = mysql_async::Conn::new(self.server.admin_session_options())
            .await
            .map_err(|err| format!("could not log in as the admin: {err}"))?;
        let master_id: u32 = conn
            .query_first("SELECT @@server_id")
            .await
            .map_err(|err| err.to_string())?
            .unwrap_or(0);
        conn.query_drop(format!(
            "SET @mariadb_slave_capability = {MARIADB_SLAVE_CAPABILITY_GTID}"
        ))
        .await
        .map_err(|err| err.to_string())?;
        let request = mysql_async::BinlogStreamRequest::new(replica_id(name, master_id))
            .with_filename(file.as_bytes())
            .with_pos(pos);
        let mut stream = conn
            .get_binlog_stream(request)
            .await
            .map_err(|err| err.to_string())?;
        let mut segment = Segment::open(&self.dir, &file, pos).map_err(|err| err.to_string())?;
        // Until an event or the server says otherwise, the archive holds what it held before:
        // claiming more would let a restore replay an archive with a gap.
        let mut last_event_at = synced.unwrap_or(0);
        let mut saved = Instant::now();
        loop {
            let event = match tokio::time::timeout(IDLE, stream.next()).await {
                // Nothing came for a while: caught up, if the server's own position agrees.
                Err(_) => {
                    let caught_up =
                        server_position(&self.server).await? == (segment.name.clone(), segment.len);
                    let synced_at = if caught_up {
                        time::now()
                    } else {
                        last_event_at
                    };
                    self.save(&mut segment, last_event_at, synced_at).await?;
                    (self.on_lag)(name, (time::now() - synced_at).max(0));
                    saved = Instant::now();
                    continue;
                }
                Ok(None) => return Err("the server ended the binary log stream".into()),
                Ok(Some(Err(err))) => return Err(err.to_string()),
                Ok(Some(Ok(event))) => event,
            };
            let header = event.header();
            let end = u64::from(header.log_pos());
            if header.event_type_raw() == EventType::ROTATE_EVENT as u8 {
                let next = rotation(&event)?;
                if end != 0 {
                    // The last event of a file: it ends there; the next file follows.
                    segment.append(&event, end)?;
                }
                if next.0 != segment.name {
                    self.save(&mut segment, last_event_at, last_event_at)
                        .await?;
                    segments::checked_name(&next.0)?;
                    segment =
                        Segment::open(&self.dir, &next.0, next.1).map_err(|err| err.to_string())?;
                    self.expire(&segment.name).await;
                }
                continue;
            }
            // Events the server makes up for a replica that starts mid-file (the format
            // description again, the GTID list) are not in the file: position 0.
            if end == 0 {
                continue;
            }
            segment.append(&event, end)?;
            last_event_at = i64::from(header.timestamp());
            if saved.elapsed() >= SAVE_EVERY {
                self.save(&mut segment, last_event_at, last_event_at)
                    .await?;
                let lag = (time::now() - last_event_at).max(0);
                (self.on_lag)(name, lag);
                saved = Instant::now();
            }
        }
    }

    /// The bytes on disk, then the position and the window in the store.
    async fn save(
        &self,
        segment: &mut Segment,
        event_at: i64,
        synced_at: i64,
    ) -> Result<(), String> {
        segment
            .sync()
            .map_err(|err| format!("could not write the archive: {err}"))?;
        let name = &self.server.name;
        // Before its first event a file covers no second yet (0 would read as long expired).
        if event_at > 0 {
            segments::note(&self.store, name, &segment.name, event_at, segment.len)
                .await
                .map_err(|err| err.to_string())?;
        }
        status::save_position(&self.store, name, (&segment.name, segment.len), synced_at)
            .await
            .map_err(|err| err.to_string())
    }

    async fn expire(&self, current: &str) {
        if let Err(err) = segments::expire(
            &self.store,
            &self.dir,
            &self.server.name,
            self.retention,
            current,
        )
        .await
        {
            tracing::warn!(server = self.server.name, error = %err, "could not expire old binary log files");
        }
    }
}

/// The file a rotate event switches to, and where in it. The rotate a replica gets first comes
/// before any format description, so the reader cannot know its last four bytes are a checksum:
/// they are cut when they are one.
fn rotation(event: &Event) -> Result<(String, u64), String> {
    let rotate: RotateEvent<'_> = event
        .read_event()
        .map_err(|err| format!("an unreadable rotate event: {err}"))?;
    let mut name = rotate.name_raw().to_vec();
    // Read without a known checksum, the event's bytes are the server's as sent.
    let unchecked = !matches!(event.footer().get_checksum_alg(), Ok(Some(alg)) if alg != mysql_async::binlog::BinlogChecksumAlg::BINLOG_CHECKSUM_ALG_OFF);
    let mut bytes = Vec::new();
    let _ = event.write(mysql_async::binlog::BinlogVersion::Version4, &mut bytes);
    if let Some(at) = bytes.len().checked_sub(4)
        && unchecked
        && name.len() > 4
        && crc32fast::hash(&bytes[..at]).to_le_bytes() == bytes[at..]
    {
        name.truncate(name.len() - 4);
    }
    Ok((
        String::from_utf8_lossy(&name).into_owned(),
        rotate.position(),
    ))
}

/// The server's binary log file being written now, from its start.
async fn current_file(server: &Server) -> Result<(String, u64), String> {
    let (file, _) = server_position(server).await?;
    Ok((file, segments::FIRST_EVENT))
}

/// The file the server writes now and the position after its last event.
async fn server_position(server: &Server) -> Result<(String, u64), String> {
    let row: Option<(String, u64)> = sqlx::query("SHOW MASTER STATUS")
        .fetch_optional(&server.pool)
        .await
        .map_err(|err| format!("SHOW MASTER STATUS failed: {err}"))?
        .map(|row: sqlx::mysql::MySqlRow| {
            use sqlx::Row;
            (
                row.try_get::<String, _>(0).unwrap_or_default(),
                row.try_get::<u64, _>(1).unwrap_or(0),
            )
        });
    row.ok_or_else(|| "the server writes no binary log (SHOW MASTER STATUS is empty)".to_owned())
}

/// The replica id the archiver announces: fixed per server name (a second archiver of the same
/// server replaces the first rather than doubling it), never the server's own.
fn replica_id(server: &str, master_id: u32) -> u32 {
    let id = 1_000_000_000
        + crc32fast::hash(format!("nobregas-archive:{server}").as_bytes()) % 1_000_000_000;
    if id == master_id { id + 1 } else { id }
}
