//! What the client prints and reads at the terminal: aligned tables (or the API's JSON unchanged),
//! confirmations for destructive commands, progress bars when someone is watching, one line of
//! standard input (a password, a leaked key), and streamed files (exports, downloads) written out.
use crate::api::{API_SAID_NO, Body, Failure};
use comfy_table::{Table, presets::NOTHING};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Aligned columns for people.
    Table,
    /// The API's JSON, unchanged (for jq).
    Json,
}

/// A table without borders: columns aligned by spaces, a header row.
pub fn table<const N: usize>(
    header: [&str; N],
    rows: impl IntoIterator<Item = [String; N]>,
) -> String {
    any_table(
        header.map(str::to_owned).to_vec(),
        rows.into_iter().map(|row| row.to_vec()),
    )
}

/// `table` for columns known only at run time (query results).
pub fn any_table(header: Vec<String>, rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut table = Table::new();
    table.load_preset(NOTHING).set_header(header);
    for row in rows {
        table.add_row(row);
    }
    // comfy-table pads every cell with a space each side; the line's first and trailing ones only
    // get in the way of grep and cut.
    let lines = table
        .to_string()
        .lines()
        .map(|line| line.trim_end().to_owned())
        .collect::<Vec<_>>();
    lines
        .iter()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A value as the mariadb client shows it: strings bare, NULL for null.
pub fn cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "NULL".to_owned(),
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Prints `human()` for tables, or the body as the API sent it for `--output json`.
pub fn show(
    output: Output,
    body: &Body,
    human: impl FnOnce() -> Result<String, Failure>,
) -> Result<(), Failure> {
    match output {
        Output::Json => println!("{}", body.0.trim_end()),
        Output::Table => {
            let text = human()?;
            if !text.is_empty() {
                println!("{text}");
            }
        }
    }
    Ok(())
}

/// Destructive commands: `--yes`, or a "y" typed at a terminal. Without a terminal and without
/// `--yes` nothing happens (exit 2): a script must say what it means.
pub fn confirm(question: &str, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Failure::usage(format!(
            "{question} Not confirmed: pass --yes when running without a terminal."
        )));
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Failure::usage("Cancelled."))
    }
}

/// One line of standard input, without its line end (a password, a leaked key).
pub fn read_stdin_line() -> Result<String, Failure> {
    let mut text = String::new();
    std::io::stdin().lock().read_line(&mut text)?;
    let line = text.trim_end_matches(['\r', '\n']).to_owned();
    if line.trim().is_empty() {
        return Err(Failure::usage("Expected a line on standard input."));
    }
    Ok(line)
}

/// A progress bar on stderr when it is a terminal; a hidden one (prints nothing) otherwise.
pub fn progress(total: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total.max(1));
    let style = ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar
}

/// Writes a streamed body to `out` as it arrives, moving `bar` by each chunk. A failure after the
/// first bytes arrives as an aborted body: that is a failure (`what` stopped), never a clean end.
pub async fn write_body(
    response: reqwest::Response,
    out: &mut impl Write,
    what: &str,
    bar: &ProgressBar,
) -> Result<(), Failure> {
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|err| Failure::new(API_SAID_NO, format!("The {what} stopped: {err}")))?;
        out.write_all(&chunk)?;
        bar.inc(chunk.len() as u64);
    }
    out.flush()?;
    Ok(())
}

/// Saves a streamed body as `to`: written beside it as `<to>.part` and renamed when complete, so
/// an interrupted transfer leaves no file that looks whole.
pub async fn save_body(
    response: reqwest::Response,
    to: &Path,
    what: &str,
    bar: &ProgressBar,
) -> Result<(), Failure> {
    let mut partial = to.as_os_str().to_owned();
    partial.push(".part");
    let mut file = std::fs::File::create(&partial)?;
    write_body(response, &mut file, what, bar).await?;
    file.sync_all()?;
    std::fs::rename(&partial, to)?;
    bar.finish_and_clear();
    eprintln!("Saved {}.", to.display());
    Ok(())
}

/// Bytes for people: 1.2 MiB.
pub fn size(bytes: u64) -> String {
    types::model::human_size(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_without_borders() {
        let text = table(
            ["NAME", "SIZE"],
            [
                ["acme_shop".to_owned(), "1 KiB".to_owned()],
                ["a".to_owned(), "2 B".to_owned()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        let column = lines[0].find("SIZE").unwrap();
        assert_eq!(lines[1].find("1 KiB"), Some(column), "{text}");
        assert!(!text.contains('|') && !text.contains('+'));
    }
}
