//! Issue 12: the `nobregas` client against a real panel on a loopback port and the real MariaDB.
// The panel runs on the test's own runtime: waiting for a client process goes through
// `block_in_place` (multi-threaded runtime), so the panel's tasks keep running meanwhile.
use crate::helpers::{TestAccount, TestApp, spawn_app};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Client<'a> {
    app: &'a TestApp,
    key: String,
}

impl Client<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_nobregas"));
        command
            .args(args)
            .env("NOBREGAS_URL", &self.app.address)
            .env("NOBREGAS_API_KEY", &self.key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn run_with_input(&self, args: &[&str], input: &str) -> Output {
        let child = self.command(args).spawn().unwrap();
        finish(child, input)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with_input(args, "")
    }

    /// Runs and expects success; stdout.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "nobregas {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.extend(["--output", "json"]);
        serde_json::from_str(&self.ok(&with_json)).unwrap()
    }
}

/// Writes `input` to the client's standard input, closes it, and waits for the client.
fn finish(mut child: std::process::Child, input: &str) -> Output {
    tokio::task::block_in_place(|| {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
}

fn output(mut command: impl std::borrow::BorrowMut<Command>) -> Output {
    tokio::task::block_in_place(|| command.borrow_mut().output().unwrap())
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn client(app: &TestApp) -> (TestAccount, Client<'_>) {
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    (account, Client { app, key })
}

async fn api_json(app: &TestApp, key: &str, path: &str) -> Value {
    app.get_bearer(path, key).await.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_databases_users_grants_and_whitelist_work_and_json_is_the_apis_body() {
    let app = spawn_app().await;
    let (account, cli) = client(&app).await;
    let p = &account.prefix;
    assert!(cli.ok(&["account"]).contains(&account.email));
    assert_eq!(
        cli.json(&["account"]),
        api_json(&app, &cli.key, "/api/account").await
    );

    let db = format!("{p}_shop");
    assert!(
        cli.ok(&["databases", "create", &db, "--charset", "latin1"])
            .contains(&db)
    );
    let listed = cli.ok(&["databases", "list"]);
    assert!(
        listed.lines().next().unwrap().starts_with("NAME"),
        "{listed}"
    );
    assert!(
        listed.contains(&db) && listed.contains("latin1"),
        "{listed}"
    );
    assert_eq!(
        cli.json(&["databases", "list"]),
        api_json(&app, &cli.key, "/api/databases").await
    );
    assert_eq!(
        cli.json(&["databases", "show", &db]),
        api_json(&app, &cli.key, &format!("/api/databases/{db}")).await
    );

    let user = format!("{p}_app");
    let created = cli.ok(&["users", "create", &user]);
    let password = created.lines().last().unwrap().trim().to_owned();
    assert!(password.len() >= 20, "{created}");
    app.connect_as(&user, &password)
        .await
        .expect("the printed password works");
    let changed = cli.run_with_input(
        &["users", "passwd", &user, "--password-stdin"],
        "a password from stdin\n",
    );
    assert!(changed.status.success(), "{}", stderr(&changed));
    app.connect_as(&user, "a password from stdin")
        .await
        .expect("passwd set it");

    cli.ok(&["grants", "set", &user, &db, "read-only"]);
    assert!(
        app.show_grants(&user)
            .await
            .contains("GRANT SELECT, SHOW VIEW ON"),
        "{}",
        app.show_grants(&user).await
    );
    assert_eq!(
        cli.json(&["users", "list"]),
        api_json(&app, &cli.key, "/api/users").await
    );
    cli.ok(&["grants", "revoke", &user, &db]);
    assert!(
        !app.show_grants(&user)
            .await
            .contains(&format!("{p}\\_shop"))
    );

    let added = cli.json(&["whitelist", "add", "192.0.2.80", "--note", "CI runner"]);
    let id = added["id"].as_i64().unwrap().to_string();
    assert!(cli.ok(&["whitelist", "list"]).contains("CI runner"));
    cli.ok(&["whitelist", "remove", &id]);
    assert_eq!(
        cli.json(&["whitelist", "list"]),
        serde_json::json!({"entries": []})
    );

    cli.ok(&["users", "delete", &user, "--yes"]);
    cli.ok(&["databases", "delete", &db, "--yes"]);
    assert!(!app.database_exists(&db).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_prints_a_table_csv_or_the_apis_json() {
    let app = spawn_app().await;
    let (account, cli) = client(&app).await;
    let db = format!("{}_q", account.prefix);
    cli.ok(&["databases", "create", &db]);
    let created = cli.run_with_input(
        &["query", &db, "-"],
        "CREATE TABLE t (id INT, name TEXT); INSERT INTO t VALUES (1, 'ann'), (2, NULL)",
    );
    assert!(created.status.success(), "{}", stderr(&created));

    let table = cli.ok(&["query", &db, "SELECT id, name FROM t ORDER BY id"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].starts_with("id") && lines[0].contains("name"));
    assert!(
        lines[1].starts_with('1') && lines[1].ends_with("ann"),
        "{table}"
    );
    assert!(lines[2].ends_with("NULL"), "{table}");
    assert_eq!(
        cli.ok(&[
            "query",
            &db,
            "SELECT id, name FROM t ORDER BY id",
            "--format",
            "csv"
        ]),
        "id,name\r\n1,ann\r\n2,\r\n"
    );
    let json: Value = serde_json::from_str(&cli.ok(&[
        "query",
        &db,
        "SELECT id FROM t ORDER BY id",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["rows"], serde_json::json!([[1], [2]]));

    let refused = cli.run(&["query", &db, "SELECT * FROM nowhere"]);
    assert_eq!(code(&refused), 1);
    assert!(
        stderr(&refused).contains("(MariaDB error 1146)"),
        "{}",
        stderr(&refused)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_are_created_waited_for_downloaded_restored_and_deleted() {
    let app = spawn_app().await;
    let (account, cli) = client(&app).await;
    let db = format!("{}_b", account.prefix);
    cli.ok(&["databases", "create", &db]);
    cli.ok(&[
        "query",
        &db,
        "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3)",
    ]);
    let done = cli.json(&["backups", "create", &db, "--wait"]);
    assert_eq!(done["status"], "completed", "{done}");
    let id = done["id"].as_str().unwrap().to_owned();
    assert!(
        cli.ok(&["backups", "list", "--database", &db])
            .contains(&id)
    );

    let file = app.data_dir.join("cli-download.sql.gz");
    cli.ok(&["backups", "download", &id, "-o", file.to_str().unwrap()]);
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "a gzip file");
    assert_eq!(done["size_bytes"].as_u64().unwrap(), bytes.len() as u64);

    // Into a new database: nothing to lose, no confirmation needed.
    let copy = format!("{}_b_copy", account.prefix);
    let restored = cli.run(&["backups", "restore", &id, "--to", &copy, "--wait"]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert!(
        cli.ok(&["query", &copy, "SELECT COUNT(*) AS n FROM t"])
            .contains('3')
    );
    // Over an existing one: asked, so a script must say --yes.
    cli.ok(&["query", &copy, "DELETE FROM t"]);
    let unconfirmed = cli.run(&["backups", "restore", &id, "--to", &copy, "--wait"]);
    assert_eq!(code(&unconfirmed), 2, "{}", stderr(&unconfirmed));
    cli.ok(&["backups", "restore", &id, "--to", &copy, "--wait", "--yes"]);
    assert!(
        cli.ok(&["query", &copy, "SELECT COUNT(*) AS n FROM t"])
            .contains('3')
    );
    cli.ok(&["backups", "delete", &id, "--yes"]);
    assert!(!cli.ok(&["backups", "list"]).contains(&id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_say_what_went_wrong() {
    let app = spawn_app().await;
    let (account, cli) = client(&app).await;
    let db = format!("{}_keep", account.prefix);
    cli.ok(&["databases", "create", &db]);

    // 1: the API said no, with its message.
    let missing = cli.run(&["databases", "show", &format!("{}_nope", account.prefix)]);
    assert_eq!(code(&missing), 1);
    assert!(
        stderr(&missing).contains("No database named"),
        "{}",
        stderr(&missing)
    );
    // 2: usage, and a destructive command without a terminal and without --yes changes nothing.
    assert_eq!(code(&cli.run(&["databases", "frobnicate"])), 2);
    let unconfirmed = cli.run(&["databases", "delete", &db]);
    assert_eq!(code(&unconfirmed), 2);
    assert!(stderr(&unconfirmed).contains("--yes"));
    assert!(
        app.database_exists(&db).await,
        "not deleted without confirmation"
    );
    // 3: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let unreachable = output(
        cli.command(&["account"])
            .env("NOBREGAS_URL", format!("http://127.0.0.1:{port}")),
    );
    assert_eq!(code(&unreachable), 3, "{}", stderr(&unreachable));
    // 4: a key the panel does not know; and no key at all is a usage error.
    let wrong = output(
        cli.command(&["account"])
            .env("NOBREGAS_API_KEY", "nbg_not-a-real-key"),
    );
    assert_eq!(code(&wrong), 4, "{}", stderr(&wrong));
    let none = output(cli.command(&["account"]).env_remove("NOBREGAS_API_KEY"));
    assert_eq!(code(&none), 2);
    assert!(stderr(&none).contains("NOBREGAS_API_KEY"));
    assert!(
        String::from_utf8_lossy(&output(cli.command(&["--help"])).stdout).contains("Exit codes")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_never_goes_on_the_command_line_nor_over_plain_http_to_another_host() {
    let app = spawn_app().await;
    let (account, cli) = client(&app).await;
    // There is no option that takes the key itself.
    let as_argument = output(
        cli.command(&["--api-key", &cli.key, "account"])
            .env_remove("NOBREGAS_API_KEY"),
    );
    assert_eq!(code(&as_argument), 2);
    assert!(
        !stderr(&as_argument).contains(&cli.key),
        "the key is not echoed"
    );
    // From a file or standard input instead; the running process's arguments never hold it.
    let file = app.data_dir.join("key");
    std::fs::write(&file, format!("{}\n", cli.key)).unwrap();
    let child = cli
        .command(&["account", "--api-key-file", file.to_str().unwrap()])
        .env_remove("NOBREGAS_API_KEY")
        .spawn()
        .unwrap();
    let arguments = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap_or_default();
    assert!(!String::from_utf8_lossy(&arguments).contains(&cli.key));
    assert!(finish(child, "").status.success());
    let from_stdin = cli
        .command(&["account", "--api-key-stdin"])
        .env_remove("NOBREGAS_API_KEY")
        .spawn()
        .unwrap();
    let done = finish(from_stdin, &cli.key);
    assert!(
        String::from_utf8_lossy(&done.stdout).contains(&account.email),
        "{}",
        stderr(&done)
    );

    // Plain http to another host is refused before anything is sent.
    let remote = output(
        cli.command(&["account"])
            .env("NOBREGAS_URL", "http://192.0.2.1:3000"),
    );
    assert_eq!(code(&remote), 2);
    assert!(
        stderr(&remote).contains("plain http"),
        "{}",
        stderr(&remote)
    );
    // Unless insisted on (0.0.0.0 refuses at once, so it fails as unreachable, 3, after sending).
    let insisted = output(
        cli.command(&["account", "--insecure-http"])
            .env("NOBREGAS_URL", "http://0.0.0.0:1"),
    );
    assert_eq!(code(&insisted), 3, "{}", stderr(&insisted));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_and_reporting_a_leaked_key() {
    let app = spawn_app().await;
    let (_account, cli) = client(&app).await;
    assert!(cli.ok(&["completions", "bash"]).contains("nobregas"));
    let reported = cli
        .command(&["keys", "revoke-leaked"])
        .env_remove("NOBREGAS_API_KEY")
        .spawn()
        .unwrap();
    let done = finish(reported, &format!("{}\n", cli.key));
    assert!(done.status.success(), "{}", stderr(&done));
    assert_eq!(
        code(&cli.run(&["account"])),
        4,
        "the key stopped working at once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_and_rows_list_page_edit_and_refuse_a_stale_update() {
    let app = spawn_app().await;
    let (account, cli) = client(&app).await;
    let db = format!("{}_r", account.prefix);
    cli.ok(&["databases", "create", &db]);
    let created = cli.run_with_input(
        &["query", &db, "-"],
        "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NULL);
         INSERT INTO items VALUES (1, 'one'), (2, NULL), (3, 'three')",
    );
    assert!(created.status.success(), "{}", stderr(&created));

    let list = cli.ok(&["tables", "list", &db]);
    assert!(list.lines().any(|l| l.starts_with("items")), "{list}");
    let shown = cli.json(&["tables", "show", &db, "items"]);
    assert_eq!(shown["key"], serde_json::json!(["id"]));

    // A page, and the key to the next one on stderr.
    let page = cli.run(&["rows", "list", &db, "items", "--limit", "2"]);
    assert!(page.status.success(), "{}", stderr(&page));
    let out = String::from_utf8(page.stdout.clone()).unwrap();
    assert!(
        out.lines().nth(2).is_some_and(|l| l.ends_with("NULL")),
        "{out}"
    );
    assert!(stderr(&page).contains("next: 2"), "{}", stderr(&page));
    let rest = cli.json(&["rows", "list", &db, "items", "--after", "2"]);
    assert_eq!(rest["rows"], serde_json::json!([[3, "three"]]));

    cli.ok(&[
        "rows",
        "update",
        &db,
        "items",
        "--key",
        r#"{"id":1}"#,
        "--old",
        r#"{"name":"one"}"#,
        "--set",
        r#"{"name":"uno"}"#,
    ]);
    let stale = cli.run(&[
        "rows",
        "update",
        &db,
        "items",
        "--key",
        r#"{"id":1}"#,
        "--old",
        r#"{"name":"one"}"#,
        "--set",
        r#"{"name":"ein"}"#,
    ]);
    assert_eq!(code(&stale), 1);
    assert!(stderr(&stale).contains("changed"), "{}", stderr(&stale));
    let csv = cli.ok(&["rows", "export", &db, "items", "--format", "csv"]);
    assert_eq!(csv, "id,name\r\n1,uno\r\n2,\r\n3,three\r\n");
}

/// Issue 28, item 6: `nobregas account` shows the key's policy, in the table and in its JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_shows_the_keys_access_expiry_networks_and_retirement() {
    let app = spawn_app().await;
    let account = app.create_account().await;
    let expires_at = server::domain::time::rfc3339(server::domain::time::now() + 40 * 86_400);
    let key = crate::key_policy::regenerate_with_cli(
        &app,
        &account,
        &[
            "--expires-at",
            &expires_at,
            "--allow",
            "127.0.0.0/8",
            "--allow",
            "::1",
            "--read-only",
            "--revoke-after-unused-days",
            "60",
        ],
    );
    let nobregas = Client { app: &app, key };
    let shown = nobregas.ok(&["account"]);
    let header = shown.lines().next().unwrap();
    for column in ["ACCESS", "EXPIRES", "ALLOWED FROM", "REVOKED WHEN UNUSED"] {
        assert!(header.contains(column), "{shown}");
    }
    for fact in [
        "read_only",
        expires_at.as_str(),
        "127.0.0.0/8,::1",
        "after 60 days",
    ] {
        assert!(shown.contains(fact), "{fact} in {shown}");
    }
    let json = nobregas.json(&["account"]);
    assert_eq!(json["api_key"]["access"], "read_only");
    assert_eq!(json["api_key"]["expires_at"], expires_at.as_str());
    assert_eq!(json["api_key"]["revoke_after_unused_days"], 60);
}
