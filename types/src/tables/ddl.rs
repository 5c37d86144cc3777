//! The structure forms' statements: built here from validated parts, so the form shows the exact
//! `ALTER`/`CREATE` the server then runs (both call these functions). A column type is parsed
//! against MariaDB's type grammar and written back by us; names are quoted; defaults and comments
//! are string literals. Nothing the customer typed reaches SQL as text.
use super::ident::{Identifier, quote_string};
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// A column as the add/change forms and `POST …/columns` describe it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ColumnDefinition {
    #[cfg_attr(feature = "ssr", schema(value_type = super::ident::ObjectName))]
    pub name: String,
    /// A MariaDB type: `INT`, `INT UNSIGNED`, `VARCHAR(255)`, `DECIMAL(10,2)`, `ENUM('a','b')`,
    /// `DATETIME(6)`, `TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`, `JSON`, …
    #[serde(rename = "type")]
    pub column_type: String,
    /// Default true.
    #[serde(default = "yes")]
    pub nullable: bool,
    /// A literal default (written as a string literal; MariaDB converts it to the type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// An expression default instead of a literal: `null` or `current_timestamp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_expression: Option<DefaultExpression>,
    #[serde(default)]
    pub auto_increment: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DefaultExpression {
    Null,
    CurrentTimestamp,
}

/// Where an added column goes: last (left out), `{"first":true}` or `{"after":"column"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Position {
    #[serde(default)]
    pub first: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// `POST …/tables/{table}/columns`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddColumn {
    pub column: ColumnDefinition,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// Answer the statement without running it.
    #[serde(default)]
    pub dry_run: bool,
}

/// `PATCH …/tables/{table}/columns/{column}`: the column's new definition (a new `name` renames it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangeColumn {
    pub column: ColumnDefinition,
    #[serde(default)]
    pub dry_run: bool,
}

/// `POST …/tables/{table}/indexes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddIndex {
    #[cfg_attr(feature = "ssr", schema(value_type = super::ident::ObjectName))]
    pub name: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<super::ident::ObjectName>, min_items = 1, max_items = 16))]
    pub columns: Vec<String>,
    /// `index` (default), `unique`, `fulltext`.
    #[serde(default)]
    pub kind: IndexKind,
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum IndexKind {
    #[default]
    Index,
    Unique,
    Fulltext,
}

/// `POST /api/databases/{name}/tables`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTable {
    #[cfg_attr(feature = "ssr", schema(value_type = super::ident::ObjectName))]
    pub name: String,
    #[cfg_attr(feature = "ssr", schema(min_items = 1, max_items = 1000))]
    pub columns: Vec<ColumnDefinition>,
    /// Column names; may be empty (the table is then read-only in the grid until it has a key).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<super::ident::ObjectName>))]
    pub primary_key: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default)]
    pub dry_run: bool,
}

/// `POST …/tables/{table}/rename`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RenameTable {
    #[cfg_attr(feature = "ssr", schema(value_type = super::ident::ObjectName))]
    pub name: String,
    #[serde(default)]
    pub dry_run: bool,
}

/// A dry run flag for the body-less changes (drop column/index/table, truncate), read from the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
pub struct DryRun {
    #[serde(default)]
    pub dry_run: bool,
}

// ---- statements (implemented below) ----

/// The most characters a column comment may hold (MariaDB's own limit).
const MAX_COLUMN_COMMENT_CHARS: usize = 1024;
/// The most characters a table comment may hold (MariaDB's own limit).
const MAX_TABLE_COMMENT_CHARS: usize = 2048;
/// The most columns one index may name (MariaDB's own limit).
const MAX_INDEX_COLUMNS: usize = 16;
/// The most columns the create form accepts in one table.
const MAX_TABLE_COLUMNS: usize = 1000;

/// The type names a column may have; anything else is refused before it reaches the server.
const TYPE_NAMES: [&str; 46] = [
    "TINYINT",
    "SMALLINT",
    "MEDIUMINT",
    "INT",
    "INTEGER",
    "BIGINT",
    "DECIMAL",
    "NUMERIC",
    "DEC",
    "FLOAT",
    "DOUBLE",
    "REAL",
    "BIT",
    "BOOL",
    "BOOLEAN",
    "DATE",
    "DATETIME",
    "TIMESTAMP",
    "TIME",
    "YEAR",
    "CHAR",
    "VARCHAR",
    "BINARY",
    "VARBINARY",
    "TINYTEXT",
    "TEXT",
    "MEDIUMTEXT",
    "LONGTEXT",
    "TINYBLOB",
    "BLOB",
    "MEDIUMBLOB",
    "LONGBLOB",
    "ENUM",
    "SET",
    "JSON",
    "GEOMETRY",
    "POINT",
    "LINESTRING",
    "POLYGON",
    "MULTIPOINT",
    "MULTILINESTRING",
    "MULTIPOLYGON",
    "GEOMETRYCOLLECTION",
    "UUID",
    "INET4",
    "INET6",
];

/// A column type read against MariaDB's type grammar and written back in our own spelling
/// (`varchar( 255 )` → `VARCHAR(255)`): the customer's text is parsed, never pasted into SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnType(String);

impl ColumnType {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let mut cursor = Cursor { rest: raw };
        let base = match cursor.word() {
            Some(word) => word.to_ascii_uppercase(),
            None => return Err(cursor.not_understood("a type name such as INT or VARCHAR(255)")),
        };
        let Some(&base) = TYPE_NAMES.iter().find(|name| **name == base) else {
            return Err(AppError::validation(format!(
                "Unknown column type {}: use a MariaDB type such as INT, VARCHAR(255), \
                 DECIMAL(10,2), DATETIME, TEXT or ENUM('a','b').",
                excerpt(&base)
            )));
        };
        let mut sql = base.to_owned();
        if matches!(base, "ENUM" | "SET") {
            sql.push_str(&value_list(&mut cursor, base)?);
        } else {
            let sizes = sizes(&mut cursor)?;
            check_sizes(base, &sizes)?;
            if !sizes.is_empty() {
                let sizes: Vec<String> = sizes.iter().map(u32::to_string).collect();
                sql.push_str(&format!("({})", sizes.join(",")));
            }
        }
        sql.push_str(&attributes(&mut cursor, base)?);
        Ok(Self(sql))
    }

    pub fn as_sql(&self) -> &str {
        &self.0
    }
}

/// Reads a column type piece by piece; `rest` is what is still unread, for the error messages.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn eat(&mut self, symbol: char) -> bool {
        let rest = self.rest.trim_start();
        match rest.strip_prefix(symbol) {
            Some(after) => {
                self.rest = after;
                true
            }
            None => false,
        }
    }

    /// A run of ASCII letters, digits and underscores: type names, keywords, numbers, charsets.
    fn word(&mut self) -> Option<&'a str> {
        let rest = self.rest.trim_start();
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            return None;
        }
        let (word, after) = rest.split_at(end);
        self.rest = after;
        Some(word)
    }

    fn number(&mut self) -> Result<u32, AppError> {
        let before = self.rest;
        match self.word() {
            Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => {
                digits.parse().map_err(|_| {
                    AppError::validation(format!("Column type: {digits} is too large a size."))
                })
            }
            _ => {
                self.rest = before;
                Err(self.not_understood("a number"))
            }
        }
    }

    /// A single-quoted literal with `''` for a quote. A backslash is an ordinary character, so
    /// the value means the same whatever the server's SQL mode.
    fn string(&mut self) -> Result<String, AppError> {
        let rest = self.rest.trim_start();
        let Some(mut rest) = rest.strip_prefix('\'') else {
            return Err(self.not_understood("a value in single quotes"));
        };
        let mut value = String::new();
        loop {
            let Some(quote) = rest.find('\'') else {
                return Err(AppError::validation(
                    "Column type: a value in quotes is missing its closing quote.",
                ));
            };
            value.push_str(&rest[..quote]);
            rest = &rest[quote + 1..];
            match rest.strip_prefix('\'') {
                Some(after) => {
                    value.push('\'');
                    rest = after;
                }
                None => break,
            }
        }
        self.rest = rest;
        Ok(value)
    }

    fn not_understood(&self, expected: &str) -> AppError {
        let rest = self.rest.trim();
        if rest.is_empty() {
            return AppError::validation(format!(
                "Column type: it ends where {expected} was expected."
            ));
        }
        AppError::validation(format!(
            "Column type: \"{}\" is not understood; {expected} was expected there.",
            excerpt(rest)
        ))
    }
}

/// The start of the customer's text, for a message: enough to find the spot, not a page of it.
fn excerpt(text: &str) -> String {
    let mut shown: String = text.chars().take(24).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    shown
}

/// `(n)` or `(n,m)`, or nothing.
fn sizes(cursor: &mut Cursor<'_>) -> Result<Vec<u32>, AppError> {
    let mut sizes = Vec::new();
    if !cursor.eat('(') {
        return Ok(sizes);
    }
    loop {
        sizes.push(cursor.number()?);
        if cursor.eat(')') {
            return Ok(sizes);
        }
        if sizes.len() == 2 || !cursor.eat(',') {
            return Err(cursor.not_understood("\")\""));
        }
    }
}

/// Checks sizes against what MariaDB accepts for the type, so the form can answer before the
/// server does.
fn check_sizes(base: &str, sizes: &[u32]) -> Result<(), AppError> {
    let within = |what: &str, value: u32, low: u32, high: u32| {
        if (low..=high).contains(&value) {
            Ok(())
        } else {
            Err(AppError::validation(format!(
                "{base}'s {what} must be {low} to {high}, not {value}."
            )))
        }
    };
    match (base, sizes) {
        ("VARCHAR" | "VARBINARY", []) => Err(AppError::validation(format!(
            "{base} needs a length, e.g. {base}(255)."
        ))),
        (_, []) => Ok(()),
        ("TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "INTEGER" | "BIGINT", [width]) => {
            within("display width", *width, 1, 255)
        }
        ("DECIMAL" | "NUMERIC" | "DEC", [precision]) => within("precision", *precision, 1, 65),
        ("DECIMAL" | "NUMERIC" | "DEC", [precision, scale]) => {
            within("precision", *precision, 1, 65)?;
            within("scale", *scale, 0, 30.min(*precision))
        }
        ("FLOAT", [precision]) => within("precision", *precision, 0, 53),
        ("FLOAT" | "DOUBLE" | "REAL", [digits, decimals]) => {
            within("number of digits", *digits, 1, 255)?;
            within("number of decimals", *decimals, 0, 30.min(*digits))
        }
        ("BIT", [bits]) => within("length", *bits, 1, 64),
        ("YEAR", [4]) => Ok(()),
        ("DATETIME" | "TIMESTAMP" | "TIME", [fraction]) => {
            within("fractional-second precision", *fraction, 0, 6)
        }
        ("CHAR" | "BINARY", [length]) => within("length", *length, 0, 255),
        ("VARCHAR" | "VARBINARY", [length]) => within("length", *length, 0, 65535),
        ("TEXT" | "BLOB", [_]) => Ok(()),
        _ => {
            let sizes: Vec<String> = sizes.iter().map(u32::to_string).collect();
            Err(AppError::validation(format!(
                "{base} does not take ({}).",
                sizes.join(",")
            )))
        }
    }
}

/// ENUM's and SET's `('a','b',…)`, re-quoted by us.
fn value_list(cursor: &mut Cursor<'_>, base: &str) -> Result<String, AppError> {
    if !cursor.eat('(') {
        return Err(AppError::validation(format!(
            "{base} needs its values in parentheses, e.g. {base}('a','b')."
        )));
    }
    let mut values = Vec::new();
    loop {
        let value = cursor.string()?;
        if base == "SET" && value.contains(',') {
            return Err(AppError::validation(
                "SET values cannot hold a comma: MariaDB separates the chosen values with commas.",
            ));
        }
        values.push(quote_string(&value));
        if cursor.eat(')') {
            break;
        }
        if !cursor.eat(',') {
            return Err(cursor.not_understood("\",\" or \")\""));
        }
    }
    let most = if base == "SET" { 64 } else { 65535 };
    if values.len() > most {
        return Err(AppError::validation(format!(
            "{base} holds at most {most} values."
        )));
    }
    Ok(format!("({})", values.join(",")))
}

/// `UNSIGNED`, `ZEROFILL`, `CHARACTER SET x` / `CHARSET x` and `COLLATE y`, in any order, each
/// once; written back in that order. They end the type: anything after them is refused.
fn attributes(cursor: &mut Cursor<'_>, base: &str) -> Result<String, AppError> {
    let numeric = matches!(
        base,
        "TINYINT"
            | "SMALLINT"
            | "MEDIUMINT"
            | "INT"
            | "INTEGER"
            | "BIGINT"
            | "DECIMAL"
            | "NUMERIC"
            | "DEC"
            | "FLOAT"
            | "DOUBLE"
            | "REAL"
    );
    let textual = matches!(
        base,
        "CHAR" | "VARCHAR" | "TINYTEXT" | "TEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" | "SET"
    );
    let expected = match (numeric, textual) {
        (true, _) => "UNSIGNED or ZEROFILL",
        (_, true) => "CHARACTER SET or COLLATE",
        _ => "nothing more",
    };
    let (mut unsigned, mut zerofill) = (false, false);
    let (mut charset, mut collation): (Option<String>, Option<String>) = (None, None);
    loop {
        let before = cursor.rest;
        let Some(word) = cursor.word() else {
            if cursor.rest.trim().is_empty() {
                break;
            }
            return Err(cursor.not_understood(expected));
        };
        let keyword = word.to_ascii_uppercase();
        let seen_before = match keyword.as_str() {
            "UNSIGNED" if numeric => std::mem::replace(&mut unsigned, true),
            "ZEROFILL" if numeric => std::mem::replace(&mut zerofill, true),
            "CHARACTER" | "CHARSET" if textual => {
                if keyword == "CHARACTER"
                    && !cursor.word().is_some_and(|w| w.eq_ignore_ascii_case("SET"))
                {
                    cursor.rest = before;
                    return Err(cursor.not_understood("CHARACTER SET and a name"));
                }
                let name = charset_name(cursor, "a character set name")?;
                charset.replace(name).is_some()
            }
            "COLLATE" if textual => {
                let name = charset_name(cursor, "a collation name")?;
                collation.replace(name).is_some()
            }
            _ => {
                cursor.rest = before;
                return Err(cursor.not_understood(expected));
            }
        };
        if seen_before {
            return Err(AppError::validation(format!(
                "Column type: {keyword} is given twice."
            )));
        }
    }
    let mut sql = String::new();
    if unsigned {
        sql.push_str(" UNSIGNED");
    }
    if zerofill {
        sql.push_str(" ZEROFILL");
    }
    if let Some(charset) = charset {
        sql.push_str(&format!(" CHARACTER SET {charset}"));
    }
    if let Some(collation) = collation {
        sql.push_str(&format!(" COLLATE {collation}"));
    }
    Ok(sql)
}

/// A character set or collation name: letters, digits and underscores only, written lower-case
/// as MariaDB reports them.
fn charset_name(cursor: &mut Cursor<'_>, expected: &str) -> Result<String, AppError> {
    match cursor.word() {
        Some(name) => Ok(name.to_ascii_lowercase()),
        None => Err(cursor.not_understood(expected)),
    }
}

/// A comment as a string literal. MariaDB's grammar takes only a plain quoted string there (no
/// `X'…'`), and a backslash in one reads differently with and without NO_BACKSLASH_ESCAPES, so a
/// backslash (or NUL) is refused rather than guessed at.
fn comment_literal(comment: &str, what: &str, most: usize) -> Result<String, AppError> {
    if comment.chars().count() > most {
        return Err(AppError::validation(format!(
            "{what} comments are at most {most} characters."
        )));
    }
    if comment.contains(['\\', '\0']) {
        return Err(AppError::validation(format!(
            "{what} comments cannot hold a backslash or a NUL character."
        )));
    }
    Ok(quote_string(comment))
}

/// One column as `CREATE TABLE`, `ADD COLUMN` and `CHANGE COLUMN` write it:
/// "`name` VARCHAR(255) NOT NULL DEFAULT 'x' AUTO_INCREMENT COMMENT 'c'".
pub fn column_sql(def: &ColumnDefinition) -> Result<String, AppError> {
    let name = Identifier::parse(&def.name, "Column")?;
    let column_type = ColumnType::parse(&def.column_type)?;
    // NULL is written out too: without it, a TIMESTAMP column turns NOT NULL on servers that
    // keep the old explicit_defaults_for_timestamp=OFF behaviour.
    let null = if def.nullable { "NULL" } else { "NOT NULL" };
    let mut sql = format!("{} {} {null}", name.quoted(), column_type.as_sql());
    match (&def.default, def.default_expression) {
        (Some(_), Some(_)) => {
            return Err(AppError::validation(format!(
                "Column {name}: give either a default value or a default expression, not both."
            )));
        }
        (Some(value), None) => sql.push_str(&format!(" DEFAULT {}", quote_string(value))),
        (None, Some(DefaultExpression::Null)) if !def.nullable => {
            return Err(AppError::validation(format!(
                "Column {name} is NOT NULL, so its default cannot be NULL."
            )));
        }
        (None, Some(DefaultExpression::Null)) => sql.push_str(" DEFAULT NULL"),
        (None, Some(DefaultExpression::CurrentTimestamp)) => {
            sql.push_str(" DEFAULT CURRENT_TIMESTAMP")
        }
        (None, None) => {}
    }
    if def.auto_increment {
        sql.push_str(" AUTO_INCREMENT");
    }
    if let Some(comment) = &def.comment {
        let literal = comment_literal(comment, "Column", MAX_COLUMN_COMMENT_CHARS)?;
        sql.push_str(&format!(" COMMENT {literal}"));
    }
    Ok(sql)
}

/// "ALTER TABLE `t` ADD COLUMN … [FIRST | AFTER `c`]".
pub fn add_column(table: &Identifier, request: &AddColumn) -> Result<String, AppError> {
    let mut sql = format!(
        "ALTER TABLE {} ADD COLUMN {}",
        table.quoted(),
        column_sql(&request.column)?
    );
    let position = request.position.clone().unwrap_or_default();
    match (position.first, &position.after) {
        (true, Some(_)) => {
            return Err(AppError::validation(
                "A new column goes either first or after another column, not both.",
            ));
        }
        (true, None) => sql.push_str(" FIRST"),
        (false, Some(after)) => {
            let after = Identifier::parse(after, "Column")?;
            sql.push_str(&format!(" AFTER {}", after.quoted()));
        }
        (false, None) => {}
    }
    Ok(sql)
}

/// "ALTER TABLE `t` CHANGE COLUMN `old` …": the new definition, possibly with a new name.
pub fn change_column(
    table: &Identifier,
    column: &Identifier,
    request: &ChangeColumn,
) -> Result<String, AppError> {
    Ok(format!(
        "ALTER TABLE {} CHANGE COLUMN {} {}",
        table.quoted(),
        column.quoted(),
        column_sql(&request.column)?
    ))
}

pub fn drop_column(table: &Identifier, column: &Identifier) -> String {
    format!(
        "ALTER TABLE {} DROP COLUMN {}",
        table.quoted(),
        column.quoted()
    )
}

/// "ALTER TABLE `t` ADD [UNIQUE |FULLTEXT ]INDEX `i` (`a`, `b`)". The primary key is made with the
/// table, so PRIMARY is refused as a name here.
pub fn add_index(table: &Identifier, request: &AddIndex) -> Result<String, AppError> {
    let name = Identifier::parse(&request.name, "Index")?;
    if is_primary(&name) {
        return Err(AppError::validation(
            "PRIMARY is the primary key's name: choose another index name.",
        ));
    }
    let columns = column_list(&request.columns, "An index", MAX_INDEX_COLUMNS)?;
    let kind = match request.kind {
        IndexKind::Index => "",
        IndexKind::Unique => "UNIQUE ",
        IndexKind::Fulltext => "FULLTEXT ",
    };
    Ok(format!(
        "ALTER TABLE {} ADD {kind}INDEX {} ({columns})",
        table.quoted(),
        name.quoted()
    ))
}

/// "ALTER TABLE `t` DROP INDEX `i`", or "… DROP PRIMARY KEY" for the index named PRIMARY.
pub fn drop_index(table: &Identifier, index: &Identifier) -> String {
    if is_primary(index) {
        return format!("ALTER TABLE {} DROP PRIMARY KEY", table.quoted());
    }
    format!(
        "ALTER TABLE {} DROP INDEX {}",
        table.quoted(),
        index.quoted()
    )
}

fn is_primary(index: &Identifier) -> bool {
    index.as_str().eq_ignore_ascii_case("PRIMARY")
}

/// Quoted, comma-separated column names for a key: 1 to `most`, each once (MariaDB compares
/// column names without regard to case).
fn column_list(names: &[String], what: &str, most: usize) -> Result<String, AppError> {
    if names.is_empty() || names.len() > most {
        return Err(AppError::validation(format!(
            "{what} names 1 to {most} columns."
        )));
    }
    let mut seen = std::collections::HashSet::new();
    let mut quoted = Vec::with_capacity(names.len());
    for name in names {
        let column = Identifier::parse(name, "Column")?;
        if !seen.insert(name.to_lowercase()) {
            return Err(AppError::validation(format!(
                "{what} names column {column} twice."
            )));
        }
        quoted.push(column.quoted());
    }
    Ok(quoted.join(", "))
}

/// "CREATE TABLE `t` (\n  <column>,\n  …,\n  PRIMARY KEY (`id`)\n)[ COMMENT='…']", one column a
/// line so the form's preview reads like the table.
pub fn create_table(request: &CreateTable) -> Result<String, AppError> {
    let table = Identifier::parse(&request.name, "Table")?;
    if request.columns.is_empty() || request.columns.len() > MAX_TABLE_COLUMNS {
        return Err(AppError::validation(format!(
            "A table has 1 to {MAX_TABLE_COLUMNS} columns."
        )));
    }
    let mut names = std::collections::HashSet::new();
    let mut lines = Vec::with_capacity(request.columns.len() + 1);
    for column in &request.columns {
        if !names.insert(column.name.to_lowercase()) {
            return Err(AppError::validation(format!(
                "Column {} is given twice.",
                column.name
            )));
        }
        lines.push(column_sql(column)?);
    }
    if !request.primary_key.is_empty() {
        if let Some(missing) = request
            .primary_key
            .iter()
            .find(|name| !names.contains(&name.to_lowercase()))
        {
            return Err(AppError::validation(format!(
                "The primary key names {missing}, which is not one of the table's columns."
            )));
        }
        let key = column_list(&request.primary_key, "The primary key", MAX_INDEX_COLUMNS)?;
        lines.push(format!("PRIMARY KEY ({key})"));
    }
    let mut sql = format!(
        "CREATE TABLE {} (\n  {}\n)",
        table.quoted(),
        lines.join(",\n  ")
    );
    if let Some(comment) = &request.comment {
        let literal = comment_literal(comment, "Table", MAX_TABLE_COMMENT_CHARS)?;
        sql.push_str(&format!(" COMMENT={literal}"));
    }
    Ok(sql)
}

/// "RENAME TABLE `a` TO `b`".
pub fn rename_table(table: &Identifier, request: &RenameTable) -> Result<String, AppError> {
    let new_name = Identifier::parse(&request.name, "Table")?;
    Ok(format!(
        "RENAME TABLE {} TO {}",
        table.quoted(),
        new_name.quoted()
    ))
}

pub fn truncate_table(table: &Identifier) -> String {
    format!("TRUNCATE TABLE {}", table.quoted())
}

pub fn drop_table(table: &Identifier) -> String {
    format!("DROP TABLE {}", table.quoted())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(raw: &str) -> String {
        match ColumnType::parse(raw) {
            Ok(parsed) => parsed.as_sql().to_owned(),
            Err(error) => panic!("{raw:?} was refused: {}", error.message),
        }
    }

    fn refusal(raw: &str) -> String {
        match ColumnType::parse(raw) {
            Ok(parsed) => panic!("{raw:?} was accepted as {}", parsed.as_sql()),
            Err(error) => error.message,
        }
    }

    fn column(name: &str, column_type: &str) -> ColumnDefinition {
        ColumnDefinition {
            name: name.into(),
            column_type: column_type.into(),
            nullable: true,
            default: None,
            default_expression: None,
            auto_increment: false,
            comment: None,
        }
    }

    fn name(raw: &str) -> Identifier {
        Identifier::parse(raw, "Table").unwrap()
    }

    #[test]
    fn types_are_written_in_our_spelling() {
        for (raw, sql) in [
            ("varchar( 255 )", "VARCHAR(255)"),
            ("int unsigned", "INT UNSIGNED"),
            (
                "  Int ( 11 )  Unsigned   ZeroFill ",
                "INT(11) UNSIGNED ZEROFILL",
            ),
            ("bigint zerofill unsigned", "BIGINT UNSIGNED ZEROFILL"),
            ("decimal(10, 2)", "DECIMAL(10,2)"),
            ("DECIMAL(65,30)", "DECIMAL(65,30)"),
            ("float(7,3)", "FLOAT(7,3)"),
            ("double", "DOUBLE"),
            ("bit(64)", "BIT(64)"),
            ("datetime(6)", "DATETIME(6)"),
            ("char", "CHAR"),
            ("varchar(065535)", "VARCHAR(65535)"),
            ("text(1000)", "TEXT(1000)"),
            ("json", "JSON"),
            ("inet6", "INET6"),
            ("bool", "BOOL"),
            ("enum('a','it''s')", "ENUM('a','it''s')"),
            ("SET ( 'x' , '' )", "SET('x','')"),
            (
                "text charset UTF8MB4 collate utf8mb4_unicode_ci",
                "TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
            ),
            (
                "varchar(20) collate latin1_bin character  set latin1",
                "VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_bin",
            ),
        ] {
            assert_eq!(normalized(raw), sql, "{raw:?}");
        }
    }

    #[test]
    fn enum_values_are_requoted_by_us() {
        // A backslash is an ordinary character here, and is written as a hex literal so the
        // value does not depend on NO_BACKSLASH_ESCAPES.
        assert_eq!(normalized(r"enum('a\')"), "ENUM(X'615C')");
        assert_eq!(normalized("enum('é', 'x y')"), "ENUM('é','x y')");
    }

    #[test]
    fn injections_are_refused() {
        for raw in [
            "INT; DROP TABLE x",
            "VARCHAR(10) DEFAULT 1",
            "INT) ,x INT (",
            "INT NOT NULL",
            "INT -- comment",
            "INT/**/UNSIGNED",
            "VARCHAR(10) CHARACTER SET utf8mb4; DROP TABLE x",
            "TEXT COLLATE `x`",
            "ENUM('a') , y INT",
            "ENUM('a'),('b')",
            "ENUM('a' 'b')",
            "ENUM('a'||'b')",
            "ENUM(\"a\")",
            "ENUM('a",
        ] {
            refusal(raw);
        }
    }

    #[test]
    fn refusals_name_what_was_not_understood() {
        let message = refusal("INT; DROP TABLE x");
        assert!(message.contains("; DROP TABLE x"), "{message}");
        assert!(message.contains("UNSIGNED"), "{message}");
        let message = refusal("VARCHAR(10) DEFAULT 1");
        assert!(message.contains("DEFAULT 1"), "{message}");
        assert!(refusal("INT) ,x INT (").contains(") ,x INT ("));
        assert!(refusal("SERIAL").contains("Unknown column type SERIAL"));
        assert!(refusal("").contains("type name"));
        assert!(refusal("x".repeat(100).as_str()).contains("Unknown"));
        assert!(refusal("int(11) ".repeat(10).as_str()).contains('…'));
    }

    #[test]
    fn unknown_names_and_bad_sizes_are_refused() {
        for raw in [
            "SERIAL",
            "INT4",
            "DOUBLE PRECISION",
            "VARCHAR",
            "VARCHAR(65536)",
            "VARCHAR(-1)",
            "VARCHAR(1e3)",
            "VARCHAR(99999999999)",
            "VARCHAR(10,2)",
            "DECIMAL(66)",
            "DECIMAL(10,11)",
            "DECIMAL(65,31)",
            "DECIMAL(1,2,3)",
            "DOUBLE(10)",
            "FLOAT(54)",
            "DATETIME(7)",
            "TIME(1,2)",
            "CHAR(256)",
            "BINARY(256)",
            "BIT(0)",
            "BIT(65)",
            "INT(0)",
            "JSON(10)",
            "DATE()",
            "ENUM",
            "ENUM()",
            "ENUM(1,2)",
            "SET('a,b')",
            "VARCHAR(10) UNSIGNED",
            "INT CHARACTER SET utf8mb4",
            "BLOB COLLATE binary",
            "INT UNSIGNED UNSIGNED",
            "TEXT CHARACTER utf8mb4",
            "TEXT CHARSET",
        ] {
            refusal(raw);
        }
        let too_many: Vec<String> = (0..65).map(|i| format!("'{i}'")).collect();
        refusal(&format!("SET({})", too_many.join(",")));
    }

    #[test]
    fn a_column_is_written_from_its_parts() {
        let mut def = column("name", "varchar(255)");
        def.nullable = false;
        def.default = Some("x".into());
        def.auto_increment = true;
        def.comment = Some("c".into());
        assert_eq!(
            column_sql(&def).unwrap(),
            "`name` VARCHAR(255) NOT NULL DEFAULT 'x' AUTO_INCREMENT COMMENT 'c'"
        );
        let mut def = column("created", "timestamp");
        def.default_expression = Some(DefaultExpression::CurrentTimestamp);
        assert_eq!(
            column_sql(&def).unwrap(),
            "`created` TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP"
        );
        def.default_expression = Some(DefaultExpression::Null);
        assert_eq!(
            column_sql(&def).unwrap(),
            "`created` TIMESTAMP NULL DEFAULT NULL"
        );
    }

    #[test]
    fn column_text_is_quoted_as_literals() {
        let mut def = column("we`ird", "text");
        def.default = Some("it's \\ here".into());
        def.comment = Some("o'clock".into());
        assert_eq!(
            column_sql(&def).unwrap(),
            "`we``ird` TEXT NULL DEFAULT X'69742773205C2068657265' COMMENT 'o''clock'"
        );
    }

    #[test]
    fn contradictory_columns_are_refused() {
        let mut both = column("a", "int");
        both.default = Some("1".into());
        both.default_expression = Some(DefaultExpression::Null);
        assert!(column_sql(&both).is_err());

        let mut null_default = column("a", "int");
        null_default.nullable = false;
        null_default.default_expression = Some(DefaultExpression::Null);
        assert!(column_sql(&null_default).is_err());

        let mut long_comment = column("a", "int");
        long_comment.comment = Some("x".repeat(1025));
        assert!(column_sql(&long_comment).is_err());
        long_comment.comment = Some("é".repeat(1024));
        assert!(column_sql(&long_comment).is_ok());

        let mut backslash_comment = column("a", "int");
        backslash_comment.comment = Some("a\\b".into());
        assert!(column_sql(&backslash_comment).is_err());

        assert!(column_sql(&column("", "int")).is_err());
        assert!(column_sql(&column("a", "int; drop table x")).is_err());
    }

    #[test]
    fn add_column_places_the_column() {
        let table = name("t");
        let mut request = AddColumn {
            column: column("c", "int unsigned"),
            position: None,
            dry_run: false,
        };
        assert_eq!(
            add_column(&table, &request).unwrap(),
            "ALTER TABLE `t` ADD COLUMN `c` INT UNSIGNED NULL"
        );
        request.position = Some(Position {
            first: true,
            after: None,
        });
        assert_eq!(
            add_column(&table, &request).unwrap(),
            "ALTER TABLE `t` ADD COLUMN `c` INT UNSIGNED NULL FIRST"
        );
        request.position = Some(Position {
            first: false,
            after: Some("b`x".into()),
        });
        assert_eq!(
            add_column(&table, &request).unwrap(),
            "ALTER TABLE `t` ADD COLUMN `c` INT UNSIGNED NULL AFTER `b``x`"
        );
        request.position = Some(Position {
            first: true,
            after: Some("b".into()),
        });
        assert!(add_column(&table, &request).is_err());
    }

    #[test]
    fn change_and_drop_column() {
        let request = ChangeColumn {
            column: column("new`name", "bigint"),
            dry_run: false,
        };
        assert_eq!(
            change_column(&name("t`1"), &name("old"), &request).unwrap(),
            "ALTER TABLE `t``1` CHANGE COLUMN `old` `new``name` BIGINT NULL"
        );
        assert_eq!(
            drop_column(&name("t"), &name("c`")),
            "ALTER TABLE `t` DROP COLUMN `c```"
        );
    }

    #[test]
    fn indexes() {
        let table = name("t");
        let mut request = AddIndex {
            name: "by_a`b".into(),
            columns: vec!["a".into(), "b`".into()],
            kind: IndexKind::Index,
            dry_run: false,
        };
        assert_eq!(
            add_index(&table, &request).unwrap(),
            "ALTER TABLE `t` ADD INDEX `by_a``b` (`a`, `b```)"
        );
        request.kind = IndexKind::Unique;
        assert_eq!(
            add_index(&table, &request).unwrap(),
            "ALTER TABLE `t` ADD UNIQUE INDEX `by_a``b` (`a`, `b```)"
        );
        request.kind = IndexKind::Fulltext;
        assert_eq!(
            add_index(&table, &request).unwrap(),
            "ALTER TABLE `t` ADD FULLTEXT INDEX `by_a``b` (`a`, `b```)"
        );

        for columns in [
            vec![],
            (0..17).map(|i| format!("c{i}")).collect(),
            vec!["a".into(), "A".into()],
        ] {
            let request = AddIndex {
                columns,
                ..request.clone()
            };
            assert!(add_index(&table, &request).is_err());
        }
        let primary = AddIndex {
            name: "Primary".into(),
            ..request.clone()
        };
        assert!(add_index(&table, &primary).is_err());

        assert_eq!(
            drop_index(&table, &name("i`")),
            "ALTER TABLE `t` DROP INDEX `i```"
        );
        assert_eq!(
            drop_index(&table, &name("primary")),
            "ALTER TABLE `t` DROP PRIMARY KEY"
        );
    }

    #[test]
    fn create_table_lists_columns_then_key() {
        let mut id = column("id", "int unsigned");
        id.nullable = false;
        id.auto_increment = true;
        let request = CreateTable {
            name: "items`x".into(),
            columns: vec![id, column("label", "varchar(100)")],
            primary_key: vec!["ID".into()],
            comment: Some("it's".into()),
            dry_run: false,
        };
        assert_eq!(
            create_table(&request).unwrap(),
            "CREATE TABLE `items``x` (\n  \
             `id` INT UNSIGNED NOT NULL AUTO_INCREMENT,\n  \
             `label` VARCHAR(100) NULL,\n  \
             PRIMARY KEY (`ID`)\n\
             ) COMMENT='it''s'"
        );
        let keyless = CreateTable {
            primary_key: vec![],
            comment: None,
            ..request.clone()
        };
        assert_eq!(
            create_table(&keyless).unwrap(),
            "CREATE TABLE `items``x` (\n  \
             `id` INT UNSIGNED NOT NULL AUTO_INCREMENT,\n  \
             `label` VARCHAR(100) NULL\n\
             )"
        );
    }

    #[test]
    fn create_table_refuses_bad_shapes() {
        let base = CreateTable {
            name: "t".into(),
            columns: vec![column("a", "int")],
            primary_key: vec![],
            comment: None,
            dry_run: false,
        };
        let cases = [
            CreateTable {
                columns: vec![],
                ..base.clone()
            },
            CreateTable {
                columns: (0..1001).map(|i| column(&format!("c{i}"), "int")).collect(),
                ..base.clone()
            },
            CreateTable {
                columns: vec![column("a", "int"), column("A", "int")],
                ..base.clone()
            },
            CreateTable {
                primary_key: vec!["b".into()],
                ..base.clone()
            },
            CreateTable {
                primary_key: vec!["a".into(), "a".into()],
                ..base.clone()
            },
            CreateTable {
                name: "t ".into(),
                ..base.clone()
            },
            CreateTable {
                comment: Some("x".repeat(2049)),
                ..base.clone()
            },
        ];
        for request in cases {
            assert!(create_table(&request).is_err(), "{request:?}");
        }
        assert!(create_table(&base).is_ok());
    }

    #[test]
    fn table_statements() {
        let table = name("a`b");
        let rename = RenameTable {
            name: "c`d".into(),
            dry_run: false,
        };
        assert_eq!(
            rename_table(&table, &rename).unwrap(),
            "RENAME TABLE `a``b` TO `c``d`"
        );
        let bad = RenameTable {
            name: String::new(),
            dry_run: false,
        };
        assert!(rename_table(&table, &bad).is_err());
        assert_eq!(truncate_table(&table), "TRUNCATE TABLE `a``b`");
        assert_eq!(drop_table(&table), "DROP TABLE `a``b`");
    }
}
