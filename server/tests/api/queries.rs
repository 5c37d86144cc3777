//! Running SQL through the API: as the account's own MySQL identity, typed results, limits,
//! timeouts and cancel that really stop the statement on the server.
use crate::helpers::{TestAccount, TestApp, error_code, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// An account with a key and one database (`<prefix>_q`).
async fn account_with_database(app: &TestApp) -> (TestAccount, String, String) {
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let db = format!("{}_q", account.prefix);
    let created = app
        .send_json(Method::POST, "/api/databases", &key, json!({ "name": db }))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    (account, key, db)
}

async fn sql_error(app: &TestApp, key: &str, db: &str, sql: &str) -> (String, Option<u64>, String) {
    let response = app.query(key, db, json!({ "sql": sql })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{sql}");
    let body: Value = response.json().await.unwrap();
    let error = &body["error"];
    (
        error["code"].as_str().unwrap().to_owned(),
        error["mysql_errno"].as_u64(),
        error["message"].as_str().unwrap().to_owned(),
    )
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
    app.query_ok(
        &key,
        &db,
        "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40), note TEXT, price DECIMAL(10,2),
           at DATETIME(3), data BLOB, big BIGINT UNSIGNED, doc JSON, f DOUBLE, d DATE)",
    )
    .await;
    let inserted = app
        .query_ok(
            &key,
            &db,
            "INSERT INTO t (name, note, price, at, data, big, doc, f, d) VALUES
               ('Zoë 🐬 \"q\"', NULL, 1234567.10, '2024-02-29 13:45:00.250', x'00FF01', 18446744073709551615,
                '{\"a\": [1, 2]}', 0.5, '2024-02-29')",
        )
        .await;
    assert_eq!(inserted["rows_affected"], 1);
    assert_eq!(inserted["last_insert_id"], 1);
    assert_eq!(inserted["columns"], json!([]));

    let result = app
        .query_ok(
            &key,
            &db,
            "SELECT id, name, note, price, at, data, big, doc, f, d FROM t",
        )
        .await;
    let types: Vec<&str> = result["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
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
    assert_eq!(result["columns"][5]["encoding"], "base64");
    assert!(result["columns"][1].get("encoding").is_none());
    assert_eq!(
        result["rows"][0],
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
    assert_eq!(result["row_count"], 1);
    assert_eq!(result["truncated"], false);
    assert!(result["elapsed_ms"].is_u64());

    // An empty result still names its columns.
    let empty = app
        .query_ok(&key, &db, "SELECT id, name FROM t WHERE id > 100")
        .await;
    assert_eq!(empty["columns"].as_array().unwrap().len(), 2);
    assert_eq!(empty["rows"], json!([]));
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
    assert_eq!(file["rows"][0][0], Value::Null);
    // The other account's data is as it was, and nothing was created outside the prefix.
    let theirs = app
        .query_ok(&other_key, &other_db, "SELECT v FROM secrets")
        .await;
    assert_eq!(theirs["rows"], json!([["theirs"]]));
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
    let add = app
        .send_json(
            Method::POST,
            "/api/whitelist",
            &key,
            json!({ "host": "192.0.2.7" }),
        )
        .await;
    assert_eq!(add.status(), StatusCode::CREATED);
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
    let users: Value = app
        .get_bearer("/api/users", &key)
        .await
        .json()
        .await
        .unwrap();
    assert!(!users.to_string().contains(&identity), "{users}");
    // Its password is the panel's: the API never returns it, and a user of that name cannot be made.
    let taken = app
        .send_json(
            Method::POST,
            "/api/users",
            &key,
            json!({ "name": identity, "password": "a long password" }),
        )
        .await;
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn rows_past_the_cap_are_left_out_and_flagged() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    let capped = app
        .query_ok(&key, &db, "SELECT seq FROM seq_1_to_50000")
        .await;
    assert_eq!(capped["row_count"], 1000);
    assert_eq!(capped["rows"].as_array().unwrap().len(), 1000);
    assert_eq!(capped["truncated"], true);
    assert_eq!(capped["rows"][999], json!([1000]));

    let most = app
        .query(
            &key,
            &db,
            json!({ "sql": "SELECT seq FROM seq_1_to_50000", "max_rows": 10000 }),
        )
        .await;
    let most: Value = most.json().await.unwrap();
    assert_eq!(
        (most["row_count"].as_u64(), most["truncated"].as_bool()),
        (Some(10000), Some(true))
    );
    let exact: Value = app
        .query(
            &key,
            &db,
            json!({ "sql": "SELECT seq FROM seq_1_to_5", "max_rows": 5 }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(exact["truncated"], false);

    for bad in [
        json!({ "sql": "SELECT 1", "max_rows": 10001 }),
        json!({ "sql": "SELECT 1", "max_rows": 0 }),
        json!({ "sql": "SELECT 1", "timeout_ms": 300001 }),
    ] {
        let response = app.query(&key, &db, bad.clone()).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
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
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[1]["rows"], json!([[42]]));
    assert_eq!(results[2]["columns"][0]["name"], "second");
    // A failing statement ends the request; the ones before it have run.
    let (_, errno, _) = sql_error(&app, &key, &db, "CREATE TABLE ran (id INT); SELEC 1").await;
    assert_eq!(errno, Some(1064));
    app.query_ok(&key, &db, "SELECT * FROM ran").await;
}

#[tokio::test]
async fn a_statement_past_its_timeout_is_stopped_on_the_server() {
    let app = spawn_app().await;
    let (account, key, db) = account_with_database(&app).await;
    let started = Instant::now();
    let response = app
        .query(
            &key,
            &db,
            json!({ "sql": "SELECT SLEEP(20)", "timeout_ms": 1000 }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "query_timeout");
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
    let response = app
        .query(&key, &db, json!({ "sql": "SET SESSION max_statement_time = 0; SELECT SLEEP(21)", "timeout_ms": 1000 }))
        .await;
    assert_eq!(error_code(response).await, "query_timeout");
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
    let running = {
        let app_url = app.url(&format!("/api/databases/{db}/query"));
        let request = app
            .client
            .post(app_url)
            .bearer_auth(&key)
            .json(&json!({ "sql": "SELECT SLEEP(30)", "query_id": "cancel-me-123" }));
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
    let theirs = app
        .send_json(
            Method::POST,
            "/api/queries/cancel-me-123/cancel",
            &mallory_key,
            json!({}),
        )
        .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let cancelled = app
        .send_json(
            Method::POST,
            "/api/queries/cancel-me-123/cancel",
            &key,
            json!({}),
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::NO_CONTENT);
    let answer = running.await.unwrap();
    assert_eq!(answer.headers()["query-id"], "cancel-me-123");
    assert_eq!(error_code(answer).await, "query_cancelled");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        statements_running(&app, &account.prefix, "%SLEEP(30)%").await,
        0
    );
    let gone = app
        .send_json(
            Method::POST,
            "/api/queries/cancel-me-123/cancel",
            &key,
            json!({}),
        )
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

/// The CI flake of the Query tab's Cancel: a Cancel that reaches the server before the statement
/// has started (the session still connecting, or between connecting and running) must still stop
/// it — MariaDB forgets a `KILL QUERY` that comes before the statement.
#[tokio::test]
async fn a_cancel_sent_before_the_statement_starts_still_stops_it() {
    let app = spawn_app().await;
    let (account, key, db) = account_with_database(&app).await;
    let running = {
        let request = app
            .client
            .post(app.url(&format!("/api/databases/{db}/query")))
            .bearer_auth(&key)
            .json(&json!({ "sql": "SELECT SLEEP(31)", "query_id": "cancel-early-1" }));
        tokio::spawn(async move { request.send().await.unwrap() })
    };
    // Cancel as soon as the server knows the id: the first 204 comes before the statement runs.
    let started = Instant::now();
    loop {
        let answer = app
            .send_json(
                Method::POST,
                "/api/queries/cancel-early-1/cancel",
                &key,
                json!({}),
            )
            .await;
        if answer.status() == StatusCode::NO_CONTENT {
            break;
        }
        assert_eq!(answer.status(), StatusCode::NOT_FOUND);
        assert!(started.elapsed() < Duration::from_secs(10), "never known");
    }
    let answer = running.await.unwrap();
    assert_eq!(error_code(answer).await, "query_cancelled");
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
    let mut sleepers = Vec::new();
    for i in 0..4 {
        let request = app
            .client
            .post(app.url(&format!("/api/databases/{db}/query")))
            .bearer_auth(&key)
            .json(&json!({ "sql": format!("SELECT SLEEP(3) AS s{i}") }));
        sleepers.push(tokio::spawn(async move {
            request.send().await.unwrap().status()
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
    let fifth = app.query(&key, &db, json!({ "sql": "SELECT 1" })).await;
    assert_eq!(fifth.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another account is not affected.
    app.query_ok(&other_key, &other_db, "SELECT 1").await;
    for sleeper in sleepers {
        assert_eq!(sleeper.await.unwrap(), StatusCode::OK);
    }
}

#[tokio::test]
async fn other_accounts_databases_and_bad_bodies_change_nothing() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    let (_other, other_key, _) = account_with_database(&app).await;
    let drop = json!({ "sql": "DROP TABLE IF EXISTS x" });
    let export = json!({ "sql": "SELECT 1", "format": "csv" });
    for (path, body) in [
        (format!("/api/databases/{db}/query"), &drop),
        (format!("/api/databases/{db}/query/export"), &export),
        ("/api/databases/mysql/query".into(), &drop),
    ] {
        let response = app
            .send_json(Method::POST, &path, &other_key, body.clone())
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let missing = app
        .send_json(
            Method::POST,
            &format!("/api/databases/{db}_nope/query"),
            &key,
            json!({ "sql": "SELECT 1" }),
        )
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
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
        json!({ "sql": "   " }),
        json!({ "sql": "SELECT 1", "extra": 1 }),
        json!({ "sql": "SELECT 1", "query_id": "bad id!" }),
    ] {
        let response = app.query(&key, &db, bad.clone()).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
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
    let history: Value = app
        .get_bearer("/api/queries/history", &key)
        .await
        .json()
        .await
        .unwrap();
    let entries = history["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 50);
    assert_eq!(entries[0]["sql"], "SELECT 51");
    assert_eq!(entries[0]["database"], db.as_str());
    assert_eq!(entries[49]["sql"], "SELECT 2");
    let (_other, other_key, _) = account_with_database(&app).await;
    let theirs: Value = app
        .get_bearer("/api/queries/history", &other_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["entries"], json!([]));
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
    assert_eq!(count["rows"], json!([[0]]));
}

#[tokio::test]
async fn a_result_stops_growing_at_16_mib() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    // 40 rows of 1 MB each: well within max_rows, far beyond the byte cap.
    let result = app
        .query_ok(
            &key,
            &db,
            "SELECT seq, REPEAT('x', 1000000) AS big FROM seq_1_to_40",
        )
        .await;
    assert_eq!(result["truncated"], true);
    let rows = result["row_count"].as_u64().unwrap();
    assert!((16..=17).contains(&rows), "{rows} rows");
    assert_eq!(result["rows"].as_array().unwrap().len() as u64, rows);
}
