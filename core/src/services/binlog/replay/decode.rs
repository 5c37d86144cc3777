//! The archive's files read back, from a full backup's place in the log up to a second: the
//! changes of one database, in order, as literals ready for SQL. Runs on a blocking thread.
use super::literal::literal;
use mysql_async::binlog::BinlogVersion;
use mysql_async::binlog::EventType;
use mysql_async::binlog::events::{
    BinlogEventHeader, Event, EventData, FormatDescriptionEvent, RowsEventData, TableMapEvent,
};
use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// MariaDB's own event that starts every transaction and statement (its GTID).
const MARIADB_GTID_EVENT: u8 = 162;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKind {
    Insert,
    Update,
    Delete,
}

/// A row's values (literals) before and after a change: an insert has only after, a delete only
/// before.
pub type RowImages = (Option<Vec<String>>, Option<Vec<String>>);

/// One change of the source database, in the order the server made them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A transaction (or a statement of its own) starts.
    Begin,
    /// Rows of one table: each with its values before (update, delete) and after (insert, update).
    Rows {
        table: String,
        kind: RowKind,
        rows: Vec<RowImages>,
    },
    /// A statement run with the source as its default database (table definitions).
    Statement {
        sql: String,
        at: i64,
    },
    Commit,
    /// A transaction that changed only non-transactional tables ends without effect here.
    Rollback,
}

/// What to read: `files` (the archive's copies, in the server's order) from `start`'s position in
/// the first, the changes of `source` up to and including the second `until`.
#[derive(Debug, Clone)]
pub struct Reading {
    pub files: Vec<PathBuf>,
    pub start: u64,
    pub source: String,
    pub until: i64,
}

/// Sends each change of `reading.source` to `send` until `until`; `send` returning false stops.
pub fn read(reading: &Reading, mut send: impl FnMut(Change) -> bool) -> Result<(), String> {
    let mut state = State {
        source: reading.source.as_str(),
        until: reading.until,
        tables: HashMap::new(),
    };
    for (n, file) in reading.files.iter().enumerate() {
        let start = if n == 0 { reading.start } else { 0 };
        match read_file(file, start, &mut state, &mut send)? {
            Flow::Go => {}
            Flow::Stop => break,
        }
    }
    Ok(())
}

enum Flow {
    Go,
    Stop,
}

struct State<'a> {
    source: &'a str,
    until: i64,
    tables: HashMap<u64, TableMapEvent<'static>>,
}

fn read_file(
    path: &Path,
    start: u64,
    state: &mut State<'_>,
    send: &mut impl FnMut(Change) -> bool,
) -> Result<Flow, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let failed = |what: String| format!("{name}: {what}");
    let file =
        std::fs::File::open(path).map_err(|err| failed(format!("cannot be read ({err})")))?;
    let mut input = BufReader::with_capacity(1 << 20, file);
    let mut magic = [0u8; 4];
    input
        .read_exact(&mut magic)
        .map_err(|err| failed(format!("is not a binary log ({err})")))?;
    let mut fde = FormatDescriptionEvent::new(BinlogVersion::Version4);
    let mut buffer = Vec::new();
    while let Some(event) = next_event(&mut input, &fde, &mut buffer).map_err(failed)? {
        let header = event.header();
        let end = u64::from(header.log_pos());
        let kind = header.event_type_raw();
        if kind == EventType::FORMAT_DESCRIPTION_EVENT as u8 {
            if let Ok(Some(EventData::FormatDescriptionEvent(description))) = event.read_data() {
                fde = description.into_owned();
            }
            continue;
        }
        if end <= start {
            continue;
        }
        let at = i64::from(header.timestamp());
        if kind == MARIADB_GTID_EVENT {
            if at > state.until {
                return Ok(Flow::Stop);
            }
            if !send(Change::Begin) {
                return Ok(Flow::Stop);
            }
            continue;
        }
        let data = event
            .read_data()
            .map_err(|err| failed(format!("an unreadable event at {end}: {err}")))?;
        let change = match data {
            Some(EventData::TableMapEvent(table)) => {
                state.tables.insert(table.table_id(), table.into_owned());
                None
            }
            Some(EventData::RowsEvent(rows)) => rows_change(&rows, state).map_err(failed)?,
            Some(EventData::XidEvent(_)) => Some(Change::Commit),
            Some(EventData::QueryEvent(query)) => {
                let sql = query.query().into_owned();
                match sql.trim().to_ascii_uppercase().as_str() {
                    "BEGIN" => None,
                    "COMMIT" => Some(Change::Commit),
                    "ROLLBACK" => Some(Change::Rollback),
                    _ if query.schema() == state.source => Some(Change::Statement { sql, at }),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(change) = change
            && !send(change)
        {
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Go)
}

/// The next whole event, or `None` at the end (a last event still being written is not whole).
fn next_event(
    input: &mut impl Read,
    fde: &FormatDescriptionEvent<'_>,
    buffer: &mut Vec<u8>,
) -> Result<Option<Event>, String> {
    buffer.clear();
    buffer.resize(BinlogEventHeader::LEN, 0);
    if !read_whole(input, buffer)? {
        return Ok(None);
    }
    let size = u32::from_le_bytes([buffer[9], buffer[10], buffer[11], buffer[12]]) as usize;
    if size < BinlogEventHeader::LEN {
        return Err(format!("an event of {size} bytes"));
    }
    buffer.resize(size, 0);
    if !read_whole(input, &mut buffer[BinlogEventHeader::LEN..])? {
        return Ok(None);
    }
    Event::read(fde, &buffer[..])
        .map(Some)
        .map_err(|err| format!("an unreadable event: {err}"))
}

/// Fills `buffer`; false when the file ends first.
fn read_whole(input: &mut impl Read, buffer: &mut [u8]) -> Result<bool, String> {
    match input.read_exact(buffer) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(err) => Err(err.to_string()),
    }
}

fn rows_change(rows: &RowsEventData<'_>, state: &State<'_>) -> Result<Option<Change>, String> {
    let Some(table) = state.tables.get(&rows.table_id()) else {
        return Err("a row event without its table map".into());
    };
    if table.database_name() != state.source {
        return Ok(None);
    }
    let kind = match rows {
        RowsEventData::WriteRowsEventV1(_) | RowsEventData::WriteRowsEvent(_) => RowKind::Insert,
        RowsEventData::UpdateRowsEventV1(_) | RowsEventData::UpdateRowsEvent(_) => RowKind::Update,
        RowsEventData::DeleteRowsEventV1(_) | RowsEventData::DeleteRowsEvent(_) => RowKind::Delete,
        RowsEventData::PartialUpdateRowsEvent(_) => {
            return Err("a partial row update (binlog_row_value_options=PARTIAL_JSON)".into());
        }
    };
    let mut changes = Vec::new();
    for row in rows.rows(table) {
        let (before, after) = row.map_err(|err| format!("an unreadable row: {err}"))?;
        let values = |row: Option<mysql_async::binlog::row::BinlogRow>| -> Result<Option<Vec<String>>, String> {
            let Some(row) = row else { return Ok(None) };
            let columns = row.columns();
            (0..row.len())
                .map(|i| literal(row.as_ref(i), columns[i].column_type()))
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        };
        changes.push((values(before)?, values(after)?));
    }
    Ok(Some(Change::Rows {
        table: table.table_name().into_owned(),
        kind,
        rows: changes,
    }))
}
