//! Issue 28, item 4: a read-only key's SQL runs as the account's second identity, `<prefix>-ro`,
//! which holds only SELECT and SHOW VIEW: MariaDB itself refuses every write, however it is
//! spelled — a plain INSERT, DDL, a writing procedure, a writing function, or a function behind a
//! view whose definer may write.
use crate::helpers::{TestApp, spawn_app};
use crate::key_policy::regenerate_with_cli;
use reqwest::StatusCode;
use serde_json::json;
use types::model::CreateDatabase;
use types::query::QueryRequest;

/// The refusal's MariaDB error number; panics on anything but a 400 `sql_error`.
async fn refused(app: &TestApp, key: &str, db: &str, sql: &str) -> u16 {
    match app.api(key).run_query(db, &QueryRequest::sql(sql)).await {
        Err(nobregas_client::Error::Api {
            status,
            code,
            mysql_errno,
            message,
        }) => {
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::BAD_REQUEST, "sql_error"),
                "{sql}: {message}"
            );
            mysql_errno.unwrap_or_else(|| panic!("{sql}: no MariaDB error number: {message}"))
        }
        other => panic!("{sql}: not refused: {other:?}"),
    }
}

async fn count(app: &TestApp, key: &str, db: &str) -> serde_json::Value {
    let answer = app.query_ok(key, db, "SELECT COUNT(*) FROM t").await;
    json!(answer.value.results()[0].rows[0][0])
}

#[tokio::test]
async fn a_read_only_keys_sql_is_refused_by_mariadb_whenever_it_writes() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let full = app.issue_key(&account).await;
    let db = format!("{}_shop", account.prefix);
    app.api(&full)
        .create_database(&CreateDatabase::named(db.clone()))
        .await
        .unwrap();
    for setup in [
        "CREATE TABLE t (n INT)",
        "INSERT INTO t VALUES (1), (2)",
        "CREATE PROCEDURE add_row() INSERT INTO t VALUES (99)",
        "CREATE FUNCTION add_row_fn() RETURNS INT BEGIN INSERT INTO t VALUES (98); RETURN 1; END",
        // Its definer is the full identity, which may write and run routines.
        "CREATE SQL SECURITY DEFINER VIEW sneaky AS SELECT add_row_fn() AS n",
    ] {
        app.query_ok(&full, &db, setup).await;
    }

    let read_only = regenerate_with_cli(&app, &account, &["--read-only"]);
    let rows = app
        .query_ok(&read_only, &db, "SELECT n FROM t ORDER BY n")
        .await;
    assert_eq!(json!(rows.value.results()[0].rows), json!([[1], [2]]));

    // ER_TABLEACCESS_DENIED_ERROR (no such privilege) or, for DDL, which MariaDB checks against
    // the session first, ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION; ER_PROCACCESS_DENIED_ERROR for
    // routines (no EXECUTE); the read-only session for the function behind the definer's view.
    const DENIED: &[u16] = &[1142];
    const DDL: &[u16] = &[1142, 1792];
    for (sql, expected) in [
        ("INSERT INTO t VALUES (3)", DENIED),
        ("UPDATE t SET n = n + 10", DENIED),
        ("DELETE FROM t", DENIED),
        ("CREATE TABLE t2 (n INT)", DDL),
        ("DROP TABLE t", DDL),
        ("CALL add_row()", &[1370]),
        // Its tables are opened (and refused) before the function is.
        ("SELECT add_row_fn()", &[1370, 1792]),
        ("SELECT * FROM sneaky", &[1792]),
    ] {
        let errno = refused(&app, &read_only, &db, sql).await;
        assert!(expected.contains(&errno), "{sql}: {errno}");
    }
    assert_eq!(
        count(&app, &read_only, &db).await,
        json!(2),
        "nothing was written"
    );

    // The session cannot make itself writable: the grants still say no.
    let escaped = app
        .api(&read_only)
        .run_query(
            &db,
            &QueryRequest::sql("SET SESSION TRANSACTION READ WRITE; INSERT INTO t VALUES (4)"),
        )
        .await;
    assert!(escaped.is_err(), "{escaped:?}");
    assert_eq!(count(&app, &read_only, &db).await, json!(2));

    // It is a MySQL user of its own, with nothing beyond SELECT and SHOW VIEW on the account's
    // databases.
    let grants: Vec<String> = sqlx::query_scalar(
        "SELECT CONCAT(PRIVILEGE_TYPE) FROM information_schema.SCHEMA_PRIVILEGES
         WHERE GRANTEE LIKE ? ORDER BY PRIVILEGE_TYPE",
    )
    .bind(format!("'{}-ro'@%", account.prefix))
    .fetch_all(&app.state.mysql)
    .await
    .unwrap();
    assert!(!grants.is_empty(), "the read-only identity exists");
    assert!(
        grants.iter().all(|p| p == "SELECT" || p == "SHOW VIEW"),
        "{grants:?}"
    );
}
