//! `nobregas rows …`: a table's rows page by page, changed by key, exported and imported. Values
//! are JSON as the API writes them (`{"id":7,"name":"item7"}`; binary as base64, NULL as null).
use crate::api::{Api, Body, Failure};
use crate::output::{Output, any_table, cell, save_body, show, write_body};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::ProgressBar;
use std::io::Read;
use std::path::PathBuf;
use types::tables::{
    DeleteRows, InsertRow, MAX_IMPORT_BYTES, RowRef, RowsQuery, TableExportFormat, UpdateRow,
    Values,
};

#[derive(Subcommand)]
pub enum RowsCommand {
    /// One page of rows. When there is another, the last line on stderr is `next: <key>`: pass
    /// it to --after for the next page.
    List {
        database: String,
        table: String,
        #[command(flatten)]
        view: View,
    },
    /// Insert a row (`--values '{"name":"x"}'`); columns left out take their defaults.
    Insert {
        database: String,
        table: String,
        #[arg(long, value_name = "JSON")]
        values: String,
    },
    /// Change one row by its key, only while it still holds --old: otherwise the panel answers
    /// row_changed and nothing is written.
    Update {
        database: String,
        table: String,
        /// The row's key: `{"id":7}`.
        #[arg(long, value_name = "JSON")]
        key: String,
        /// The values you last saw, for the columns you change (or more).
        #[arg(long, value_name = "JSON")]
        old: Option<String>,
        #[arg(long, value_name = "JSON")]
        set: String,
    },
    /// Delete rows by key, each only while it still holds its --old; one that changed deletes
    /// none (on transactional tables).
    Delete {
        database: String,
        table: String,
        /// A row's key (`{"id":7}`); repeat for more rows.
        #[arg(long, value_name = "JSON", required_unless_present = "rows")]
        key: Vec<String>,
        /// The values the row must still hold: none, or one per --key, in the same order.
        #[arg(long, value_name = "JSON")]
        old: Vec<String>,
        /// All rows at once: `[{"key":{"id":7},"old":{"name":"item7"}}, …]`.
        #[arg(long, value_name = "JSON", conflicts_with_all = ["key", "old"])]
        rows: Option<String>,
    },
    /// The rows (or a filtered view of them) as a file, streamed to stdout or --output-file.
    Export {
        database: String,
        table: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        #[command(flatten)]
        view: View,
        #[arg(short = 'o', long)]
        output_file: Option<PathBuf>,
    },
    /// Load CSV (UTF-8, at most 64 MiB; `-` reads standard input) in one transaction: a bad
    /// record leaves the table as it was.
    Import {
        database: String,
        table: String,
        file: PathBuf,
        /// The table column of each CSV column, in order; `-` skips one: `id,name,-,price`.
        #[arg(long)]
        columns: String,
        /// The first line is a record, not the column names.
        #[arg(long)]
        no_header: bool,
    },
}

/// Which rows, in which order: the grid's view, as the API reads it.
#[derive(Args)]
pub struct View {
    /// Rows a page holds: 1 to 10000 (`list` default 50; `export` default every row).
    #[arg(long)]
    limit: Option<u32>,
    /// Start after the row with this key (the `next:` of the page before).
    #[arg(long, value_name = "KEY")]
    after: Option<String>,
    /// `COLUMN` or `COLUMN.desc`; the key breaks ties.
    #[arg(long, value_name = "COLUMN[.desc]")]
    order: Option<String>,
    /// `COLUMN.OP.VALUE` with OP eq, neq, lt, gt, like or in (`id.in.1,2,3`), or `COLUMN.is.null`
    /// / `COLUMN.is.notnull`; repeat for AND.
    #[arg(long, value_name = "COLUMN.OP.VALUE")]
    filter: Vec<String>,
}

impl From<View> for RowsQuery {
    fn from(view: View) -> Self {
        Self {
            limit: view.limit,
            after: view.after,
            order: view.order,
            filters: view.filter,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// RFC 4180 with a header row; NULL is an empty field, the empty string `""`.
    Csv,
    /// A JSON array of objects, one per row.
    Json,
    /// `INSERT` statements, 100 rows each.
    Sql,
}

impl From<Format> for TableExportFormat {
    fn from(format: Format) -> Self {
        match format {
            Format::Csv => Self::Csv,
            Format::Json => Self::Json,
            Format::Sql => Self::Sql,
        }
    }
}

impl RowsCommand {
    /// `key_on_stdin`: standard input already gave the API key, so it cannot give a CSV too.
    pub async fn run(self, api: &Api, output: Output, key_on_stdin: bool) -> Result<(), Failure> {
        let client = api.client();
        match self {
            Self::List {
                database,
                table,
                view,
            } => {
                let answer = client.list_rows(&database, &table, &view.into()).await?;
                let page = &answer.value;
                show(output, &Body::from(&answer), || {
                    let header = page.columns.iter().map(|c| c.name.clone()).collect();
                    let rows = page.rows.iter().map(|row| row.iter().map(cell).collect());
                    Ok(any_table(header, rows))
                })?;
                if output == Output::Table {
                    if let Some(reason) = &page.read_only_reason {
                        eprintln!("Rows are read-only here: {reason}");
                    }
                    if let Some(next) = &page.next {
                        eprintln!("next: {next}");
                    }
                }
                Ok(())
            }
            Self::Insert {
                database,
                table,
                values,
            } => {
                let request = InsertRow {
                    values: object("values", &values)?,
                };
                let answer = client.insert_row(&database, &table, &request).await?;
                show(output, &Body::from(&answer), || Ok(row(&answer.value.row)))
            }
            Self::Update {
                database,
                table,
                key,
                old,
                set,
            } => {
                let request = UpdateRow {
                    key: object("key", &key)?,
                    old: old.map_or(Ok(Values::new()), |old| object("old", &old))?,
                    set: object("set", &set)?,
                };
                let answer = client.update_row(&database, &table, &request).await?;
                show(output, &Body::from(&answer), || Ok(row(&answer.value.row)))
            }
            Self::Delete {
                database,
                table,
                key,
                old,
                rows,
            } => {
                let request = DeleteRows {
                    rows: row_refs(key, old, rows)?,
                };
                let answer = client.delete_rows(&database, &table, &request).await?;
                show(output, &Body::from(&answer), || {
                    Ok(format!("Deleted {} row(s).", answer.value.deleted))
                })
            }
            Self::Export {
                database,
                table,
                format,
                view,
                output_file,
            } => {
                let response = client
                    .export_table(&database, &table, &view.into(), format.into())
                    .await?;
                let bar = ProgressBar::hidden();
                match output_file {
                    Some(path) => save_body(response, &path, "export", &bar).await,
                    None => {
                        write_body(response, &mut std::io::stdout().lock(), "export", &bar).await
                    }
                }
            }
            Self::Import {
                database,
                table,
                file,
                columns,
                no_header,
            } => {
                let csv = read_csv(&file, key_on_stdin)?;
                let columns: Vec<Option<&str>> = columns
                    .split(',')
                    .map(|name| Some(name).filter(|n| !n.is_empty() && *n != "-"))
                    .collect();
                let answer = client
                    .import_rows(&database, &table, &columns, !no_header, csv)
                    .await?;
                show(output, &Body::from(&answer), || {
                    Ok(format!(
                        "Imported {} row(s) into {table}.",
                        answer.value.inserted
                    ))
                })
            }
        }
    }
}

/// A JSON object argument (`--key '{"id":7}'`).
fn object(flag: &str, raw: &str) -> Result<Values, Failure> {
    serde_json::from_str(raw).map_err(|err| {
        Failure::usage(format!(
            "--{flag} must be a JSON object of column values ({{\"id\":7}}): {err}"
        ))
    })
}

/// `delete`'s rows: `--rows`, or each `--key` with the `--old` in the same place (if any).
fn row_refs(
    keys: Vec<String>,
    olds: Vec<String>,
    rows: Option<String>,
) -> Result<Vec<RowRef>, Failure> {
    if let Some(rows) = rows {
        return serde_json::from_str(&rows).map_err(|err| {
            Failure::usage(format!(
                "--rows must be a JSON array of {{\"key\":{{…}},\"old\":{{…}}}}: {err}"
            ))
        });
    }
    if !olds.is_empty() && olds.len() != keys.len() {
        return Err(Failure::usage(
            "Give --old once per --key, in the same order (or not at all).",
        ));
    }
    let mut olds = olds.into_iter();
    keys.iter()
        .map(|key| {
            Ok(RowRef {
                key: object("key", key)?,
                old: olds
                    .next()
                    .map_or(Ok(Values::new()), |old| object("old", &old))?,
            })
        })
        .collect()
}

/// One written row as a one-line table (columns by name: the answer is a JSON object).
fn row(values: &Values) -> String {
    any_table(
        values.keys().cloned().collect(),
        [values.values().map(cell).collect()],
    )
}

/// The CSV to import, refused here when it is larger than one import may be.
fn read_csv(file: &PathBuf, key_on_stdin: bool) -> Result<Vec<u8>, Failure> {
    let too_large = || {
        Failure::usage(format!(
            "{} is larger than {} MiB, the most one import takes: split it.",
            file.display(),
            MAX_IMPORT_BYTES / 1024 / 1024
        ))
    };
    let mut csv = Vec::new();
    if file.as_os_str() == "-" {
        if key_on_stdin {
            return Err(Failure::usage(
                "Standard input holds the API key; give the CSV as a file.",
            ));
        }
        let limit = MAX_IMPORT_BYTES as u64 + 1;
        std::io::stdin().lock().take(limit).read_to_end(&mut csv)?;
    } else {
        let mut opened = std::fs::File::open(file)
            .map_err(|err| Failure::usage(format!("Cannot read {}: {err}", file.display())))?;
        if opened.metadata()?.len() > MAX_IMPORT_BYTES as u64 {
            return Err(too_large());
        }
        opened.read_to_end(&mut csv)?;
    }
    if csv.len() > MAX_IMPORT_BYTES {
        return Err(too_large());
    }
    Ok(csv)
}
