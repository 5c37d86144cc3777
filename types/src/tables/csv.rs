//! RFC 4180 CSV, the table import's and export's format: read on the server (the import) and in
//! the browser (its preview), written by the export. Small enough not to need a crate in the WASM.
use crate::error::AppError;

/// The records of a CSV text, each a list of fields. Fields are separated by commas and may be
/// double-quoted (`""` for a quote; commas and line breaks inside); records end at LF or CRLF.
/// After an error the reader stops.
pub struct Reader<'a> {
    text: &'a str,
    /// Byte offset of the next unread character: every split happens at an ASCII character, so
    /// it is always a char boundary.
    pos: usize,
    /// The 1-based line `pos` is on, for the error messages.
    line: usize,
}

pub fn records(text: &str) -> Reader<'_> {
    Reader::new(text)
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Self {
        // Spreadsheets save "CSV UTF-8" with a byte-order mark, which would otherwise become part
        // of the first column's name.
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        Self {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// The next record with NULLs told apart: an empty field without quotes is `None` (what the
    /// export writes for NULL), `""` is the empty string.
    pub fn next_with_nulls(&mut self) -> Option<Result<Vec<Option<String>>, AppError>> {
        if self.pos >= self.text.len() {
            return None;
        }
        let record = self.record();
        if record.is_err() {
            self.pos = self.text.len();
        }
        Some(record)
    }

    fn record(&mut self) -> Result<Vec<Option<String>>, AppError> {
        let mut fields = Vec::new();
        loop {
            let field = if self.rest().starts_with('"') {
                Some(self.quoted_field()?)
            } else {
                Some(self.plain_field()).filter(|field| !field.is_empty())
            };
            fields.push(field);
            let rest = self.rest().as_bytes();
            match rest.first() {
                None => return Ok(fields),
                Some(b',') => self.pos += 1,
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    return Ok(fields);
                }
                Some(b'\r') if rest.get(1) == Some(&b'\n') => {
                    self.pos += 2;
                    self.line += 1;
                    return Ok(fields);
                }
                // Only a quoted field stops anywhere else: at the character after its closing quote.
                Some(_) => {
                    return Err(AppError::validation(format!(
                        "CSV line {}: a closing quote must be followed by a comma or the end of \
                         the line.",
                        self.line
                    )));
                }
            }
        }
    }

    /// A field without quotes: everything up to the next comma or line end, as it is (a stray
    /// quote or lone CR inside is kept, as spreadsheets do).
    fn plain_field(&mut self) -> String {
        let rest = self.rest().as_bytes();
        let end = (0..rest.len())
            .find(|&i| match rest[i] {
                b',' | b'\n' => true,
                b'\r' => rest.get(i + 1) == Some(&b'\n'),
                _ => false,
            })
            .unwrap_or(rest.len());
        let field = self.rest()[..end].to_owned();
        self.pos += end;
        field
    }

    fn quoted_field(&mut self) -> Result<String, AppError> {
        let record_line = self.line;
        self.pos += 1;
        let mut field = String::new();
        loop {
            let rest = self.rest();
            let Some(quote) = rest.find('"') else {
                return Err(AppError::validation(format!(
                    "CSV line {record_line}: a quoted field is never closed (a \" is missing)."
                )));
            };
            let part = &rest[..quote];
            self.line += part.matches('\n').count();
            field.push_str(part);
            self.pos += quote + 1;
            if !self.rest().starts_with('"') {
                return Ok(field);
            }
            field.push('"');
            self.pos += 1;
        }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }
}

impl Iterator for Reader<'_> {
    type Item = Result<Vec<String>, AppError>;

    fn next(&mut self) -> Option<Self::Item> {
        // `pos` at the end is also right after the last record's line break: a trailing newline
        // adds no record.
        self.next_with_nulls().map(|record| {
            record.map(|fields| fields.into_iter().map(Option::unwrap_or_default).collect())
        })
    }
}

/// Appends one field. NULL is an empty field and the empty string `""`, so the two stay apart;
/// a value is quoted when it holds a comma, quote or line break, or starts or ends with
/// whitespace (which spreadsheets would trim).
pub fn write_field(out: &mut String, value: Option<&str>) {
    let Some(value) = value else {
        return;
    };
    let needs_quotes = value.is_empty()
        || value.contains([',', '"', '\r', '\n'])
        || value.starts_with(char::is_whitespace)
        || value.ends_with(char::is_whitespace);
    if needs_quotes {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// Appends one record: the fields separated by commas, then CRLF (RFC 4180's line end).
pub fn write_record(out: &mut String, fields: &[Option<&str>]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_field(out, *field);
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_unquoted_empty_field_is_null_and_a_quoted_one_is_empty() {
        let mut reader = super::records("a,,\"\"\n");
        assert_eq!(
            reader.next_with_nulls().unwrap().unwrap(),
            vec![Some("a".to_owned()), None, Some(String::new())]
        );
        assert!(reader.next_with_nulls().is_none());
    }

    use super::*;

    fn read(text: &str) -> Vec<Vec<String>> {
        records(text)
            .collect::<Result<_, _>>()
            .unwrap_or_else(|error| panic!("{text:?}: {}", error.message))
    }

    fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|row| row.iter().map(|field| field.to_string()).collect())
            .collect()
    }

    #[test]
    fn plain_records() {
        assert_eq!(read("a,b\n1,2\n"), rows(&[&["a", "b"], &["1", "2"]]));
        assert_eq!(read("a,b\r\n1,2\r\n"), rows(&[&["a", "b"], &["1", "2"]]));
        assert_eq!(read("a,b\n1,2"), rows(&[&["a", "b"], &["1", "2"]]));
        assert_eq!(read(",\n"), rows(&[&["", ""]]));
        assert_eq!(read("a\n\nb\n"), rows(&[&["a"], &[""], &["b"]]));
        assert_eq!(read(" a , b "), rows(&[&[" a ", " b "]]));
        assert!(read("").is_empty());
    }

    #[test]
    fn quoted_fields() {
        assert_eq!(
            read("\"a,b\",\"say \"\"hi\"\"\",\"\"\n"),
            rows(&[&["a,b", "say \"hi\"", ""]])
        );
        assert_eq!(
            read("\"two\r\nlines\",x\r\ny\r\n"),
            rows(&[&["two\r\nlines", "x"], &["y"]])
        );
        assert_eq!(read("\"a\"\n\"\""), rows(&[&["a"], &[""]]));
    }

    #[test]
    fn stray_characters_in_plain_fields_are_kept() {
        assert_eq!(read("a\"b,c\rd\n"), rows(&[&["a\"b", "c\rd"]]));
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(read("\u{FEFF}id,name\n"), rows(&[&["id", "name"]]));
    }

    #[test]
    fn an_unterminated_quote_names_its_record_line() {
        let mut reader = records("a\n\"b\nc\n\",e\n\"never closed\nf\n");
        assert_eq!(reader.next().unwrap().unwrap(), ["a"]);
        assert_eq!(reader.next().unwrap().unwrap(), ["b\nc\n", "e"]);
        let error = reader.next().unwrap().unwrap_err();
        assert!(error.message.contains("line 5"), "{}", error.message);
        assert!(reader.next().is_none());
    }

    #[test]
    fn text_after_a_closing_quote_is_an_error() {
        let error = records("ok\n\"a\"b,c\n").nth(1).unwrap().unwrap_err();
        assert!(error.message.contains("line 2"), "{}", error.message);
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut out = String::new();
        write_record(
            &mut out,
            &[
                None,
                Some(""),
                Some("plain"),
                Some("a,b"),
                Some("say \"hi\""),
                Some("two\nlines"),
                Some("cr\r"),
                Some(" lead"),
                Some("trail\t"),
            ],
        );
        assert_eq!(
            out,
            ",\"\",plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",\" lead\",\"trail\t\"\r\n"
        );
        let mut out = String::new();
        write_field(&mut out, Some("x"));
        write_field(&mut out, None);
        assert_eq!(out, "x");
    }

    #[test]
    fn awkward_values_survive_a_round_trip() {
        let records: [&[Option<&str>]; 3] = [
            &[Some("id"), Some("note"), Some("emoji")],
            &[
                Some("1"),
                Some("\"quoted\", then\r\nmore\n"),
                Some("🦀 crab"),
            ],
            &[Some("2"), None, Some(" ,\"\r ")],
        ];
        let mut text = String::new();
        for record in records {
            write_record(&mut text, record);
        }
        let expected: Vec<Vec<String>> = records
            .iter()
            .map(|record| {
                record
                    .iter()
                    .map(|field| field.unwrap_or("").to_owned())
                    .collect()
            })
            .collect();
        assert_eq!(read(&text), expected);
    }
}
