//! `nobregas query DATABASE [SQL | -]`: the statement runs as the account's own MySQL identity on
//! the server, exactly as in the Query tab.
use crate::api::{Api, Failure, segment};
use crate::output::{Output, any_table, cell, write_body};
use clap::Args;
use indicatif::ProgressBar;
use reqwest::Method;
use std::io::Read;
use types::query::{ExportFormat, ExportRequest, QueryRequest, StatementResult};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// RFC 4180 with a header row, streamed from the export endpoint (no row limit).
    Csv,
    /// The API's JSON answer, unchanged.
    Json,
}

#[derive(Args)]
pub struct QueryCommand {
    database: String,
    /// The statement(s); `-` or nothing reads them from standard input.
    sql: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Rows to return per statement (1–10000; the server's default is 1000).
    #[arg(long)]
    max_rows: Option<u32>,
}

impl QueryCommand {
    /// `key_on_stdin`: standard input already gave the API key, so the SQL must be an argument.
    pub async fn run(self, api: &Api, output: Output, key_on_stdin: bool) -> Result<(), Failure> {
        if key_on_stdin && self.sql.as_deref().is_none_or(|sql| sql == "-") {
            return Err(Failure::usage(
                "Standard input holds the API key; give the SQL as an argument.",
            ));
        }
        let format = if output == Output::Json {
            Format::Json
        } else {
            self.format
        };
        let sql = statement(self.sql)?;
        if format == Format::Csv {
            let path = format!("/api/databases/{}/query/export", segment(&self.database));
            return export(api, &path, sql).await;
        }
        let request = QueryRequest {
            max_rows: self.max_rows,
            ..QueryRequest::sql(sql)
        };
        let answer = api.client().run_query(&self.database, &request).await?;
        if format == Format::Json {
            println!("{}", answer.raw.trim_end());
            return Ok(());
        }
        for (index, result) in answer.value.results().iter().enumerate() {
            if index > 0 {
                println!();
            }
            print_result(result);
        }
        Ok(())
    }
}

/// The SQL argument, or standard input when it is `-` or missing.
fn statement(sql: Option<String>) -> Result<String, Failure> {
    match sql.as_deref() {
        Some(sql) if sql != "-" => Ok(sql.to_owned()),
        _ => {
            let mut sql = String::new();
            std::io::stdin().read_to_string(&mut sql)?;
            Ok(sql)
        }
    }
}

fn print_result(result: &StatementResult) {
    if result.columns.is_empty() {
        println!(
            "{} row(s) affected ({} ms)",
            result.rows_affected, result.elapsed_ms
        );
        return;
    }
    let header = result.columns.iter().map(|c| c.name.clone()).collect();
    println!(
        "{}",
        any_table(
            header,
            result.rows.iter().map(|row| row.iter().map(cell).collect())
        )
    );
    if result.truncated {
        eprintln!(
            "(only the first {} rows; use --max-rows, or --format csv for all of them)",
            result.row_count
        );
    }
}

async fn export(api: &Api, path: &str, sql: String) -> Result<(), Failure> {
    let request = ExportRequest {
        sql,
        format: ExportFormat::Csv,
        timeout_ms: None,
        query_id: None,
    };
    let response = api
        .response(api.request(Method::POST, path).json(&request))
        .await?;
    let stdout = &mut std::io::stdout().lock();
    write_body(response, stdout, "export", &ProgressBar::hidden()).await
}
