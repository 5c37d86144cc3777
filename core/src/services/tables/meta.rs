//! What the rows code needs to know about a table, read as the account's identity from
//! information_schema (which shows it nothing of other tenants): its columns, and the key that
//! addresses one row.
use super::session::TableSession;
use mysql_async::prelude::Queryable;
use types::error::AppError;
use types::tables::Identifier;
use types::tables::ident::quote_string;

/// One column, as information_schema describes it.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// `int`, `varchar`, `datetime`, … (lower case).
    pub data_type: String,
    pub column_type: String,
    pub nullable: bool,
    pub default: Option<String>,
    pub extra: String,
    pub comment: String,
    pub key: String,
}

impl Column {
    /// Holds bytes, not text: its values travel as base64.
    pub fn is_binary(&self) -> bool {
        matches!(
            self.data_type.as_str(),
            "binary"
                | "varbinary"
                | "tinyblob"
                | "blob"
                | "mediumblob"
                | "longblob"
                | "geometry"
                | "point"
                | "linestring"
                | "polygon"
                | "multipoint"
                | "multilinestring"
                | "multipolygon"
                | "geometrycollection"
        )
    }

    pub fn is_text(&self) -> bool {
        matches!(
            self.data_type.as_str(),
            "char"
                | "varchar"
                | "tinytext"
                | "text"
                | "mediumtext"
                | "longtext"
                | "enum"
                | "set"
                | "json"
        )
    }

    pub fn is_integer(&self) -> bool {
        matches!(
            self.data_type.as_str(),
            "tinyint" | "smallint" | "mediumint" | "int" | "bigint" | "year"
        )
    }

    /// Computed by the server: never written.
    pub fn is_generated(&self) -> bool {
        let extra = self.extra.to_ascii_uppercase();
        extra.contains("VIRTUAL") || extra.contains("STORED") || extra.contains("PERSISTENT")
    }

    pub fn is_auto_increment(&self) -> bool {
        self.extra.to_ascii_lowercase().contains("auto_increment")
    }
}

/// A table or view of the session's database.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: Identifier,
    pub is_view: bool,
    pub columns: Vec<Column>,
    /// Indexes into `columns` of the key that addresses a row; empty: read-only.
    pub key: Vec<usize>,
}

impl Table {
    pub fn column(&self, name: &str) -> Result<(usize, &Column), AppError> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
            .ok_or_else(|| {
                AppError::validation(format!(
                    "{} has no column named {name}.",
                    self.name.as_str()
                ))
            })
    }

    pub fn names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    pub fn key_names(&self) -> Vec<String> {
        self.key
            .iter()
            .map(|&i| self.columns[i].name.clone())
            .collect()
    }

    /// Why rows cannot be changed here, if they cannot.
    pub fn read_only_reason(&self) -> Option<String> {
        if self.is_view {
            Some("Views are shown read-only: change the rows in the tables they read.".to_owned())
        } else if self.key.is_empty() {
            Some(format!(
                "{} has no primary key and no unique key on NOT NULL columns, so a row cannot be \
                 addressed safely: its rows are read-only here. Add a primary key, or a unique index on NOT NULL columns, to edit them.",
                self.name.as_str()
            ))
        } else {
            None
        }
    }

    /// Refuses changes to a table whose rows cannot be addressed.
    pub fn writable(&self) -> Result<(), AppError> {
        match self.read_only_reason() {
            Some(reason) => Err(AppError::conflict(reason)),
            None => Ok(()),
        }
    }

    /// Every column, quoted, for a SELECT list.
    pub fn select_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| types::tables::ident::quote(&c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

type ColumnRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
);

/// The table's columns and key; 404 when the identity sees no such table in the database.
///
/// One round trip: the three information_schema reads go as one text-protocol batch (every
/// Tables request starts here). The name is a string literal that reads the same in any
/// sql_mode (`quote_string`).
pub async fn read(session: &mut TableSession, table: &str) -> Result<Table, AppError> {
    let name = Identifier::from_path(table, "Table")?;
    let literal = quote_string(name.as_str());
    let batch = format!(
        "SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {literal};
         SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT, COLUMN_KEY
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {literal}
         ORDER BY ORDINAL_POSITION;
         SELECT INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {literal} AND NON_UNIQUE = 0
         ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX"
    );
    let mut results = session
        .conn()
        .query_iter(batch)
        .await
        .map_err(super::sql_failure)?;
    let kinds: Vec<String> = results.collect().await.map_err(super::sql_failure)?;
    let rows: Vec<ColumnRow> = results.collect().await.map_err(super::sql_failure)?;
    let parts: Vec<(String, String, Option<u64>)> =
        results.collect().await.map_err(super::sql_failure)?;
    drop(results);
    let Some(kind) = kinds.into_iter().next() else {
        return Err(not_found(name.as_str()));
    };
    let columns: Vec<Column> = rows
        .into_iter()
        .map(
            |(name, data_type, column_type, nullable, default, extra, comment, key)| Column {
                name,
                data_type: data_type.to_ascii_lowercase(),
                column_type,
                nullable: nullable == "YES",
                default,
                extra,
                comment,
                key,
            },
        )
        .collect();
    let is_view = kind.contains("VIEW");
    let key = if is_view {
        Vec::new()
    } else {
        row_key(parts, &columns)
    };
    Ok(Table {
        name,
        is_view,
        columns,
        key,
    })
}

/// A column of an index and its prefix length (`SUB_PART`), if only a prefix is indexed.
type IndexPart = (String, Option<u64>);

pub fn not_found(table: &str) -> AppError {
    AppError::not_found(format!("No table named {table} in this database."))
}

/// The primary key, else the first unique key whose columns are all NOT NULL and whole (no
/// prefix length): what InnoDB itself would cluster on. `parts`: the unique indexes' columns,
/// PRIMARY first.
fn row_key(parts: Vec<(String, String, Option<u64>)>, columns: &[Column]) -> Vec<usize> {
    // Each unique index: its name and its (column, prefix length) parts in order.
    let mut indexes: Vec<(String, Vec<IndexPart>)> = Vec::new();
    for (index, column, sub_part) in parts {
        match indexes.last_mut() {
            Some((name, cols)) if *name == index => cols.push((column, sub_part)),
            _ => indexes.push((index, vec![(column, sub_part)])),
        }
    }
    for (_, parts) in indexes {
        let key: Option<Vec<usize>> = parts
            .iter()
            .map(|(column, sub_part)| {
                columns
                    .iter()
                    .position(|c| &c.name == column && !c.nullable && sub_part.is_none())
            })
            .collect();
        if let Some(key) = key {
            return key;
        }
    }
    Vec::new()
}
