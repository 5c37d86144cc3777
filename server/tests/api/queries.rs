//! Running SQL through the API: as the account's own MySQL identity, typed results, limits,
//! timeouts and cancel that really stop the statement on the server.
use crate::helpers::{TestAccount, TestApp, error_code, refusal, sent, spawn_app};
use nobregas_client::Answer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use types::model::{CreateDatabase, CreateUser, NewWhitelistEntry};
use types::query::{ExportFormat, ExportRequest, QueryRequest, QueryResponse, StatementResult};

/// An account with a key and one database (`<prefix>_q`).
async fn account_with_database(app: &TestApp) -> (TestAccount, String, String) {
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let db = format!("{}_q", account.prefix);
    let created = app
        .api(&key)
        .create_database(&CreateDatabase::named(db.clone()))
        .await
        .expect("created");
    assert_eq!(created.status, StatusCode::CREATED);
    (account, key, db)
}

/// The result of a request that held one statement.
fn one(answer: &Answer<QueryResponse>) -> &StatementResult {
    match &answer.value {
        QueryResponse::One(result) => result,
        QueryResponse::Many(_) => panic!("several results: {}", answer.raw),
    }
}

async fn sql_error(app: &TestApp, key: &str, db: &str, sql: &str) -> (String, Option<u16>, String) {
    match app.api(key).run_query(db, &QueryRequest::sql(sql)).await {
        Err(nobregas_client::Error::Api {
            status,
            code,
            message,
            mysql_errno,
        }) => {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{sql}");
            (code, mysql_errno, message)
        }
        other => panic!("{sql}: not a refusal: {other:?}"),
    }
}

/// Customer statements of the account's identity still on the server.
async fn statements_running(app: &TestApp, prefix: &str, like: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = ? AND INFO LIKE ?",
    )
    .bind(format!("{prefix}-panel"))
    .bind(like)
    .fetch_one(&app.state.mysql)
    .await
    .unwrap()
}

#[tokio::test]
async fn results_keep_their_types() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    app.query_ok(&key,
        &db,
        "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40), note TEXT, price DECIMAL(10,2),
           at DATETIME(3), data BLOB, big BIGINT UNSIGNED, doc JSON, f DOUBLE, d DATE)",
    )
    .await;
    let inserted = app.query_ok(&key,
        &db,
        "INSERT INTO t (name, note, price, at, data, big, doc, f, d) VALUES
           ('Zoë 🐬 \"q\"', NULL, 1234567.10, '2024-02-29 13:45:00.250', x'00FF01', 18446744073709551615,
            '{\"a\": [1, 2]}', 0.5, '2024-02-29')",
    )
    .await;
    let inserted = one(&inserted);
    assert_eq!(inserted.rows_affected, 1);
    assert_eq!(inserted.last_insert_id, Some(1));
    assert!(inserted.columns.is_empty());

    let answer = app
        .query_ok(
            &key,
            &db,
            "SELECT id, name, note, price, at, data, big, doc, f, d FROM t",
        )
        .await;
    let result = one(&answer);
    let types: Vec<&str> = result
        .columns
        .iter()
        .map(|c| c.type_name.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "INT",
            "VARCHAR",
            "TEXT",
            "DECIMAL",
            "DATETIME",
            "BLOB",
            "BIGINT UNSIGNED",
            "LONGTEXT",
            "DOUBLE",
            "DATE"
        ]
    );
    assert_eq!(result.columns[5].encoding.as_deref(), Some("base64"));
    assert!(sent(&answer)["columns"][1].get("encoding").is_none());
    assert_eq!(
        json!(result.rows[0]),
        json!([
            1,
            "Zoë 🐬 \"q\"",
            null,
            "1234567.10",
            "2024-02-29T13:45:00.250",
            "AP8B",
            "18446744073709551615",
            "{\"a\": [1, 2]}",
            0.5,
            "2024-02-29"
        ])
    );
    assert_eq!(result.row_count, 1);
    assert!(!result.truncated);
    assert!(sent(&answer)["elapsed_ms"].is_u64());

    // An empty result still names its columns.
    let empty = app
        .query_ok(&key, &db, "SELECT id, name FROM t WHERE id > 100")
        .await;
    let empty = one(&empty);
    assert_eq!(empty.columns.len(), 2);
    assert!(empty.rows.is_empty());
}

#[tokio::test]
async fn a_syntax_error_is_400_with_mariadbs_number_and_message() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    let (code, errno, message) = sql_error(&app, &key, &db, "SELEC 1").await;
    assert_eq!((code.as_str(), errno), ("sql_error", Some(1064)));
    assert!(message.contains("SQL syntax"), "{message}");
    let (_, errno, _) = sql_error(&app, &key, &db, "SELECT * FROM no_such_table").await;
    assert_eq!(errno, Some(1146));
}

#[tokio::test]
async fn mariadb_itself_refuses_everything_outside_the_account() {
    let app = spawn_app().await;
    let (account, key, db) = account_with_database(&app).await;
    let (_other, other_key, other_db) = account_with_database(&app).await;
    app.query_ok(
        &other_key,
        &other_db,
        "CREATE TABLE secrets (v VARCHAR(20)); INSERT INTO secrets VALUES ('theirs')",
    )
    .await;

    let refused = [
        "SELECT * FROM mysql.user",
        &format!("SELECT * FROM `{other_db}`.secrets"),
        &format!("UPDATE `{other_db}`.secrets SET v = 'mine'"),
        &format!("DROP DATABASE `{other_db}`"),
        "CREATE USER 'evil'@'%' IDENTIFIED BY 'x'",
        &format!(
            "GRANT SELECT ON `{other_db}`.* TO '{}-panel'@'localhost'",
            account.prefix
        ),
        "SET GLOBAL max_connections = 1",
        "SELECT 1 INTO OUTFILE '/tmp/nobregas-outfile'",
        "CREATE DATABASE evil_outside",
        "SHUTDOWN",
    ];
    for sql in refused {
        let (code, errno, message) = sql_error(&app, &key, &db, sql).await;
        assert_eq!(code, "sql_error", "{sql}: {message}");
        assert!(
            matches!(errno, Some(1044 | 1045 | 1142 | 1227 | 1143)),
            "{sql}: {errno:?} {message}"
        );
    }
    // Without FILE, LOAD_FILE reads nothing.
    let file = app
        .query_ok(&key, &db, "SELECT LOAD_FILE('/etc/passwd') AS f")
        .await;
    assert_eq!(one(&file).rows[0][0], Value::Null);
    // The other account's data is as it was, and nothing was created outside the prefix.
    let theirs = app
        .query_ok(&other_key, &other_db, "SELECT v FROM secrets")
        .await;
    assert_eq!(json!(one(&theirs).rows), json!([["theirs"]]));
    assert!(!app.database_exists("evil_outside").await);
    // Inside the prefix, the account may do as it likes.
    app.query_ok(
        &key,
        &db,
        &format!("CREATE DATABASE `{}_made_by_sql`", account.prefix),
    )
    .await;
    assert!(
        app.database_exists(&format!("{}_made_by_sql", account.prefix))
            .await
    );
}

#[tokio::test]
async fn the_identity_is_hidden_and_lives_at_localhost_only() {
    let app = spawn_app().await;
    let (account, key, db) = account_with_database(&app).await;
    app.query_ok(&key, &db, "SELECT 1").await;
    let api = app.api(&key);
    let add = api
        .add_whitelist_entry(&NewWhitelistEntry {
            host: "192.0.2.7".into(),
            note: None,
        })
        .await
        .unwrap();
    assert_eq!(add.status, StatusCode::CREATED);
    let identity = format!("{}-panel", account.prefix);
    assert_eq!(
        app.user_hosts(&identity).await,
        vec!["localhost".to_owned()]
    );
    let grants = app.show_grants(&identity).await;
    assert!(
        grants.contains(&format!("`{}\\_%`", account.prefix)),
        "{grants}"
    );
    assert!(
        !grants.contains("PRIVILEGES ON *.*") && !grants.contains("WITH GRANT OPTION"),
        "{grants}"
    );
    let users = sent(&api.list_users().await.unwrap());
    assert!(!users.to_string().contains(&identity), "{users}");
    // Its password is the panel's: the API never returns it, and a user of that name cannot be made.
    let taken = api
        .create_user(&CreateUser {
            name: identity,
            password: Some("a long password".into()),
        })
        .await;
    assert_eq!(refusal(taken).0, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn rows_past_the_cap_are_left_out_and_flagged() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    let capped = app
        .query_ok(&key, &db, "SELECT seq FROM seq_1_to_50000")
        .await;
    let capped = one(&capped);
    assert_eq!(capped.row_count, 1000);
    assert_eq!(capped.rows.len(), 1000);
    assert!(capped.truncated);
    assert_eq!(json!(capped.rows[999]), json!([1000]));

    let api = app.api(&key);
    let most = api
        .run_query(
            &db,
            &QueryRequest {
                max_rows: Some(10000),
                ..QueryRequest::sql("SELECT seq FROM seq_1_to_50000")
            },
        )
        .await
        .unwrap();
    let most = one(&most);
    assert_eq!((most.row_count, most.truncated), (10000, true));
    let exact = api
        .run_query(
            &db,
            &QueryRequest {
                max_rows: Some(5),
                ..QueryRequest::sql("SELECT seq FROM seq_1_to_5")
            },
        )
        .await
        .unwrap();
    assert!(!one(&exact).truncated);

    for bad in [
        QueryRequest {
            max_rows: Some(10001),
            ..QueryRequest::sql("SELECT 1")
        },
        QueryRequest {
            max_rows: Some(0),
            ..QueryRequest::sql("SELECT 1")
        },
        QueryRequest {
            timeout_ms: Some(300001),
            ..QueryRequest::sql("SELECT 1")
        },
    ] {
        assert_eq!(
            refusal(api.run_query(&db, &bad).await).0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn several_statements_run_in_order_in_one_session() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    let body = app
        .query_ok(
            &key,
            &db,
            "SET @n = 41; SELECT @n + 1 AS answer; SELECT 'two' AS second",
        )
        .await;
    let QueryResponse::Many(many) = &body.value else {
        panic!("one result: {}", body.raw);
    };
    let results = &many.results;
    assert_eq!(results.len(), 3);
    assert_eq!(json!(results[1].rows), json!([[42]]));
    assert_eq!(results[2].columns[0].name, "second");
    // A failing statement ends the request; the ones before it have run.
    let (_, errno, _) = sql_error(&app, &key, &db, "CREATE TABLE ran (id INT); SELEC 1").await;
    assert_eq!(errno, Some(1064));
    app.query_ok(&key, &db, "SELECT * FROM ran").await;
}

#[tokio::test]
async fn a_statement_past_its_timeout_is_stopped_on_the_server() {
    let app = spawn_app().await;
    let (account, key, db) = account_with_database(&app).await;
    let api = app.api(&key);
    let started = Instant::now();
    let timed_out = api
        .run_query(
            &db,
            &QueryRequest {
                timeout_ms: Some(1000),
                ..QueryRequest::sql("SELECT SLEEP(20)")
            },
        )
        .await;
    assert_eq!(
        refusal(timed_out),
        (StatusCode::BAD_REQUEST, "query_timeout".to_owned())
    );
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        statements_running(&app, &account.prefix, "%SLEEP(20)%").await,
        0
    );

    // Lifting MariaDB's limit from inside the session does not help: the panel's backstop kills it.
    let started = Instant::now();
    let timed_out = api
        .run_query(
            &db,
            &QueryRequest {
                timeout_ms: Some(1000),
                ..QueryRequest::sql("SET SESSION max_statement_time = 0; SELECT SLEEP(21)")
            },
        )
        .await;
    assert_eq!(refusal(timed_out).1, "query_timeout");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        statements_running(&app, &account.prefix, "%SLEEP(21)%").await,
        0
    );
}

#[tokio::test]
async fn cancel_stops_a_running_statement_and_only_its_owner_can() {
    let app = spawn_app().await;
    let (account, key, db) = account_with_database(&app).await;
    let (_mallory, mallory_key, _) = account_with_database(&app).await;
    // Raw, for the answer's Query-Id header.
    let running = {
        let app_url = app.url(&format!("/api/databases/{db}/query"));
        let request = app
            .client
            .post(app_url)
            .bearer_auth(&key)
            .json(&QueryRequest {
                query_id: Some("cancel-me-123".into()),
                ..QueryRequest::sql("SELECT SLEEP(30)")
            });
        tokio::spawn(async move { request.send().await.unwrap() })
    };
    // Wait until it runs, then let another account try, then the owner.
    let started = Instant::now();
    while statements_running(&app, &account.prefix, "%SLEEP(30)%").await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the statement never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let theirs = app.api(&mallory_key).cancel_query("cancel-me-123").await;
    assert_eq!(refusal(theirs).0, StatusCode::NOT_FOUND);
    let api = app.api(&key);
    assert_eq!(
        api.cancel_query("cancel-me-123").await.unwrap(),
        StatusCode::NO_CONTENT
    );
    let answer = running.await.unwrap();
    assert_eq!(answer.headers()["query-id"], "cancel-me-123");
    assert_eq!(error_code(answer).await, "query_cancelled");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        statements_running(&app, &account.prefix, "%SLEEP(30)%").await,
        0
    );
    let gone = api.cancel_query("cancel-me-123").await;
    assert_eq!(refusal(gone).0, StatusCode::NOT_FOUND);
}

/// The CI flake of the Query tab's Cancel: a Cancel that reaches the server before the statement
/// has started (the session still connecting, or between connecting and running) must still stop
/// it — MariaDB forgets a `KILL QUERY` that comes before the statement.
#[tokio::test]
async fn a_cancel_sent_before_the_statement_starts_still_stops_it() {
    let app = spawn_app().await;
    let (account, key, db) = account_with_database(&app).await;
    let api = app.api(&key);
    let running = {
        let (api, db) = (api.clone(), db.clone());
        let request = QueryRequest {
            query_id: Some("cancel-early-1".into()),
            ..QueryRequest::sql("SELECT SLEEP(31)")
        };
        tokio::spawn(async move { api.run_query(&db, &request).await })
    };
    // Cancel as soon as the server knows the id: the first 204 comes before the statement runs.
    let started = Instant::now();
    loop {
        match api.cancel_query("cancel-early-1").await {
            Ok(status) => {
                assert_eq!(status, StatusCode::NO_CONTENT);
                break;
            }
            Err(err) => assert_eq!(err.status(), Some(StatusCode::NOT_FOUND), "{err}"),
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never known");
    }
    let answer = running.await.unwrap();
    assert_eq!(refusal(answer).1, "query_cancelled");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the statement ran on: {:?}",
        started.elapsed()
    );
    assert_eq!(
        statements_running(&app, &account.prefix, "%SLEEP(31)%").await,
        0
    );
}

#[tokio::test]
async fn an_account_runs_a_few_statements_at_once_and_no_more() {
    let app = spawn_app().await;
    let (account, key, db) = account_with_database(&app).await;
    let (_other, other_key, other_db) = account_with_database(&app).await;
    let api = app.api(&key);
    let mut sleepers = Vec::new();
    for i in 0..4 {
        let (api, db) = (api.clone(), db.clone());
        let request = QueryRequest::sql(format!("SELECT SLEEP(3) AS s{i}"));
        sleepers.push(tokio::spawn(async move {
            api.run_query(&db, &request)
                .await
                .map(|answer| answer.status)
        }));
    }
    let started = Instant::now();
    while statements_running(&app, &account.prefix, "%SLEEP(3)%").await < 4 {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the four statements never ran together"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let fifth = api.run_query(&db, &QueryRequest::sql("SELECT 1")).await;
    assert_eq!(refusal(fifth).0, StatusCode::TOO_MANY_REQUESTS);
    // Another account is not affected.
    app.query_ok(&other_key, &other_db, "SELECT 1").await;
    for sleeper in sleepers {
        assert_eq!(sleeper.await.unwrap(), Ok(StatusCode::OK));
    }
}

#[tokio::test]
async fn other_accounts_databases_and_bad_bodies_change_nothing() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    let (_other, other_key, _) = account_with_database(&app).await;
    let theirs = app.api(&other_key);
    let drop = QueryRequest::sql("DROP TABLE IF EXISTS x");
    // The export streams its answer: the client has no typed call for it.
    let export = theirs
        .request(Method::POST, &format!("/api/databases/{db}/query/export"))
        .json(&ExportRequest {
            sql: "SELECT 1".into(),
            format: ExportFormat::Csv,
            timeout_ms: None,
            query_id: None,
        });
    for (path, refused) in [
        (
            format!("/api/databases/{db}/query"),
            refusal(theirs.run_query(&db, &drop).await),
        ),
        (
            format!("/api/databases/{db}/query/export"),
            refusal(theirs.response(export).await),
        ),
        (
            "/api/databases/mysql/query".into(),
            refusal(theirs.run_query("mysql", &drop).await),
        ),
    ] {
        assert_eq!(refused.0, StatusCode::NOT_FOUND, "{path}");
    }
    let api = app.api(&key);
    let missing = api
        .run_query(&format!("{db}_nope"), &QueryRequest::sql("SELECT 1"))
        .await;
    assert_eq!(refusal(missing).0, StatusCode::NOT_FOUND);
    // Bodies the request type cannot express: raw JSON.
    let path = app.url(&format!("/api/databases/{db}/query"));
    let not_json = app
        .client
        .post(&path)
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("{sql")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    for bad in [
        json!({}),
        json!({ "sql": 5 }),
        json!({ "sql": "SELECT 1", "extra": 1 }),
    ] {
        let response = app.query(&key, &db, bad.clone()).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    for bad in [
        QueryRequest::sql("   "),
        QueryRequest {
            query_id: Some("bad id!".into()),
            ..QueryRequest::sql("SELECT 1")
        },
    ] {
        assert_eq!(
            refusal(api.run_query(&db, &bad).await).0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?}"
        );
    }
    // A crafted, already-encoded path: the client would encode it again.
    let unknown_cancel = app
        .send_json(
            Method::POST,
            "/api/queries/..%2F..%2Fetc/cancel",
            &key,
            json!({}),
        )
        .await;
    assert_eq!(unknown_cancel.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn history_keeps_the_last_fifty_and_the_audit_log_the_statement() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    for i in 0..52 {
        app.query_ok(&key, &db, &format!("SELECT {i}")).await;
    }
    app.query_ok(&key, &db, "SELECT 51").await; // a repeat moves, it does not pile up
    let history = app.api(&key).query_history().await.unwrap().value;
    let entries = &history.entries;
    assert_eq!(entries.len(), 50);
    assert_eq!(entries[0].sql, "SELECT 51");
    assert_eq!(entries[0].database, db);
    assert_eq!(entries[49].sql, "SELECT 2");
    let (_other, other_key, _) = account_with_database(&app).await;
    let theirs = app.api(&other_key).query_history().await.unwrap();
    assert!(theirs.value.entries.is_empty(), "{}", theirs.raw);
    // `limit` is a parameter the client's `list_audit` does not take.
    let audit: Value = app
        .get_bearer("/api/audit?limit=1", &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["events"][0]["action"], "query_run");
    assert_eq!(audit["events"][0]["details"]["statement"], "SELECT 51");
}

#[tokio::test]
async fn load_data_local_infile_reads_no_file_of_the_panel() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    app.query_ok(&key, &db, "CREATE TABLE imported (line TEXT)")
        .await;
    let (code, _, message) = sql_error(
        &app,
        &key,
        &db,
        "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE imported",
    )
    .await;
    assert_eq!(code, "sql_error", "{message}");
    let count = app
        .query_ok(&key, &db, "SELECT COUNT(*) FROM imported")
        .await;
    assert_eq!(json!(one(&count).rows), json!([[0]]));
}

#[tokio::test]
async fn a_result_stops_growing_at_16_mib() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    // 40 rows of 1 MB each: well within max_rows, far beyond the byte cap.
    let answer = app
        .query_ok(
            &key,
            &db,
            "SELECT seq, REPEAT('x', 1000000) AS big FROM seq_1_to_40",
        )
        .await;
    let result = one(&answer);
    assert!(result.truncated);
    let rows = result.row_count;
    assert!((16..=17).contains(&rows), "{rows} rows");
    assert_eq!(result.rows.len() as u64, rows);
}
