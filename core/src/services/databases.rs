//! The account's databases on the managed server. Reads come from information_schema; DDL is
//! composed only from validated names (`managed::sql`).
use crate::domain::caller::Caller;
use crate::managed::{admin_exec, admin_exec_expecting, sql};
use crate::services::plans::{self, Counted};
use crate::services::{account_lock, audit, database_index, grants, storage_writes};
use crate::store::Store;
use crate::store_cache::StoreCache;
use sqlx::MySqlPool;
use std::collections::HashMap;
use types::activity::Action;
use types::error::AppError;
use types::model::{ConnectionInfo, CreateDatabase, Database, DatabaseDetail, TableInfo};
use types::names::DatabaseName;

/// The account's databases: the names come from the store's index (`database_index`), their
/// details from the server, asked about exactly those names.
pub async fn list(
    mysql: &MySqlPool,
    (store, cache): (&Store, &StoreCache),
    caller: &Caller,
) -> Result<Vec<Database>, AppError> {
    let names = database_index::names(store, cache, mysql, caller).await?;
    load(mysql, &names).await
}

/// A database named in a URL: anything that is not the caller's is "not found", whether or not
/// it exists for someone else.
pub fn owned(caller: &Caller, raw: &str) -> Result<DatabaseName, AppError> {
    DatabaseName::parse(raw, &caller.prefix).map_err(|_| not_found(raw))
}

fn not_found(raw: &str) -> AppError {
    AppError::not_found(format!("No database named {raw} in your account."))
}

pub async fn find(mysql: &MySqlPool, name: &DatabaseName) -> Result<Database, AppError> {
    load(mysql, &[name.as_str().to_owned()])
        .await?
        .pop()
        .ok_or_else(|| not_found(name.as_str()))
}

/// The database, its tables, who may use it, and how to connect (`connection`, from the settings).
pub async fn get(
    mysql: &MySqlPool,
    caller: &Caller,
    name: &DatabaseName,
    connection: ConnectionInfo,
) -> Result<DatabaseDetail, AppError> {
    let database = find(mysql, name).await?;
    let tables: Vec<(String, u64, u64)> = sqlx::query_as(
        "SELECT TABLE_NAME, CAST(COALESCE(TABLE_ROWS, 0) AS UNSIGNED),
                CAST(COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS UNSIGNED)
         FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    )
    .bind(name.as_str())
    .fetch_all(mysql)
    .await?;
    let users = grants::on_database(mysql, caller, name).await?;
    let table_list = tables
        .into_iter()
        .map(|(name, rows, size_bytes)| TableInfo {
            name,
            rows,
            size_bytes,
        })
        .collect();
    Ok(DatabaseDetail {
        database,
        users,
        table_list,
        connection,
    })
}

pub async fn create(
    mysql: &MySqlPool,
    store: &Store,
    caller: &Caller,
    request: &CreateDatabase,
) -> Result<Database, AppError> {
    let name = DatabaseName::parse(request.name.trim(), &caller.prefix)?;
    let charset = request
        .charset
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or("utf8mb4");
    let collation = request
        .collation
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    check_charset(mysql, charset, collation).await?;
    // Held until the database exists: two creates at the plan's limit cannot both take the last place.
    let _account = account_lock::lock(store, &caller.prefix).await?;
    plans::check_room(
        store,
        caller.account_id,
        Counted::Databases,
        count_on_server(mysql, caller).await?,
    )
    .await?;
    if find(mysql, &name).await.is_ok() {
        return Err(AppError::conflict(format!(
            "A database named {} already exists.",
            name.as_str()
        )));
    }
    let mut statement = format!(
        "CREATE DATABASE {} CHARACTER SET {charset}",
        sql::quote_identifier(name.as_str())
    );
    if let Some(collation) = collation {
        statement.push_str(&format!(" COLLATE {collation}"));
    }
    admin_exec_expecting(mysql, &statement, |number| {
        // ER_DB_CREATE_EXISTS: another request created it a moment ago.
        (number == 1007).then(|| {
            Err(AppError::conflict(format!(
                "A database named {} already exists.",
                name.as_str()
            )))
        })
    })
    .await?;
    let created = find(mysql, &name).await?;
    database_index::added(store, caller.account_id, name.as_str()).await?;
    audit::record(
        store,
        audit::Entry::by(caller, Action::DatabaseCreated).with("database", name.as_str()),
    )
    .await;
    Ok(created)
}

/// How many databases of the account the server holds (the plan counts these, not the index).
async fn count_on_server(mysql: &MySqlPool, caller: &Caller) -> Result<usize, AppError> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ESCAPE '!'",
    )
    .bind(sql::like_starts_with(&format!(
        "{}_",
        caller.prefix.as_str()
    )))
    .fetch_one(mysql)
    .await?;
    Ok(usize::try_from(count).unwrap_or(0))
}

/// Charset and collation must be names the server knows (and belong together) before they are
/// written into DDL.
async fn check_charset(
    mysql: &MySqlPool,
    charset: &str,
    collation: Option<&str>,
) -> Result<(), AppError> {
    let known: Option<String> = if sql::is_charset_word(charset) {
        sqlx::query_scalar("SELECT CHARACTER_SET_NAME FROM information_schema.CHARACTER_SETS WHERE CHARACTER_SET_NAME = ?")
            .bind(charset)
            .fetch_optional(mysql)
            .await?
    } else {
        None
    };
    if known.is_none() {
        return Err(AppError::validation(format!(
            "Unknown character set {charset:?}; utf8mb4 is a good default."
        )));
    }
    if let Some(collation) = collation {
        let belongs: Option<String> = if sql::is_charset_word(collation) {
            sqlx::query_scalar(
                "SELECT COLLATION_NAME FROM information_schema.COLLATIONS WHERE COLLATION_NAME = ? AND CHARACTER_SET_NAME = ?",
            )
            .bind(collation)
            .bind(charset)
            .fetch_optional(mysql)
            .await?
        } else {
            None
        };
        if belongs.is_none() {
            return Err(AppError::validation(format!(
                "{collation:?} is not a collation of the {charset} character set."
            )));
        }
    }
    Ok(())
}

/// Drops the database, then revokes every grant on it (they would otherwise outlive it and apply to
/// a future database of the same name). In that order: a drop that fails (a customer's open
/// transaction holds a lock on it: 409 after the lock wait) leaves the users' grants as they were.
pub async fn delete(
    mysql: &MySqlPool,
    store: &Store,
    caller: &Caller,
    name: &DatabaseName,
) -> Result<(), AppError> {
    find(mysql, name).await?;
    admin_exec(
        mysql,
        &format!("DROP DATABASE {}", sql::quote_identifier(name.as_str())),
    )
    .await?;
    database_index::removed(store, caller.account_id, name.as_str()).await?;
    storage_writes::forget(
        store,
        caller.account_id,
        None,
        Some(&sql::grant_pattern(name)),
    )
    .await?;
    audit::record(
        store,
        audit::Entry::by(caller, Action::DatabaseDeleted).with("database", name.as_str()),
    )
    .await;
    grants::revoke_everyone(mysql, name).await
}

/// The statement `load` sends for `count` names (each name bound twice, schema then tables); public
/// for the load bench, which sends it straight to MariaDB.
pub fn lookup_statement(count: usize) -> String {
    let schema = "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME, CAST(NULL AS UNSIGNED), CAST(NULL AS UNSIGNED)
         FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?";
    let tables = "SELECT TABLE_SCHEMA, NULL, NULL,
                CAST(COUNT(*) AS UNSIGNED), CAST(COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS UNSIGNED)
         FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' GROUP BY TABLE_SCHEMA";
    vec![format!("{schema} UNION ALL {tables}"); count].join(" UNION ALL ")
}

/// One statement, one round trip: for each name, its schema row (with the charset) and its table
/// statistics come back as two kinds of rows of a `UNION ALL`. Each branch names its schema with
/// `=`, which information_schema answers by opening that one directory (an `IN` list or a `LIKE`
/// reads every schema on the server, and a JOIN of SCHEMATA and TABLES opens every table). The
/// rows are merged here, in name order; names the server does not have are left out.
async fn load(mysql: &MySqlPool, names: &[String]) -> Result<Vec<Database>, AppError> {
    type Row = (
        String,
        Option<String>,
        Option<String>,
        Option<u64>,
        Option<u64>,
    );
    if names.is_empty() {
        // Still one question to the server: "no databases" is only true while it answers.
        sqlx::query("SELECT 1").execute(mysql).await?;
        return Ok(Vec::new());
    }
    let statement = lookup_statement(names.len());
    let mut query = sqlx::query_as::<_, Row>(&statement);
    for name in names {
        query = query.bind(name).bind(name);
    }
    let rows: Vec<Row> = query.fetch_all(mysql).await?;
    let mut stats: HashMap<&str, (u64, u64)> = HashMap::new();
    for (name, _, _, tables, size) in &rows {
        if let (Some(tables), Some(size)) = (tables, size) {
            stats.insert(name, (*tables, *size));
        }
    }
    let mut databases: Vec<Database> = rows
        .iter()
        .filter_map(|(name, charset, collation, _, _)| {
            let (charset, collation) = (charset.clone()?, collation.clone()?);
            let (tables, size_bytes) = stats.get(name.as_str()).copied().unwrap_or((0, 0));
            Some(Database {
                name: name.clone(),
                size_bytes,
                tables,
                charset,
                collation,
            })
        })
        .collect();
    databases.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    Ok(databases)
}
