//! `nobregas tables …`: a database's tables and their structure. Each change prints the statement
//! it ran (or, with `--dry-run`, would run) on stdout.
use crate::api::{Api, Body, Failure};
use crate::output::{Output, confirm, show, size, table};
use clap::Subcommand;
use nobregas_client::Answer;
use std::io::Read;
use types::tables::ddl::{
    AddColumn, AddIndex, ColumnDefinition, CreateTable, IndexKind, Position, RenameTable,
};
use types::tables::{StatementRun, TableStructure};

#[derive(Subcommand)]
pub enum TablesCommand {
    /// Every table and view; ROWS is the engine's estimate (exact for MyISAM and Aria).
    List { database: String },
    /// Columns, indexes, foreign keys and triggers.
    Show {
        database: String,
        table: String,
        /// Print `SHOW CREATE TABLE` instead.
        #[arg(long)]
        sql: bool,
    },
    /// Create a table from the API's JSON request: `{"name":"t","columns":[{"name":"id",
    /// "type":"INT","nullable":false,"auto_increment":true}],"primary_key":["id"]}`.
    Create {
        database: String,
        /// The JSON request's file, or `-` for standard input.
        #[arg(long, value_name = "FILE|-")]
        json_body: String,
        #[arg(long)]
        dry_run: bool,
    },
    /// Drop a table and its rows (asked first; --yes without a terminal).
    Drop {
        database: String,
        table: String,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        yes: bool,
    },
    /// Rename a table within its database.
    Rename {
        database: String,
        table: String,
        new_name: String,
        #[arg(long)]
        dry_run: bool,
    },
    /// Delete every row (asked first; --yes without a terminal).
    Truncate {
        database: String,
        table: String,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        yes: bool,
    },
    /// Add a column; last unless --first or --after.
    AddColumn {
        database: String,
        table: String,
        name: String,
        /// A MariaDB type: `INT UNSIGNED`, `VARCHAR(255)`, `DECIMAL(10,2)`, `ENUM('a','b')`, …
        #[arg(value_name = "TYPE")]
        column_type: String,
        #[arg(long)]
        not_null: bool,
        /// A literal default (MariaDB converts it to the type).
        #[arg(long)]
        default: Option<String>,
        #[arg(long, value_name = "COLUMN", conflicts_with = "first")]
        after: Option<String>,
        #[arg(long)]
        first: bool,
        #[arg(long)]
        dry_run: bool,
    },
    /// Drop a column and its values (asked first; --yes without a terminal).
    DropColumn {
        database: String,
        table: String,
        column: String,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        yes: bool,
    },
    /// Add an index on COLUMNS, in that order.
    AddIndex {
        database: String,
        table: String,
        name: String,
        #[arg(required = true)]
        columns: Vec<String>,
        #[arg(long, conflicts_with = "fulltext")]
        unique: bool,
        #[arg(long)]
        fulltext: bool,
        #[arg(long)]
        dry_run: bool,
    },
    /// Drop an index (`PRIMARY`: the primary key).
    DropIndex {
        database: String,
        table: String,
        name: String,
        #[arg(long)]
        dry_run: bool,
    },
}

impl TablesCommand {
    /// `key_on_stdin`: standard input already gave the API key, so it cannot give a request too.
    pub async fn run(self, api: &Api, output: Output, key_on_stdin: bool) -> Result<(), Failure> {
        let client = api.client();
        match self {
            Self::List { database } => {
                let answer = client.list_tables(&database).await?;
                show(output, &Body::from(&answer), || {
                    let rows = answer.value.tables.into_iter().map(|t| {
                        [
                            t.name,
                            t.kind,
                            t.engine.unwrap_or_default(),
                            t.estimated_rows.map(|n| n.to_string()).unwrap_or_default(),
                            t.data_bytes.map(size).unwrap_or_default(),
                            t.index_bytes.map(size).unwrap_or_default(),
                            t.collation.unwrap_or_default(),
                        ]
                    });
                    Ok(table(
                        [
                            "NAME",
                            "KIND",
                            "ENGINE",
                            "ROWS",
                            "DATA",
                            "INDEX",
                            "COLLATION",
                        ],
                        rows,
                    ))
                })
            }
            Self::Show {
                database,
                table,
                sql,
            } => {
                let answer = client.get_table(&database, &table).await?;
                show(output, &Body::from(&answer), || {
                    Ok(if sql {
                        answer.value.create_sql
                    } else {
                        structure(&answer.value)
                    })
                })
            }
            Self::Create {
                database,
                json_body,
                dry_run,
            } => {
                let mut request = create_request(&json_body, key_on_stdin)?;
                request.dry_run |= dry_run;
                let answer = client.create_table(&database, &request).await?;
                ran(output, &answer, format!("Created table {}.", request.name))
            }
            Self::Drop {
                database,
                table,
                dry_run,
                yes,
            } => {
                let question = format!("Drop table {table} of {database} and every row in it?");
                confirm_change(dry_run, &question, yes)?;
                let answer = client.drop_table(&database, &table, dry_run).await?;
                ran(output, &answer, format!("Dropped table {table}."))
            }
            Self::Rename {
                database,
                table,
                new_name,
                dry_run,
            } => {
                let request = RenameTable {
                    name: new_name,
                    dry_run,
                };
                let answer = client.rename_table(&database, &table, &request).await?;
                let done = format!("Renamed table {table} to {}.", request.name);
                ran(output, &answer, done)
            }
            Self::Truncate {
                database,
                table,
                dry_run,
                yes,
            } => {
                let question = format!("Delete every row of {table} in {database}?");
                confirm_change(dry_run, &question, yes)?;
                let answer = client.truncate_table(&database, &table, dry_run).await?;
                ran(output, &answer, format!("Emptied table {table}."))
            }
            Self::AddColumn {
                database,
                table,
                name,
                column_type,
                not_null,
                default,
                after,
                first,
                dry_run,
            } => {
                let request = AddColumn {
                    column: ColumnDefinition {
                        name,
                        column_type,
                        nullable: !not_null,
                        default,
                        default_expression: None,
                        auto_increment: false,
                        comment: None,
                    },
                    position: (first || after.is_some()).then_some(Position { first, after }),
                    dry_run,
                };
                let answer = client.add_column(&database, &table, &request).await?;
                let done = format!("Added column {} to {table}.", request.column.name);
                ran(output, &answer, done)
            }
            Self::DropColumn {
                database,
                table,
                column,
                dry_run,
                yes,
            } => {
                let question = format!("Drop column {column} of {table} and its values?");
                confirm_change(dry_run, &question, yes)?;
                let answer = client
                    .drop_column(&database, &table, &column, dry_run)
                    .await?;
                ran(output, &answer, format!("Dropped column {column}."))
            }
            Self::AddIndex {
                database,
                table,
                name,
                columns,
                unique,
                fulltext,
                dry_run,
            } => {
                let kind = match (unique, fulltext) {
                    (true, _) => IndexKind::Unique,
                    (_, true) => IndexKind::Fulltext,
                    _ => IndexKind::Index,
                };
                let request = AddIndex {
                    name,
                    columns,
                    kind,
                    dry_run,
                };
                let answer = client.add_index(&database, &table, &request).await?;
                ran(output, &answer, format!("Added index {}.", request.name))
            }
            Self::DropIndex {
                database,
                table,
                name,
                dry_run,
            } => {
                let answer = client.drop_index(&database, &table, &name, dry_run).await?;
                ran(output, &answer, format!("Dropped index {name}."))
            }
        }
    }
}

/// The create request from a file or standard input, checked before it is sent.
fn create_request(source: &str, key_on_stdin: bool) -> Result<CreateTable, Failure> {
    let text = if source == "-" {
        if key_on_stdin {
            return Err(Failure::usage(
                "Standard input holds the API key; give --json-body a file.",
            ));
        }
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    } else {
        std::fs::read_to_string(source)
            .map_err(|err| Failure::usage(format!("Cannot read {source}: {err}")))?
    };
    serde_json::from_str(&text).map_err(|err| {
        Failure::usage(format!(
            "--json-body is not a create-table request (name, columns, primary_key, comment): {err}"
        ))
    })
}

/// Changes that lose data ask first, unless they only show their statement.
fn confirm_change(dry_run: bool, question: &str, yes: bool) -> Result<(), Failure> {
    if dry_run {
        Ok(())
    } else {
        confirm(question, yes)
    }
}

/// The statement on stdout (for people and pipes alike); what happened on stderr.
fn ran(output: Output, answer: &Answer<StatementRun>, done: String) -> Result<(), Failure> {
    show(output, &Body::from(answer), || Ok(answer.value.sql.clone()))?;
    if output == Output::Table {
        if answer.value.applied {
            eprintln!("{done}");
        } else {
            eprintln!("Dry run: nothing was changed.");
        }
    }
    Ok(())
}

/// `tables show`: the facts, then one table per part that the table has.
fn structure(shape: &TableStructure) -> String {
    let facts = table(
        ["NAME", "KIND", "ENGINE", "COLLATION", "ROW KEY"],
        [[
            shape.name.clone(),
            shape.kind.clone(),
            shape.engine.clone().unwrap_or_default(),
            shape.collation.clone().unwrap_or_default(),
            shape.key.join(", "),
        ]],
    );
    let columns = table(
        [
            "COLUMN", "TYPE", "NULL", "DEFAULT", "KEY", "EXTRA", "COMMENT",
        ],
        shape.columns.iter().map(|c| {
            [
                c.name.clone(),
                c.column_type.clone(),
                if c.nullable { "YES" } else { "NO" }.to_owned(),
                c.default.clone().unwrap_or_default(),
                c.key.clone(),
                c.extra.clone(),
                c.comment.clone(),
            ]
        }),
    );
    let mut parts = vec![facts, columns];
    if !shape.indexes.is_empty() {
        parts.push(table(
            ["INDEX", "UNIQUE", "KIND", "COLUMNS"],
            shape.indexes.iter().map(|i| {
                [
                    i.name.clone(),
                    if i.unique { "yes" } else { "no" }.to_owned(),
                    i.kind.clone(),
                    i.columns.join(", "),
                ]
            }),
        ));
    }
    if !shape.foreign_keys.is_empty() {
        parts.push(table(
            [
                "FOREIGN KEY",
                "COLUMNS",
                "REFERENCES",
                "ON UPDATE",
                "ON DELETE",
            ],
            shape.foreign_keys.iter().map(|f| {
                [
                    f.name.clone(),
                    f.columns.join(", "),
                    format!(
                        "{}({})",
                        f.referenced_table,
                        f.referenced_columns.join(", ")
                    ),
                    f.on_update.clone(),
                    f.on_delete.clone(),
                ]
            }),
        ));
    }
    if !shape.triggers.is_empty() {
        parts.push(table(
            ["TRIGGER", "TIMING", "EVENT", "STATEMENT"],
            shape.triggers.iter().map(|t| {
                [
                    t.name.clone(),
                    t.timing.clone(),
                    t.event.clone(),
                    // One line, so the table stays a table.
                    t.statement.split_whitespace().collect::<Vec<_>>().join(" "),
                ]
            }),
        ));
    }
    if let Some(reason) = &shape.read_only_reason {
        parts.push(format!("Rows are read-only here: {reason}"));
    }
    parts.join("\n\n")
}
