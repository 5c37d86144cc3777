//! Issue 22, finding 3: the clients got `--defaults-extra-file`, so a `~/.my.cnf` of the panel's
//! OS user with `[client] user=root` made an import run as root and copy another tenant's table;
//! `mariadb-dump` read it too. A real panel process runs here with such a home directory.
use crate::helpers::{mysql_url, random_prefix, remove_account_footprint};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::domain::secret::random_base62;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Panel {
    home: PathBuf,
    data_dir: PathBuf,
    child: Option<Child>,
    address: String,
    prefixes: Vec<String>,
}

impl Drop for Panel {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        for prefix in &self.prefixes {
            remove_account_footprint(prefix);
        }
        let _ = std::fs::remove_dir_all(&self.home);
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

impl Panel {
    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_nobregas-panel"));
        command
            .env("HOME", &self.home)
            .env("MYSQL_HOME", &self.home)
            .env("MARIADB_HOME", &self.home)
            .env("MYSQL_PWD", "")
            .env("NOBREGAS_DATA_DIR", &self.data_dir)
            .env("NOBREGAS_MYSQL_URL", mysql_url())
            .env("RUST_LOG", "warn");
        command
    }

    /// A new account and its API key, through the operator CLI.
    fn account(&mut self) -> (String, String) {
        let prefix = random_prefix();
        self.prefixes.push(prefix.clone());
        let email = format!("{prefix}@example.test");
        let mut create = self
            .command()
            .args([
                "account",
                "create",
                "--email",
                &email,
                "--prefix",
                &prefix,
                "--password-stdin",
            ])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        create
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{}\n", random_base62(16)).as_bytes())
            .unwrap();
        assert!(create.wait().unwrap().success());
        let key = self
            .command()
            .args(["key", "regenerate", "--email", &email])
            .output()
            .unwrap();
        (
            prefix,
            String::from_utf8(key.stdout).unwrap().trim().to_owned(),
        )
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    async fn wait(&self, key: &str, path: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let job: Value = self
                .send(Method::GET, path, key, None)
                .await
                .json()
                .await
                .unwrap();
            if matches!(job["status"].as_str(), Some("completed" | "failed")) {
                return job;
            }
            assert!(Instant::now() < deadline, "{path}: {job}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test]
async fn the_panel_users_option_files_change_nobody_it_logs_in_as() {
    let id = random_base62(10);
    let home = std::env::temp_dir().join(format!("nobregas-home-{id}"));
    std::fs::create_dir_all(&home).unwrap();
    // What hosting machines often have for their admins: root's password-less client defaults,
    // here also asking every dump for every database.
    let options = "[client]\nuser=root\npassword=\nhost=localhost\n\n[mysqldump]\nall-databases\n\n[mariadb-dump]\nall-databases\n";
    for file in [".my.cnf", "my.cnf"] {
        std::fs::write(home.join(file), options).unwrap();
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut panel = Panel {
        home,
        data_dir: std::env::temp_dir().join(format!("nobregas-optfiles-{id}")),
        child: None,
        address: format!("http://127.0.0.1:{port}"),
        prefixes: Vec::new(),
    };
    let (victim, victim_key) = panel.account();
    let (attacker, attacker_key) = panel.account();
    panel.child = Some(
        panel
            .command()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while reqwest::get(format!("{}/healthz", panel.address))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the panel did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let (victim_db, mine) = (format!("{victim}_vault"), format!("{attacker}_mine"));
    for (key, db) in [(&victim_key, &victim_db), (&attacker_key, &mine)] {
        assert_eq!(
            panel
                .send(
                    Method::POST,
                    "/api/databases",
                    key,
                    Some(json!({ "name": db }))
                )
                .await
                .status(),
            StatusCode::CREATED
        );
    }
    for sql in [
        "CREATE TABLE secret (v TEXT)",
        "INSERT INTO secret VALUES ('treasure-of-the-victim')",
    ] {
        let ran = panel
            .send(
                Method::POST,
                &format!("/api/databases/{victim_db}/query"),
                &victim_key,
                Some(json!({ "sql": sql })),
            )
            .await;
        assert_eq!(ran.status(), StatusCode::OK);
    }

    // The import runs as the attacker's identity, whatever ~/.my.cnf says: the copy is refused.
    let file = format!("CREATE TABLE copy AS SELECT * FROM `{victim_db}`.secret;\n");
    let response = reqwest::Client::new()
        .post(format!("{}/api/databases/{mine}/imports", panel.address))
        .bearer_auth(&attacker_key)
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let job: Value = response.json().await.unwrap();
    let job = panel
        .wait(
            &attacker_key,
            &format!("/api/imports/{}", job["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(
        (job["status"].as_str(), job["error_code"].as_str()),
        (Some("failed"), Some("sql_error")),
        "{job}"
    );

    // The dump, too, is the attacker's own database only.
    let backup: Value = panel
        .send(
            Method::POST,
            &format!("/api/databases/{mine}/backups"),
            &attacker_key,
            Some(json!({})),
        )
        .await
        .json()
        .await
        .unwrap();
    let backup_id = backup["id"].as_str().unwrap().to_owned();
    let done = panel
        .wait(&attacker_key, &format!("/api/backups/{backup_id}"))
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    let file = panel
        .send(
            Method::GET,
            &format!("/api/backups/{backup_id}/download"),
            &attacker_key,
            None,
        )
        .await
        .bytes()
        .await
        .unwrap();
    let mut dump = String::new();
    flate2::read::MultiGzDecoder::new(&file[..])
        .read_to_string(&mut dump)
        .unwrap();
    assert!(
        !dump.contains("treasure-of-the-victim") && !dump.contains(&victim_db),
        "the dump reached another tenant"
    );
    assert!(
        !dump.contains("CREATE DATABASE"),
        "the dump was not of the one database asked for"
    );
}
