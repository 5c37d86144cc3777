//! The panel's own store: accounts, keys, sessions, whitelist rows, jobs, leases.
//!
//! Two engines behind one `sqlx::AnyPool`: SQLite in the data directory (the default: one panel
//! process) or a MySQL/MariaDB database shared by several panel instances (`NOBREGAS_STORE_URL`).
//! Both take `?` placeholders, so nearly every statement is one text; the few that differ (upserts,
//! `UPDATE … RETURNING`, reserved words) ask `engine()`. Each engine has its own migrations.
use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// The store's connection pool, whichever engine is behind it.
pub type Store = AnyPool;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    MySql,
}

/// Which engine `store` talks to (from its URL: no I/O).
pub fn engine(store: &Store) -> Engine {
    match store.connect_options().database_url.scheme() {
        "sqlite" => Engine::Sqlite,
        _ => Engine::MySql,
    }
}

/// The SQLite store's file in the data directory.
pub fn path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("panel.db")
}

/// Opens (and migrates) the store: `store_url` when given (`mysql://…` or `sqlite://…`), else
/// `panel.db` in `data_dir`.
pub async fn open(data_dir: &Path, store_url: Option<&str>) -> anyhow::Result<Store> {
    sqlx::any::install_default_drivers();
    crate::data_dir::prepare(data_dir)?;
    let url = match store_url.filter(|url| !url.is_empty()) {
        Some(url) => url.to_owned(),
        None => format!("sqlite://{}?mode=rwc", path(data_dir).display()),
    };
    let options = AnyConnectOptions::from_str(&url)
        .context("NOBREGAS_STORE_URL is not a sqlite:// or mysql:// URL")?;
    let engine = match options.database_url.scheme() {
        "sqlite" => Engine::Sqlite,
        "mysql" | "mariadb" => Engine::MySql,
        other => anyhow::bail!(
            "NOBREGAS_STORE_URL: the panel store runs on SQLite or MySQL/MariaDB, not {other}"
        ),
    };
    let pool = AnyPoolOptions::new()
        .max_connections(if engine == Engine::Sqlite { 8 } else { 16 })
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                let session = match engine {
                    // WAL: readers never wait for the writer. The CLI and the server may write at the
                    // same moment: wait instead of failing.
                    Engine::Sqlite => {
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000"
                    }
                    // Times are Unix seconds computed by the panel; strict mode makes a bad value an
                    // error rather than a silent truncation.
                    Engine::MySql => "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE', SESSION time_zone = '+00:00'",
                };
                conn.execute(session).await.map(|_| ())
            })
        })
        .connect_with(options)
        .await
        .with_context(|| format!("Failed to open the panel store ({engine:?})"))?;
    let migrated = match engine {
        Engine::Sqlite => {
            sqlx::migrate!("../server/migrations/sqlite")
                .run(&pool)
                .await
        }
        Engine::MySql => {
            sqlx::migrate!("../server/migrations/mysql")
                .run(&pool)
                .await
        }
    };
    migrated.context("Failed to migrate the panel store")?;
    Ok(pool)
}

/// The text for this engine, where the two dialects differ.
pub fn dialect(store: &Store, sqlite: &'static str, mysql: &'static str) -> &'static str {
    match engine(store) {
        Engine::Sqlite => sqlite,
        Engine::MySql => mysql,
    }
}

/// The text of an INSERT whose new id `inserted_id` reads back.
pub fn returning_id(store: &Store, insert: &str) -> String {
    match engine(store) {
        // sqlx's Any driver does not pass SQLite's rowid on: ask for it in the statement.
        Engine::Sqlite => format!("{insert} RETURNING id"),
        Engine::MySql => insert.to_owned(),
    }
}

/// Runs an INSERT made by `returning_id`: the new row's id, `None` when it inserted nothing.
pub async fn inserted_id<'q>(
    store: &Store,
    insert: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
) -> Result<Option<i64>, sqlx::Error> {
    use sqlx::Row;
    match engine(store) {
        Engine::Sqlite => insert
            .fetch_optional(store)
            .await?
            .map(|row| row.try_get::<i64, _>(0))
            .transpose(),
        Engine::MySql => {
            let done = insert.execute(store).await?;
            Ok((done.rows_affected() > 0)
                .then(|| done.last_insert_id())
                .flatten())
        }
    }
}

/// A TEXT column, read from either engine: sqlx's Any driver reports MySQL's TEXT types as BLOB,
/// so `String` alone would refuse them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl sqlx::Type<sqlx::Any> for Text {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <String as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <String as sqlx::Type<sqlx::Any>>::compatible(ty)
            || <Vec<u8> as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Text {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        match <String as sqlx::Decode<sqlx::Any>>::decode(value.clone()) {
            Ok(text) => Ok(Text(text)),
            Err(_) => Ok(Text(String::from_utf8(<Vec<u8> as sqlx::Decode<
                sqlx::Any,
            >>::decode(value)?)?)),
        }
    }
}
