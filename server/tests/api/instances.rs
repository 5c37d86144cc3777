//! Several panel instances on one shared store (MariaDB): two real `nobregas-panel` processes on
//! their own ports, one store database, one backup directory (shared storage).
use crate::helpers::{
    mariadb_root, new_mysql_store, random_prefix, refusal, remove_account_footprint,
};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use server::domain::secret::random_base62;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use types::backups::JobStatus;
use types::model::{Account, CreateDatabase, CreateUser, NewApiKey, NewWhitelistEntry};
use types::query::QueryRequest;

// Short, so the test is quick; long enough that a loaded CI machine does not stall a renewal past it.
const LEASE_SECS: u64 = 3;

/// The shared store and data directory, and the accounts made on them; all removed at the end.
struct Cluster {
    store_url: String,
    data_dir: PathBuf,
    prefixes: Vec<String>,
}

struct Instance {
    child: Child,
    address: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some((_, database)) = self.store_url.rsplit_once('/') {
            mariadb_root(&format!("DROP DATABASE IF EXISTS {database}"));
        }
        for prefix in &self.prefixes {
            remove_account_footprint(prefix);
        }
    }
}

impl Cluster {
    fn new() -> Self {
        let data_dir = std::env::temp_dir().join(format!("nobregas-cluster-{}", random_base62(12)));
        Self {
            store_url: new_mysql_store(),
            data_dir,
            prefixes: Vec::new(),
        }
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_nobregas-panel"));
        command
            .env("NOBREGAS_DATA_DIR", &self.data_dir)
            .env("NOBREGAS_STORE_URL", &self.store_url)
            .env("NOBREGAS_MYSQL_URL", crate::helpers::mysql_url())
            .env("NOBREGAS_LEASE_SECS", LEASE_SECS.to_string())
            .env("RUST_LOG", "warn");
        command
    }

    /// `nobregas-panel <args>` on the shared store, `stdin` as its input.
    fn cli(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// An account made through the CLI on the shared store; its email, password and API key.
    fn account(&mut self) -> (String, String, String, String) {
        let prefix = random_prefix();
        self.prefixes.push(prefix.clone());
        let (email, password) = (format!("{prefix}@example.test"), random_base62(16));
        self.cli(
            &[
                "account",
                "create",
                "--email",
                &email,
                "--prefix",
                &prefix,
                "--password-stdin",
            ],
            &format!("{password}\n"),
        );
        let key = String::from_utf8(
            self.cli(&["key", "regenerate", "--email", &email], "")
                .stdout,
        )
        .unwrap()
        .trim()
        .to_owned();
        (prefix, email, password, key)
    }

    async fn start(&self) -> Instance {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = self
            .command()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let instance = Instance {
            child,
            address: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while reqwest::get(format!("{}/healthz", instance.address))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the instance did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        instance
    }
}

impl Instance {
    /// `/healthz`, which no typed operation covers.
    async fn health(&self) -> Value {
        reqwest::get(format!("{}/healthz", self.address))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn holds_the_lease(&self) -> bool {
        self.health().await["instance"]["maintenance"] == true
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Signs in through this instance's sign-in form; the session cookie.
    async fn sign_in(&self, email: &str, password: &str) -> String {
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(self.url("/rpc/login"))
            .header("origin", &self.address)
            .form(&[
                ("email", email),
                ("password", password),
                ("next", "/profile"),
            ])
            .send()
            .await
            .unwrap();
        crate::helpers::session_cookie(response.headers()).expect("no session cookie")
    }

    /// This instance's REST API with `key`, through the typed client.
    fn api(&self, key: &str) -> nobregas_client::Client {
        nobregas_client::Client::new(
            self.address.parse().unwrap(),
            Some(key.to_owned()),
            reqwest::Client::new(),
        )
    }
}

fn new_user(name: &str) -> CreateUser {
    CreateUser {
        name: name.to_owned(),
        password: Some("a fine password 1".to_owned()),
    }
}

/// Hosts MariaDB has for `user`.
fn hosts_of(user: &str) -> Vec<String> {
    let output = Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", "-N", "-B", "-e"])
        .arg(format!(
            "SELECT Host FROM mysql.user WHERE User = '{user}' ORDER BY Host"
        ))
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn sessions_keys_whitelist_and_jobs_are_shared_by_two_instances() {
    let mut cluster = Cluster::new();
    let (prefix, email, password, key) = cluster.account();
    let (a, b) = (cluster.start().await, cluster.start().await);

    // A session opened on A is good on B (a session, not a key: the typed client only sends keys).
    let cookie = a.sign_in(&email, &password).await;
    let response = reqwest::Client::new()
        .get(b.url("/api/account"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Account>().await.unwrap().email, email);

    // A key regenerated on A (a server function) fails on B at the very next request; the new
    // one works there.
    assert_eq!(
        b.api(&key)
            .get_account()
            .await
            .map(|account| account.status),
        Ok(StatusCode::OK),
        "B knows the old key"
    );
    let regenerated = reqwest::Client::new()
        .post(a.url("/rpc/regenerate_api_key"))
        .header("cookie", &cookie)
        .header("origin", &a.address)
        .header("sec-fetch-site", "same-origin")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(regenerated.status(), StatusCode::OK);
    let new_key = regenerated.json::<NewApiKey>().await.unwrap().key;
    assert_eq!(
        refusal(b.api(&key).get_account().await).0,
        StatusCode::UNAUTHORIZED
    );
    let (a_api, b_api) = (a.api(&new_key), b.api(&new_key));
    assert_eq!(
        b_api.get_account().await.map(|account| account.status),
        Ok(StatusCode::OK)
    );

    // A whitelist entry added through A is in force for a user created through B.
    let added = a_api
        .add_whitelist_entry(&NewWhitelistEntry {
            host: "192.0.2.77".to_owned(),
            note: None,
        })
        .await
        .expect("added");
    assert_eq!(added.status, StatusCode::CREATED);
    let user = format!("{prefix}_app");
    let created = b_api.create_user(&new_user(&user)).await.expect("created");
    assert_eq!(created.status, StatusCode::CREATED);
    assert!(
        hosts_of(&user).contains(&"192.0.2.77".to_owned()),
        "{:?}",
        hosts_of(&user)
    );

    // A backup started through A is seen, finished and downloadable through B.
    let db = format!("{prefix}_shop");
    let created = a_api
        .create_database(&CreateDatabase::named(db.clone()))
        .await
        .expect("created");
    assert_eq!(created.status, StatusCode::CREATED);
    let query = QueryRequest::sql("CREATE TABLE t (id INT PRIMARY KEY)");
    let ran = a_api.run_query(&db, &query).await.expect("ran");
    assert_eq!(ran.status, StatusCode::OK);
    let id = a_api.create_backup(&db).await.expect("started").value.id;
    let started = Instant::now();
    loop {
        let seen = b_api.get_backup(&id).await.unwrap().value;
        if seen.status == JobStatus::Completed {
            break;
        }
        assert_ne!(seen.status, JobStatus::Failed, "{seen:?}");
        assert!(started.elapsed() < Duration::from_secs(60), "{seen:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A file, not JSON: no typed operation, so the key's raw request.
    let download = b_api
        .request(Method::GET, &format!("/api/backups/{id}/download"))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(
        &download.bytes().await.unwrap()[..2],
        &[0x1f, 0x8b],
        "a gzip file"
    );
}

#[tokio::test]
async fn when_the_lease_holder_dies_the_other_instance_takes_over_and_reconciles() {
    let mut cluster = Cluster::new();
    let (prefix, _, _, key) = cluster.account();
    let mut a = cluster.start().await;
    let started = Instant::now();
    while !a.holds_the_lease().await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the first instance never took the lease"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let b = cluster.start().await;
    tokio::time::sleep(Duration::from_secs(LEASE_SECS)).await;
    assert!(
        a.holds_the_lease().await && !b.holds_the_lease().await,
        "one holder, and it keeps the lease"
    );

    // Work only the holder does: a whitelist row a failure left half-done (as the store says,
    // MariaDB does not have it yet). The holder reconciles every five minutes, or at once on takeover.
    let user = format!("{prefix}_app");
    let created = b
        .api(&key)
        .create_user(&new_user(&user))
        .await
        .expect("created");
    assert_eq!(created.status, StatusCode::CREATED);
    let database = cluster.store_url.rsplit_once('/').unwrap().1.to_owned();
    mariadb_root(&format!(
        "INSERT INTO {database}.whitelist (account_id, host, mysql_host, note, state, created_at)
         SELECT id, '192.0.2.88', '192.0.2.88', '', 'adding', 0 FROM {database}.accounts WHERE prefix = '{prefix}'"
    ));
    assert!(!hosts_of(&user).contains(&"192.0.2.88".to_owned()));

    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let killed = Instant::now();
    while !b.holds_the_lease().await {
        assert!(
            killed.elapsed() < Duration::from_secs(LEASE_SECS + 2),
            "B did not take the lease over within the lease time"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took = killed.elapsed();
    assert!(
        took <= Duration::from_millis(LEASE_SECS * 1000 + 500),
        "took {took:?}"
    );
    while !hosts_of(&user).contains(&"192.0.2.88".to_owned()) {
        assert!(
            killed.elapsed() < Duration::from_secs(LEASE_SECS + 10),
            "the new holder did not reconcile"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A change to an account holds a named lock on the shared store, so that another instance's
/// change of the same account waits for it (and the lock is released when the change ends).
#[tokio::test]
async fn an_accounts_lock_is_held_in_the_shared_store() {
    let cluster = Cluster::new();
    let (one, other) = (
        server::store::open(&cluster.data_dir, Some(&cluster.store_url))
            .await
            .unwrap(),
        server::store::open(&cluster.data_dir, Some(&cluster.store_url))
            .await
            .unwrap(),
    );
    let prefix = app::validate::Prefix::parse(&random_prefix()).unwrap();
    let name = format!("nobregas.account.{}", prefix.as_str());
    let is_free = |name: String| {
        let other = other.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT IS_FREE_LOCK(?)")
                .bind(name)
                .fetch_one(&other)
                .await
                .unwrap()
                == 1
        }
    };
    assert!(is_free(name.clone()).await);
    let held = server::services::account_lock::lock(&one, &prefix)
        .await
        .unwrap();
    assert!(
        !is_free(name.clone()).await,
        "another instance sees the account locked"
    );
    drop(held);
    let released = Instant::now();
    while !is_free(name.clone()).await {
        assert!(
            released.elapsed() < Duration::from_secs(5),
            "the lock was not released"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A test app's cleanup ends the panel's sessions on its store before dropping it: `Drop` blocks
/// the test's only thread, so a store transaction the panel had open between two awaits could
/// never finish, and `DROP DATABASE` waited for its locks until CI gave up (it did once).
#[tokio::test]
async fn a_test_apps_cleanup_does_not_wait_for_a_store_transaction_left_open() {
    let mut settings = crate::helpers::test_settings();
    // A MySQL store: the one `test_settings` made under NOBREGAS_TEST_STORE=mysql, or a new one.
    settings.store_url.get_or_insert_with(new_mysql_store);
    let app = crate::helpers::spawn_app_with(settings).await;
    let store = app
        .store_database
        .clone()
        .expect("a store database of its own");
    let mut open = app.state.store.begin().await.unwrap();
    sqlx::query("SELECT COUNT(*) FROM accounts")
        .execute(&mut *open)
        .await
        .unwrap();

    // On a thread of its own, so a cleanup that waits fails this test instead of hanging it.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(app);
        let _ = done.send(());
    });
    assert!(
        finished.recv_timeout(Duration::from_secs(30)).is_ok(),
        "the cleanup waited for the open transaction's locks"
    );
    let left = Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", "-N", "-B", "-e"])
        .arg(format!(
            "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{store}'"
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&left.stdout).trim(), "0");
    drop(open);
}
