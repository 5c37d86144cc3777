//! The Tables API: browse with keyset pages, sort and filters; edit rows with the old values
//! checked; shape tables; export and import — all as the account's own identity.
use crate::helpers::{TestAccount, TestApp, spawn_app};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use types::model::CreateDatabase;

/// An account with a key and one database (`<prefix>_t`).
async fn account_with_database(app: &TestApp) -> (TestAccount, String, String) {
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let db = format!("{}_t", account.prefix);
    app.api(&key)
        .create_database(&CreateDatabase::named(db.clone()))
        .await
        .expect("created");
    (account, key, db)
}

async fn json_of(response: Response, expected: StatusCode) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, expected, "{body}");
    body
}

async fn get(app: &TestApp, key: &str, path: &str) -> Value {
    json_of(app.get_bearer(path, key).await, StatusCode::OK).await
}

fn rows_path(db: &str, table: &str) -> String {
    format!("/api/databases/{db}/tables/{table}/rows")
}

/// A value of the admin's view of `db`.
async fn admin_scalar(app: &TestApp, sql: &str) -> Option<String> {
    sqlx::query_scalar::<_, Option<String>>(sql)
        .fetch_one(&app.state.mysql)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
}

const EVERY_TYPE: &str = "CREATE TABLE everything (
    id INT AUTO_INCREMENT PRIMARY KEY,
    b BIT(10), d DECIMAL(65,30), dt DATETIME(6), ts TIMESTAMP(3) NULL DEFAULT NULL, dd DATE,
    tm TIME(2), yr YEAR, j JSON, g GEOMETRY, bl BLOB, vb VARBINARY(16), bn BINARY(4),
    e ENUM('a','it''s'), s SET('x','y'), f FLOAT, db DOUBLE, big BIGINT UNSIGNED, neg BIGINT,
    ti TINYINT, txt TEXT, emoji VARCHAR(20) CHARACTER SET utf8mb4, nul VARCHAR(5) NULL,
    empty VARCHAR(5) NULL, lat CHAR(3) CHARACTER SET latin1, bool_col BOOLEAN, u UUID, ip INET6)";

const EVERY_VALUE: &str = "INSERT INTO everything VALUES (NULL,
    b'1011001101', '12345678901234567890123456789012345.123456789012345678901234567891',
    '2024-02-29 13:45:00.123456', '2038-01-19 03:14:07.999', '1000-01-01', '-838:59:59.99', 2155,
    '{\"k\": [1, \"two\", null]}', ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), X'00FF10', X'DEADBEEF', X'0102',
    'it''s', 'x,y', 1.1, 2.000000000000001, 18446744073709551615, -9223372036854775808,
    -128, 'line1\\nline2 \\\\ back', '🦀 émoji ✓', NULL, '', 'ñé', TRUE,
    '123e4567-e89b-12d3-a456-426614174000', '2001:db8::1')";

/// Every column of a row as MariaDB stores it (QUOTE keeps NULL apart from '').
fn fingerprint(db: &str, id: i64) -> String {
    let columns = [
        "HEX(b)",
        "d",
        "dt",
        "ts",
        "dd",
        "tm",
        "yr",
        "j",
        "HEX(g)",
        "HEX(bl)",
        "HEX(vb)",
        "HEX(bn)",
        "e",
        "s",
        "f",
        "db",
        "big",
        "neg",
        "ti",
        "HEX(txt)",
        "HEX(emoji)",
        "nul",
        "empty",
        "HEX(lat)",
        "bool_col",
        "u",
        "ip",
    ];
    let quoted: Vec<String> = columns.iter().map(|c| format!("QUOTE({c})")).collect();
    format!(
        "SELECT CONVERT(CONCAT_WS('|', {}) USING utf8mb4) FROM `{db}`.everything WHERE id = {id}",
        quoted.join(", ")
    )
}

#[tokio::test]
async fn every_column_type_round_trips_through_browse_and_edit() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    app.query_ok(&key, &db, EVERY_TYPE).await;
    app.query_ok(&key, &db, EVERY_VALUE).await;
    let before = admin_scalar(&app, &fingerprint(&db, 1)).await;

    let page = get(&app, &key, &rows_path(&db, "everything")).await;
    assert_eq!(page["key"], json!(["id"]));
    let names: Vec<String> = page["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    let row = page["rows"][0].as_array().unwrap().clone();
    let value = |name: &str| row[names.iter().position(|n| n == name).unwrap()].clone();
    // What the grid is sent: the console's JSON.
    assert_eq!(value("b"), json!(0b1011001101));
    assert_eq!(
        value("d"),
        json!("12345678901234567890123456789012345.123456789012345678901234567891")
    );
    assert_eq!(value("dt"), json!("2024-02-29T13:45:00.123456"));
    assert_eq!(value("ts"), json!("2038-01-19T03:14:07.999"));
    assert_eq!(value("tm"), json!("-838:59:59.99"));
    assert_eq!(value("f"), json!(1.1));
    assert_eq!(value("big"), json!("18446744073709551615"));
    assert_eq!(value("neg"), json!("-9223372036854775808"));
    assert_eq!(value("bl"), json!("AP8Q"));
    assert_eq!(value("emoji"), json!("🦀 émoji ✓"));
    assert_eq!(value("nul"), Value::Null);
    assert_eq!(value("empty"), json!(""));
    assert_eq!(value("e"), json!("it's"));

    // Every value written back as it was read, with itself as the old value: accepted, and
    // MariaDB holds exactly what it held.
    let mut all = serde_json::Map::new();
    for (name, value) in names.iter().zip(&row) {
        if name != "id" {
            all.insert(name.clone(), value.clone());
        }
    }
    let patched = app
        .send_json(
            Method::PATCH,
            &rows_path(&db, "everything"),
            &key,
            json!({"key": {"id": 1}, "old": all, "set": all}),
        )
        .await;
    let patched = json_of(patched, StatusCode::OK).await;
    assert_eq!(patched["key"], json!({"id": 1}));
    assert_eq!(admin_scalar(&app, &fingerprint(&db, 1)).await, before);

    // The same values inserted as a new row make an identical row.
    let inserted = app
        .send_json(
            Method::POST,
            &rows_path(&db, "everything"),
            &key,
            json!({"values": all}),
        )
        .await;
    let inserted = json_of(inserted, StatusCode::CREATED).await;
    assert_eq!(inserted["key"], json!({"id": 2}));
    assert_eq!(inserted["row"]["emoji"], json!("🦀 émoji ✓"));
    assert_eq!(admin_scalar(&app, &fingerprint(&db, 2)).await, before);
}

#[tokio::test]
async fn a_row_changed_underneath_is_409_and_nothing_is_overwritten() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    app.query_ok(
        &key,
        &db,
        "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(6,2), qty FLOAT)",
    )
    .await;
    app.query_ok(
        &key,
        &db,
        "INSERT INTO items VALUES (7, 'item7', 1.50, 0.1), (8, 'item8', 2, 3)",
    )
    .await;
    let path = rows_path(&db, "items");

    let changed = app
        .send_json(
            Method::PATCH,
            &path,
            &key,
            json!({"key":{"id":7},"old":{"name":"item7"},"set":{"name":"seven"}}),
        )
        .await;
    assert_eq!(
        json_of(changed, StatusCode::OK).await["row"]["name"],
        json!("seven")
    );

    // Someone else changes it; the stale edit is refused.
    let stale = app
        .send_json(
            Method::PATCH,
            &path,
            &key,
            json!({"key":{"id":7},"old":{"name":"item7"},"set":{"name":"mine"}}),
        )
        .await;
    let body = json_of(stale, StatusCode::CONFLICT).await;
    assert_eq!(body["error"]["code"], json!("row_changed"));
    assert_eq!(
        admin_scalar(&app, &format!("SELECT name FROM `{db}`.items WHERE id = 7"))
            .await
            .as_deref(),
        Some("seven")
    );

    // A change of case alone is a change; floats compare at their own precision.
    app.query_ok(&key, &db, "UPDATE items SET name = 'SEVEN' WHERE id = 7")
        .await;
    let case_only = app
        .send_json(
            Method::PATCH,
            &path,
            &key,
            json!({"key":{"id":7},"old":{"name":"seven","qty":0.1},"set":{"price":"9.99"}}),
        )
        .await;
    assert_eq!(
        json_of(case_only, StatusCode::CONFLICT).await["error"]["code"],
        json!("row_changed")
    );
    let float_ok = app
        .send_json(Method::PATCH, &path, &key, json!({"key":{"id":7},"old":{"name":"SEVEN","qty":0.1,"price":"1.50"},"set":{"price":"9.99"}}))
        .await;
    assert_eq!(
        json_of(float_ok, StatusCode::OK).await["row"]["price"],
        json!("9.99")
    );

    // Setting a row to what it already holds is not a conflict.
    let same = app
        .send_json(
            Method::PATCH,
            &path,
            &key,
            json!({"key":{"id":8},"old":{"name":"item8"},"set":{"name":"item8"}}),
        )
        .await;
    json_of(same, StatusCode::OK).await;

    // A delete of two rows where one changed deletes neither.
    let stale_delete = app
        .send_json(Method::DELETE, &path, &key, json!({"rows":[{"key":{"id":8},"old":{"name":"item8"}},{"key":{"id":7},"old":{"name":"seven"}}]}))
        .await;
    assert_eq!(
        json_of(stale_delete, StatusCode::CONFLICT).await["error"]["code"],
        json!("row_changed")
    );
    assert_eq!(
        admin_scalar(
            &app,
            &format!("SELECT CAST(COUNT(*) AS CHAR) FROM `{db}`.items")
        )
        .await
        .as_deref(),
        Some("2")
    );
    let deleted = app
        .send_json(Method::DELETE, &path, &key, json!({"rows":[{"key":{"id":8},"old":{"name":"item8"}},{"key":{"id":7},"old":{"name":"SEVEN"}}]}))
        .await;
    assert_eq!(
        json_of(deleted, StatusCode::OK).await,
        json!({"deleted": 2})
    );
    // A row that is gone is a conflict too.
    let gone = app
        .send_json(
            Method::PATCH,
            &path,
            &key,
            json!({"key":{"id":7},"set":{"name":"x"}}),
        )
        .await;
    assert_eq!(
        json_of(gone, StatusCode::CONFLICT).await["error"]["code"],
        json!("row_changed")
    );

    // Edits are in the audit log.
    let audit = get(&app, &key, "/api/audit").await;
    let actions: Vec<&str> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"row_updated") && actions.contains(&"rows_deleted"),
        "{actions:?}"
    );
}

/// Every page of a view, following `next`.
async fn all_pages(
    app: &TestApp,
    key: &str,
    db: &str,
    table: &str,
    query: &str,
) -> (Vec<Value>, usize) {
    let mut rows = Vec::new();
    let mut pages = 0;
    let mut after: Option<String> = None;
    loop {
        let mut path = format!("{}?{query}", rows_path(db, table));
        if let Some(after) = &after {
            path.push_str(&format!("&after={}", types::tables::percent_encode(after)));
        }
        let page = get(app, key, &path).await;
        pages += 1;
        rows.extend(page["rows"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return (rows, pages),
        }
        assert!(pages < 100, "paging does not end");
    }
}

/// The same view straight from MariaDB, as the admin.
async fn expected_ids(app: &TestApp, sql: &str) -> Vec<Value> {
    let ids: Vec<i64> = sqlx::query_scalar(sql)
        .fetch_all(&app.state.mysql)
        .await
        .unwrap();
    ids.into_iter().map(Value::from).collect()
}

#[tokio::test]
async fn pages_follow_the_key_in_any_order_with_filters() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    app.query_ok(&key, &db, "CREATE TABLE p (id INT PRIMARY KEY, name VARCHAR(20), grp INT NULL, note VARCHAR(10) NULL)").await;
    app.query_ok(
        &key,
        &db,
        "INSERT INTO p SELECT seq, CONCAT('n', seq % 37), IF(seq % 5 = 0, NULL, seq % 7), IF(seq % 3 = 0, NULL, 'x')
         FROM seq_1_to_250",
    )
    .await;
    let ids = |rows: &[Value]| rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>();

    let (rows, pages) = all_pages(&app, &key, &db, "p", "limit=100").await;
    assert_eq!(pages, 3);
    assert_eq!(
        ids(&rows),
        expected_ids(&app, &format!("SELECT id FROM `{db}`.p ORDER BY id")).await
    );

    for (order, sql) in [
        ("grp", "grp, id"),
        ("grp.desc", "grp DESC, id DESC"),
        ("name.desc", "name DESC, id DESC"),
    ] {
        let (rows, _) = all_pages(&app, &key, &db, "p", &format!("limit=25&order={order}")).await;
        assert_eq!(
            ids(&rows),
            expected_ids(&app, &format!("SELECT id FROM `{db}`.p ORDER BY {sql}")).await,
            "order={order}"
        );
    }

    for (filter, sql) in [
        ("grp.eq.3", "grp = 3"),
        ("grp.neq.3", "grp <> 3"),
        ("id.lt.20", "id < 20"),
        ("id.gt.240", "id > 240"),
        ("name.like.n1%25", "name LIKE 'n1%'"),
        ("id.in.4,5,6", "id IN (4,5,6)"),
        ("grp.is.null", "grp IS NULL"),
        (
            "note.is.notnull&filter=grp.lt.2",
            "note IS NOT NULL AND grp < 2",
        ),
    ] {
        let (rows, _) = all_pages(
            &app,
            &key,
            &db,
            "p",
            &format!("limit=10&order=name&filter={filter}"),
        )
        .await;
        assert_eq!(
            ids(&rows),
            expected_ids(
                &app,
                &format!("SELECT id FROM `{db}`.p WHERE {sql} ORDER BY name, id")
            )
            .await,
            "filter={filter}"
        );
    }

    // Values are parameters: a quote in a filter is just a character.
    let odd = get(
        &app,
        &key,
        &format!("{}?filter=name.eq.x'%20OR%20'1'='1", rows_path(&db, "p")),
    )
    .await;
    assert_eq!(odd["rows"], json!([]));

    // Composite keys page with a JSON array.
    app.query_ok(
        &key,
        &db,
        "CREATE TABLE c (a INT, b VARCHAR(5), v INT, PRIMARY KEY (a, b))",
    )
    .await;
    app.query_ok(
        &key,
        &db,
        "INSERT INTO c SELECT seq % 4, CONCAT('k', seq), seq FROM seq_1_to_30",
    )
    .await;
    let (rows, _) = all_pages(&app, &key, &db, "c", "limit=7").await;
    let values: Vec<Value> = rows.iter().map(|r| r[2].clone()).collect();
    assert_eq!(
        values,
        expected_ids(&app, &format!("SELECT v FROM `{db}`.c ORDER BY a, b")).await
    );
    let page = get(&app, &key, &format!("{}?limit=7", rows_path(&db, "c"))).await;
    assert!(page["next"].as_str().unwrap().starts_with('['), "{page}");

    // Bad views are refused clearly.
    for bad in [
        "order=nope",
        "filter=id.between.3",
        "limit=0",
        "limit=10001",
        "colour=red",
    ] {
        let response = app
            .get_bearer(&format!("{}?{bad}", rows_path(&db, "p")), &key)
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
}

#[tokio::test]
async fn tables_without_a_key_are_read_only_and_say_why() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    app.query_ok(&key, &db, "CREATE TABLE log (at INT, msg VARCHAR(10))")
        .await;
    app.query_ok(
        &key,
        &db,
        "INSERT INTO log SELECT seq, 'm' FROM seq_1_to_12",
    )
    .await;
    app.query_ok(&key, &db, "CREATE VIEW v AS SELECT at FROM log")
        .await;
    let page = get(&app, &key, &format!("{}?limit=5", rows_path(&db, "log"))).await;
    assert!(
        page["read_only_reason"]
            .as_str()
            .unwrap()
            .contains("no primary key"),
        "{page}"
    );
    assert_eq!(page["key"], json!([]));
    let (rows, pages) = all_pages(&app, &key, &db, "log", "limit=5").await;
    assert_eq!((rows.len(), pages), (12, 3));
    let refused = app
        .send_json(
            Method::POST,
            &rows_path(&db, "log"),
            &key,
            json!({"values":{"at":1}}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let view = get(&app, &key, &format!("/api/databases/{db}/tables/v")).await;
    assert_eq!(view["kind"], json!("view"));
    assert!(view["read_only_reason"].is_string());

    let list = get(&app, &key, &format!("/api/databases/{db}/tables")).await;
    let names: Vec<&str> = list["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["log", "v"]);
}

#[tokio::test]
async fn structure_changes_show_their_statement_and_run_it() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    let base = format!("/api/databases/{db}/tables");
    let created = app
        .send_json(Method::POST, &base, &key, json!({
            "name": "shop items",
            "columns": [
                {"name": "id", "type": "int unsigned", "nullable": false, "auto_increment": true},
                {"name": "name", "type": "varchar(40)", "nullable": false, "default": "it's"}
            ],
            "primary_key": ["id"]
        }))
        .await;
    let created = json_of(created, StatusCode::CREATED).await;
    assert!(
        created["sql"]
            .as_str()
            .unwrap()
            .starts_with("CREATE TABLE `shop items`"),
        "{created}"
    );

    let table = format!("{base}/shop%20items");
    let add = json!({"column": {"name": "price", "type": "decimal(10,2)", "default": "0.00", "comment": "in €"}, "position": {"after": "id"}, "dry_run": true});
    let dry = json_of(
        app.send_json(Method::POST, &format!("{table}/columns"), &key, add.clone())
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(dry["applied"], json!(false));
    let structure = get(&app, &key, &table).await;
    assert_eq!(
        structure["columns"].as_array().unwrap().len(),
        2,
        "a dry run changes nothing"
    );

    let mut run = add.clone();
    run["dry_run"] = json!(false);
    let ran = json_of(
        app.send_json(Method::POST, &format!("{table}/columns"), &key, run)
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(ran["sql"], dry["sql"], "the statement shown is the one run");
    let structure = get(&app, &key, &table).await;
    let columns: Vec<&str> = structure["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["id", "price", "name"]);
    assert_eq!(structure["key"], json!(["id"]));
    assert!(structure["create_sql"].as_str().unwrap().contains("in €"));

    // A type that carries SQL is refused and changes nothing.
    let evil = app
        .send_json(
            Method::POST,
            &format!("{table}/columns"),
            &key,
            json!({"column": {"name": "x", "type": "int, DROP COLUMN name"}}),
        )
        .await;
    assert_eq!(evil.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        get(&app, &key, &table).await["columns"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let index = app
        .send_json(
            Method::POST,
            &format!("{table}/indexes"),
            &key,
            json!({"name": "by_name", "columns": ["name"], "kind": "unique"}),
        )
        .await;
    json_of(index, StatusCode::CREATED).await;
    let changed = app
        .send_json(
            Method::PATCH,
            &format!("{table}/columns/name"),
            &key,
            json!({"column": {"name": "title", "type": "varchar(80)", "nullable": false}}),
        )
        .await;
    json_of(changed, StatusCode::OK).await;
    let structure = get(&app, &key, &table).await;
    assert!(
        structure["indexes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["name"] == "by_name"
                && i["unique"] == true
                && i["columns"] == json!(["title"])),
        "{structure}"
    );

    json_of(
        app.send_json(
            Method::DELETE,
            &format!("{table}/indexes/by_name"),
            &key,
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    json_of(
        app.send_json(
            Method::DELETE,
            &format!("{table}/columns/price"),
            &key,
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    app.query_ok(
        &key,
        &db,
        "INSERT INTO `shop items` (title) VALUES ('a'), ('b')",
    )
    .await;
    json_of(
        app.send_json(Method::POST, &format!("{table}/truncate"), &key, json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        admin_scalar(
            &app,
            &format!("SELECT CAST(COUNT(*) AS CHAR) FROM `{db}`.`shop items`")
        )
        .await
        .as_deref(),
        Some("0")
    );
    let renamed = app
        .send_json(
            Method::POST,
            &format!("{table}/rename"),
            &key,
            json!({"name": "items"}),
        )
        .await;
    assert_eq!(
        json_of(renamed, StatusCode::OK).await["sql"],
        json!("RENAME TABLE `shop items` TO `items`")
    );
    json_of(
        app.send_json(Method::DELETE, &format!("{base}/items"), &key, json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(get(&app, &key, &base).await["tables"], json!([]));

    // MariaDB's own refusals come back as sql_error.
    let refused = app
        .send_json(Method::POST, &base, &key, json!({"name": "t", "columns": [{"name": "a", "type": "int"}, {"name": "b", "type": "int"}], "primary_key": []}))
        .await;
    json_of(refused, StatusCode::CREATED).await;
    let duplicate = app
        .send_json(
            Method::POST,
            &base,
            &key,
            json!({"name": "t", "columns": [{"name": "a", "type": "int"}]}),
        )
        .await;
    assert_eq!(
        json_of(duplicate, StatusCode::BAD_REQUEST).await["error"]["code"],
        json!("sql_error")
    );
}

#[tokio::test]
async fn export_streams_the_view_and_import_loads_csv() {
    let app = spawn_app().await;
    let (_account, key, db) = account_with_database(&app).await;
    app.query_ok(&key, &db, "CREATE TABLE src (id INT PRIMARY KEY, name VARCHAR(30) NULL, bin VARBINARY(4), n DECIMAL(5,2))").await;
    app.query_ok(&key, &db, "INSERT INTO src VALUES (1, 'a,b \"q\"', X'00FF', 1.50), (2, NULL, NULL, NULL), (3, '', X'', 0), (4, 'back\\\\slash', X'41', 2)").await;
    let export = |format: &str, extra: &str| {
        let path = format!("/api/databases/{db}/tables/src/export?format={format}{extra}");
        let (app, key) = (&app, &key);
        async move { app.get_bearer(&path, key).await }
    };
    let csv = export("csv", "").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("src.csv")
    );
    let csv = csv.text().await.unwrap();
    assert_eq!(
        csv,
        "id,name,bin,n\r\n1,\"a,b \"\"q\"\"\",AP8=,1.50\r\n2,,,\r\n3,\"\",\"\",0.00\r\n4,back\\slash,QQ==,2.00\r\n"
    );

    let json = export("json", "&filter=id.gt.1&order=id.desc")
        .await
        .text()
        .await
        .unwrap();
    let parsed: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 3);
    assert_eq!(parsed[0]["id"], json!(4));

    // The SQL export loads back into an identical table.
    let sql = export("sql", "").await.text().await.unwrap();
    app.query_ok(&key, &db, "CREATE TABLE dst LIKE src").await;
    app.query_ok(
        &key,
        &db,
        &sql.replace("INSERT INTO `src`", "INSERT INTO `dst`"),
    )
    .await;
    let same = format!(
        "SELECT CAST(COUNT(*) AS CHAR) FROM (SELECT * FROM `{db}`.src UNION SELECT * FROM `{db}`.dst) u"
    );
    assert_eq!(admin_scalar(&app, &same).await.as_deref(), Some("4"));

    // The CSV export loads back (NULLs, empty strings and bytes included) into an identical table.
    app.query_ok(&key, &db, "CREATE TABLE back LIKE src").await;
    let loaded = app
        .client
        .post(app.url(&format!(
            "/api/databases/{db}/tables/back/import?columns=id,name,bin,n"
        )))
        .bearer_auth(&key)
        .header("content-type", "text/csv")
        .body(csv.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(loaded, StatusCode::OK).await,
        json!({"inserted": 4})
    );
    let same = format!(
        "SELECT CAST(COUNT(*) AS CHAR) FROM (SELECT * FROM `{db}`.src UNION SELECT * FROM `{db}`.back) u"
    );
    assert_eq!(admin_scalar(&app, &same).await.as_deref(), Some("4"));

    // Import: a header row, a skipped column, and a failing record that leaves nothing behind.
    app.query_ok(
        &key,
        &db,
        "CREATE TABLE imp (id INT PRIMARY KEY, name VARCHAR(30) NULL, n INT NOT NULL DEFAULT 5)",
    )
    .await;
    let import = |body: &'static str, query: &'static str| {
        app.client
            .post(app.url(&format!("/api/databases/{db}/tables/imp/import?{query}")))
            .bearer_auth(&key)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let ok = import(
        "id,skip,name\n1,x,\"multi\nline\"\n2,y,\n",
        "columns=id,-,name",
    )
    .await
    .unwrap();
    assert_eq!(json_of(ok, StatusCode::OK).await, json!({"inserted": 2}));
    assert_eq!(
        admin_scalar(&app, &format!("SELECT name FROM `{db}`.imp WHERE id = 1"))
            .await
            .as_deref(),
        Some("multi\nline")
    );
    assert_eq!(
        admin_scalar(&app, &format!("SELECT name FROM `{db}`.imp WHERE id = 2")).await,
        None
    );
    let bad = import("3,c\n1,dup\n", "columns=id,name&header=false")
        .await
        .unwrap();
    assert_eq!(
        bad.status(),
        StatusCode::BAD_REQUEST,
        "a duplicate key is MariaDB's refusal"
    );
    assert_eq!(
        admin_scalar(
            &app,
            &format!("SELECT CAST(COUNT(*) AS CHAR) FROM `{db}`.imp")
        )
        .await
        .as_deref(),
        Some("2")
    );
    let empty = import("9,\"\"\n", "columns=id,name&header=false")
        .await
        .unwrap();
    json_of(empty, StatusCode::OK).await;
    assert_eq!(
        admin_scalar(
            &app,
            &format!("SELECT CONCAT('[', name, ']') FROM `{db}`.imp WHERE id = 9")
        )
        .await
        .as_deref(),
        Some("[]"),
        "a quoted empty field is the empty string, not NULL"
    );
    let wrong = import("1,2,3\n", "columns=id,name&header=false")
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn another_account_gets_404_on_every_tables_endpoint() {
    let app = spawn_app().await;
    let (_alice, alice_key, db) = account_with_database(&app).await;
    let (_mallory, mallory_key, mallory_db) = account_with_database(&app).await;
    app.query_ok(
        &alice_key,
        &db,
        "CREATE TABLE secret (id INT PRIMARY KEY, v VARCHAR(10))",
    )
    .await;
    app.query_ok(&alice_key, &db, "INSERT INTO secret VALUES (1, 'alice')")
        .await;
    let table = format!("/api/databases/{db}/tables/secret");
    let calls: Vec<(Method, String, Value)> = vec![
        (
            Method::GET,
            format!("/api/databases/{db}/tables"),
            json!(null),
        ),
        (
            Method::POST,
            format!("/api/databases/{db}/tables"),
            json!({"name":"x","columns":[{"name":"a","type":"int"}]}),
        ),
        (Method::GET, table.clone(), json!(null)),
        (Method::DELETE, table.clone(), json!(null)),
        (
            Method::POST,
            format!("{table}/rename"),
            json!({"name":"mine"}),
        ),
        (Method::POST, format!("{table}/truncate"), json!(null)),
        (Method::GET, format!("{table}/rows"), json!(null)),
        (
            Method::POST,
            format!("{table}/rows"),
            json!({"values":{"id":2}}),
        ),
        (
            Method::PATCH,
            format!("{table}/rows"),
            json!({"key":{"id":1},"set":{"v":"mallory"}}),
        ),
        (
            Method::DELETE,
            format!("{table}/rows"),
            json!({"rows":[{"key":{"id":1}}]}),
        ),
        (
            Method::POST,
            format!("{table}/columns"),
            json!({"column":{"name":"c","type":"int"}}),
        ),
        (
            Method::PATCH,
            format!("{table}/columns/v"),
            json!({"column":{"name":"v","type":"text"}}),
        ),
        (Method::DELETE, format!("{table}/columns/v"), json!(null)),
        (
            Method::POST,
            format!("{table}/indexes"),
            json!({"name":"i","columns":["v"]}),
        ),
        (
            Method::DELETE,
            format!("{table}/indexes/PRIMARY"),
            json!(null),
        ),
        (
            Method::GET,
            format!("{table}/export?format=csv"),
            json!(null),
        ),
        (
            Method::POST,
            format!("{table}/import?columns=id,v"),
            json!(null),
        ),
    ];
    for (method, path, body) in &calls {
        let mut request = app
            .client
            .request(method.clone(), app.url(path))
            .bearer_auth(&mallory_key);
        if !body.is_null() {
            request = request.json(body);
        } else if path.contains("/import") {
            request = request.body("9,mallory\n");
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    // Through Mallory's own database, Alice's table is not reachable either: MariaDB refuses the identity.
    let sideways = app
        .get_bearer(
            &format!("/api/databases/{mallory_db}/tables/secret/rows"),
            &mallory_key,
        )
        .await;
    assert_eq!(sideways.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        admin_scalar(
            &app,
            &format!("SELECT CONCAT(COUNT(*), ':', MAX(v)) FROM `{db}`.secret")
        )
        .await
        .as_deref(),
        Some("1:alice")
    );
}

#[tokio::test]
async fn a_database_the_account_does_not_have_is_404() {
    let app = spawn_app().await;
    let (account, key, _db) = account_with_database(&app).await;
    let missing = format!("/api/databases/{}_nothere/tables", account.prefix);
    let response = app.get_bearer(&missing, &key).await;
    assert_eq!(
        json_of(response, StatusCode::NOT_FOUND).await["error"]["code"],
        json!("not_found")
    );
    let rows = app
        .get_bearer(
            &format!("/api/databases/{}_nothere/tables/t/rows", account.prefix),
            &key,
        )
        .await;
    assert_eq!(rows.status(), StatusCode::NOT_FOUND);
}
