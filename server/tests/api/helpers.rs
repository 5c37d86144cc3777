use reqwest::header::HeaderMap;
use reqwest::{Client, Response, StatusCode};
use server::config::Settings;
use server::domain::secret::random_base62;
use server::managed::sql::{like_starts_with, quote_identifier};
use server::services::{accounts, api_keys};
use server::startup::Application;
use server::state::AppState;
use std::path::PathBuf;

pub fn mysql_url() -> String {
    std::env::var("NOBREGAS_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub client: Client,
    pub data_dir: PathBuf,
    /// The panel store's database on MariaDB, when the test runs on a shared store.
    pub store_database: Option<String>,
    prefixes: std::sync::Mutex<Vec<String>>,
}

pub struct TestAccount {
    pub id: i64,
    pub email: String,
    pub prefix: String,
    pub password: String,
}

pub fn random_prefix() -> String {
    format!("t{}", random_base62(11).to_lowercase())
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with_mysql(&mysql_url()).await
}

pub async fn spawn_app_with_mysql(mysql_url: &str) -> TestApp {
    let mut settings = test_settings();
    settings.mysql_url = mysql_url.into();
    spawn_app_with(settings).await
}

/// Port 0, a fresh data dir, the shared MariaDB, every limit at its default: adjust, then `spawn_app_with`.
/// With `NOBREGAS_TEST_STORE=mysql` the panel store is a fresh database on the test MariaDB
/// instead of SQLite (`make integration-shared-store` runs every test that way).
pub fn test_settings() -> Settings {
    let data_dir = std::env::temp_dir().join(format!("nobregas-test-{}", random_base62(12)));
    let mut settings = Settings::new("127.0.0.1:0".parse().unwrap(), data_dir, mysql_url());
    if std::env::var("NOBREGAS_TEST_STORE").is_ok_and(|engine| engine == "mysql") {
        settings.store_url = Some(new_mysql_store());
        // Instances share the store: a killed one's jobs are failed once its heartbeat is this old.
        settings.lease = std::time::Duration::from_secs(2);
    }
    settings
}

/// A fresh, empty database on the test MariaDB for a panel store; `TestApp` drops it.
pub fn new_mysql_store() -> String {
    let name = format!(
        "{STORE_DATABASE_PREFIX}{}",
        random_base62(12).to_lowercase()
    );
    mariadb_root(&format!("CREATE DATABASE {name}"));
    format!("mysql://root@127.0.0.1:3306/{name}")
}

const STORE_DATABASE_PREFIX: &str = "nbgstore_";

/// A statement as MariaDB's root, through its command-line client (usable from `Drop`).
pub fn mariadb_root(statement: &str) {
    let status = std::process::Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", "-e", statement])
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "mariadb -e {statement:?} failed"
    );
}

/// Spawns the app with settings a test adjusted (limits, proxies, TLS …).
pub async fn spawn_app_with(settings: Settings) -> TestApp {
    let data_dir = settings.data_dir.clone();
    let store_database = settings
        .store_url
        .as_deref()
        .and_then(|url| url.rsplit_once('/'))
        .map(|(_, name)| name.to_owned())
        .filter(|name| name.starts_with(STORE_DATABASE_PREFIX));
    let app = Application::build(&settings)
        .await
        .expect("Failed to build the application");
    let scheme = if settings.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let address = format!("{scheme}://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    let mut client = Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(tls) = &settings.tls {
        let pem = std::fs::read(&tls.cert).expect("read the test certificate");
        client = client
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
            .https_only(true);
    }
    let client = client.build().unwrap();
    TestApp {
        address,
        state,
        client,
        data_dir,
        store_database,
        prefixes: Default::default(),
    }
}

impl TestApp {
    /// What a `nobregas-panel` process started by the test needs to use this app's store (with
    /// `NOBREGAS_DATA_DIR`): nothing for SQLite, the URL and the lease for a shared one.
    pub fn store_env(&self) -> Vec<(&'static str, String)> {
        let url = self.state.store.connect_options().database_url.to_string();
        match self.store_database {
            Some(_) => vec![
                ("NOBREGAS_STORE_URL", url),
                ("NOBREGAS_LEASE_SECS", "2".into()),
            ],
            None => vec![],
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The REST API with `key`, through the typed client the `nobregas` command line uses.
    pub fn api(&self, key: &str) -> nobregas_client::Client {
        nobregas_client::Client::new(
            self.address.parse().unwrap(),
            Some(key.to_owned()),
            self.client.clone(),
        )
    }

    pub async fn create_account(&self) -> TestAccount {
        self.create_account_with_prefix(&random_prefix()).await
    }

    pub async fn create_account_with_prefix(&self, prefix: &str) -> TestAccount {
        let email = format!("{prefix}@example.test");
        let password = random_base62(16);
        let id = accounts::create(
            &self.state.store,
            &self.state.fleet,
            &self.state.login_limiter.argon2,
            (
                &app::validate::Email::parse(&email).unwrap(),
                &app::validate::Prefix::parse(prefix).unwrap(),
            ),
            app::validate::Password::parse(&password).unwrap(),
            None,
        )
        .await
        .expect("Failed to create a test account");
        self.prefixes.lock().unwrap().push(prefix.to_owned());
        TestAccount {
            id,
            email,
            prefix: prefix.to_owned(),
            password,
        }
    }

    /// Cleans up after `prefix` when the app goes, like the accounts `create_account` makes.
    pub fn track_prefix(&self, prefix: &str) {
        self.prefixes.lock().unwrap().push(prefix.to_owned());
    }

    /// A key issued through the service, as the CLI does.
    pub async fn issue_key(&self, account: &TestAccount) -> String {
        api_keys::regenerate(
            &self.state.store,
            account.id,
            &server::domain::caller::Actor::Cli,
            None,
            &Default::default(),
        )
        .await
        .unwrap()
        .key
    }

    /// Creates a database directly on the managed server (as root), for listing tests.
    /// Creates `name` as root and tells the account's index, as the panel does for its own
    /// creations (a database made outside the panel is otherwise listed after the next
    /// reconciliation, which may be reading the server at this very moment).
    pub async fn create_database(&self, name: &str) {
        self.create_database_behind_the_panels_back(name).await;
        let accounts: Vec<(i64, String)> = sqlx::query_as("SELECT id, prefix FROM accounts")
            .fetch_all(&self.state.store)
            .await
            .unwrap();
        if let Some((id, _)) = accounts
            .iter()
            .find(|(_, prefix)| name.starts_with(&format!("{prefix}_")))
        {
            server::services::database_index::added(&self.state.store, *id, name)
                .await
                .unwrap();
        }
    }

    /// Creates `name` as root and tells the panel nothing (an operator's own DDL).
    pub async fn create_database_behind_the_panels_back(&self, name: &str) {
        sqlx::query(&format!("CREATE DATABASE {}", quote_identifier(name)))
            .execute(&self.state.mysql)
            .await
            .unwrap();
    }

    /// Connects as a database user the way a local application would (the Unix socket:
    /// 'localhost' accounts; this server resolves no host names).
    pub async fn connect_as(
        &self,
        user: &str,
        password: &str,
    ) -> Result<sqlx::MySqlConnection, sqlx::Error> {
        use sqlx::ConnectOptions;
        let socket: String = sqlx::query_scalar("SELECT @@socket")
            .fetch_one(&self.state.mysql)
            .await?;
        sqlx::mysql::MySqlConnectOptions::new()
            .socket(socket)
            .username(user)
            .password(password)
            .connect()
            .await
    }

    /// Connects over TCP as if from `source` (a loopback alias such as 127.0.0.5): sqlx cannot bind
    /// its socket, so a one-connection relay does, and MariaDB sees the relay's source address.
    pub async fn connect_from(
        &self,
        source: &str,
        user: &str,
        password: &str,
    ) -> Result<sqlx::MySqlConnection, sqlx::Error> {
        use sqlx::ConnectOptions;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay_port = listener.local_addr().unwrap().port();
        let source: std::net::IpAddr = source.parse().unwrap();
        let server: std::net::SocketAddr = "127.0.0.1:3306".parse().unwrap();
        tokio::spawn(async move {
            let Ok((mut inbound, _)) = listener.accept().await else {
                return;
            };
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind((source, 0).into()).unwrap();
            if let Ok(mut outbound) = socket.connect(server).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
        sqlx::mysql::MySqlConnectOptions::new()
            .host("127.0.0.1")
            .port(relay_port)
            .username(user)
            .password(password)
            .connect()
            .await
    }

    /// What MariaDB itself says the user may do (SHOW GRANTS), joined into one string.
    pub async fn show_grants(&self, user: &str) -> String {
        self.show_grants_at(user, "localhost").await
    }

    pub async fn show_grants_at(&self, user: &str, host: &str) -> String {
        let rows: Vec<String> = sqlx::query_scalar(&format!("SHOW GRANTS FOR '{user}'@'{host}'"))
            .fetch_all(&self.state.mysql)
            .await
            .unwrap();
        rows.join("\n")
    }

    pub async fn database_exists(&self, name: &str) -> bool {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
        )
        .bind(name)
        .fetch_optional(&self.state.mysql)
        .await
        .unwrap();
        found.is_some()
    }

    /// Where the user exists besides the loopback pair (127.0.0.1 and ::1), which every user of
    /// the panel has and `loopback_follows_localhost` checks on its own.
    pub async fn user_hosts(&self, user: &str) -> Vec<String> {
        let mut hosts = self.all_user_hosts(user).await;
        if ["127.0.0.1", "::1"]
            .iter()
            .all(|loopback| hosts.iter().any(|host| host == loopback))
        {
            hosts.retain(|host| host != "127.0.0.1" && host != "::1");
        }
        hosts
    }

    /// Every host the user exists at.
    pub async fn all_user_hosts(&self, user: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT CONVERT(Host USING utf8mb4) FROM mysql.user WHERE User = ? ORDER BY Host",
        )
        .bind(user)
        .fetch_all(&self.state.mysql)
        .await
        .unwrap()
    }

    /// Everything under the account's prefix on the server: databases and users.
    pub async fn footprint(&self, prefix: &str) -> (Vec<String>, Vec<String>) {
        let pattern = like_starts_with(&format!("{prefix}_"));
        let dbs = sqlx::query_scalar("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ESCAPE '!' ORDER BY 1")
            .bind(&pattern)
            .fetch_all(&self.state.mysql)
            .await
            .unwrap();
        let users = sqlx::query_scalar("SELECT CONVERT(User USING utf8mb4) FROM mysql.user WHERE User LIKE ? ESCAPE '!' ORDER BY 1")
            .bind(&pattern)
            .fetch_all(&self.state.mysql)
            .await
            .unwrap();
        (dbs, users)
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: serde_json::Value,
    ) -> Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete_bearer(&self, path: &str, key: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
    }

    /// `POST /api/databases/{db}/query` with `body` (a JSON object with at least `sql`).
    pub async fn query(&self, key: &str, db: &str, body: serde_json::Value) -> Response {
        self.send_json(
            reqwest::Method::POST,
            &format!("/api/databases/{db}/query"),
            key,
            body,
        )
        .await
    }

    /// Runs `sql` on `db` through the typed client and returns the 200 answer (panics otherwise).
    pub async fn query_ok(
        &self,
        key: &str,
        db: &str,
        sql: &str,
    ) -> nobregas_client::Answer<types::query::QueryResponse> {
        let answer = self
            .api(key)
            .run_query(db, &types::query::QueryRequest::sql(sql))
            .await
            .unwrap_or_else(|err| panic!("{sql}: {err}"));
        assert_eq!(answer.status, StatusCode::OK, "{sql}: {}", answer.raw);
        answer
    }

    /// `GET /metrics` with the scrape token: the text.
    pub async fn scrape(&self, token: &str) -> String {
        self.client
            .get(self.url("/metrics"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn get_bearer(&self, path: &str, key: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
    }

    /// The newest event of `action` in the account's audit log (`GET /api/audit` with `key`).
    pub async fn audit_event(&self, key: &str, action: &str) -> Option<serde_json::Value> {
        let audit: serde_json::Value = self
            .get_bearer("/api/audit", key)
            .await
            .json()
            .await
            .unwrap();
        audit["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|event| event["action"] == action)
            .cloned()
    }

    /// Signs in through the sign-in server function, as the login form does; returns the cookie pair.
    pub async fn sign_in(&self, account: &TestAccount) -> String {
        let response = self
            .post_login(&account.email, &account.password, None)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "sign-in failed");
        session_cookie(response.headers()).expect("sign-in set no session cookie")
    }

    pub async fn post_login(&self, email: &str, password: &str, cookie: Option<&str>) -> Response {
        let mut request = self
            .client
            .post(self.url("/rpc/login"))
            .header("origin", &self.address)
            .form(&[
                ("email", email),
                ("password", password),
                ("next", "/profile"),
            ]);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.unwrap()
    }

    /// A server-function call with the session cookie, from the panel's own origin.
    pub fn rpc_request(&self, endpoint: &str, cookie: &str) -> reqwest::RequestBuilder {
        self.client
            .post(self.url(&format!("/rpc/{endpoint}")))
            .header("cookie", cookie)
            .header("origin", &self.address)
            .header("sec-fetch-site", "same-origin")
            .header("content-type", "application/x-www-form-urlencoded")
    }

    /// `GET /api/openapi.json`, parsed.
    pub async fn openapi(&self) -> serde_json::Value {
        let response = self
            .client
            .get(self.url("/api/openapi.json"))
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    /// A server function that takes a JSON body (`input = Json`), such as `regenerate_api_key`.
    pub fn rpc_json(
        &self,
        endpoint: &str,
        cookie: &str,
        body: &serde_json::Value,
    ) -> reqwest::RequestBuilder {
        self.client
            .post(self.url(&format!("/rpc/{endpoint}")))
            .header("cookie", cookie)
            .header("origin", &self.address)
            .header("sec-fetch-site", "same-origin")
            .json(body)
    }

    pub async fn post_rpc(&self, endpoint: &str, cookie: &str) -> Response {
        self.rpc_request(endpoint, cookie).send().await.unwrap()
    }
}

/// `nbg_session=…` (or, over https, `__Host-nbg_session=…`) from a response's Set-Cookie headers.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| {
            let v = v.strip_prefix("__Host-").unwrap_or(v);
            v.starts_with("nbg_session=") && !v.starts_with("nbg_session=;")
        })
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// An answer's body exactly as the API sent it, for assertions on the JSON itself.
pub fn sent<T>(answer: &nobregas_client::Answer<T>) -> serde_json::Value {
    serde_json::from_str(&answer.raw).expect("the answer is JSON")
}

/// The API's refusal of a typed call: its status and error code.
pub fn refusal<T>(result: nobregas_client::Result<T>) -> (StatusCode, String) {
    match result {
        Err(nobregas_client::Error::Api { status, code, .. }) => (status, code),
        Err(other) => panic!("not the API's refusal: {other}"),
        Ok(_) => panic!("the API accepted what it should refuse"),
    }
}

/// The API's refusal of a typed call: its status, error code and message.
pub fn refusal_with_message<T>(result: nobregas_client::Result<T>) -> (StatusCode, String, String) {
    match result {
        Err(nobregas_client::Error::Api {
            status,
            code,
            message,
            ..
        }) => (status, code, message),
        Err(other) => panic!("not the API's refusal: {other}"),
        Ok(_) => panic!("the API accepted what it should refuse"),
    }
}

pub async fn error_code(response: Response) -> String {
    let body: serde_json::Value = response.json().await.expect("error body is JSON");
    body["error"]["code"]
        .as_str()
        .expect("error.code is a string")
        .to_owned()
}

impl Drop for TestApp {
    /// Drops every database the test's accounts own, even when the test failed halfway.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some(name) = &self.store_database {
            // The panel still runs on this (single) test thread, which `Drop` now blocks: a store
            // transaction it left open between two awaits would hold its tables' metadata locks
            // until the drop below gave up (a day). Its sessions end first.
            kill_sessions(&format!("DB = '{name}'"));
            drop_database(name);
        }
        for prefix in self.prefixes.lock().unwrap().iter() {
            remove_account_footprint(prefix);
        }
    }
}

/// Drops every database and user of `prefix` on the test MariaDB (127.0.0.1:3306), and its query
/// identity: what a test's accounts leave, even when the test failed halfway.
pub fn remove_account_footprint(prefix: &str) {
    let pattern = like_starts_with(&format!("{prefix}_"));
    let users = std::process::Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", "-N", "-B", "-e"])
        // The identity too, at every host (a server reached over TCP has it at the panel's address).
        .arg(format!("SELECT CONCAT(QUOTE(User), '@', QUOTE(Host)) FROM mysql.user WHERE User LIKE '{pattern}' ESCAPE '!' OR User IN ('{prefix}-panel', '{prefix}-ro')"))
        .output();
    if let Ok(users) = users {
        for account in String::from_utf8_lossy(&users.stdout)
            .lines()
            .filter(|l| !l.is_empty())
        {
            let _ = std::process::Command::new("mariadb")
                .args(["-uroot", "-h127.0.0.1", "-e"])
                .arg(format!("DROP USER IF EXISTS {account}"))
                .status();
        }
    }
    // Sessions a failed test left open (a job's lock, say) would make DROP DATABASE wait.
    kill_sessions(&format!(
        "USER = '{prefix}-panel' OR USER LIKE '{pattern}' ESCAPE '!'"
    ));
    // The account's query identity (`<prefix>-panel`), if a test ran SQL.
    let _ = std::process::Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", "-e"])
        .arg(format!("DROP USER IF EXISTS '{prefix}-panel'@'localhost'"))
        .status();
    let list = std::process::Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", "-N", "-B", "-e"])
        .arg(format!("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '{pattern}' ESCAPE '!'"))
        .output();
    let Ok(list) = list else { return };
    for name in String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter(|l| !l.is_empty())
    {
        drop_database(&quote_identifier(name));
    }
}

/// Ends the MariaDB sessions `condition` (over `information_schema.PROCESSLIST`) selects.
fn kill_sessions(condition: &str) {
    let sessions = std::process::Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", "-N", "-B", "-e"])
        .arg(format!(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE ({condition}) AND ID <> CONNECTION_ID()"
        ))
        .output();
    let Ok(sessions) = sessions else { return };
    for id in String::from_utf8_lossy(&sessions.stdout)
        .lines()
        .filter(|l| !l.is_empty())
    {
        let _ = std::process::Command::new("mariadb")
            .args(["-uroot", "-h127.0.0.1", "-e"])
            .arg(format!("KILL {id}"))
            .status();
    }
}

/// `DROP DATABASE` that waits at most a minute for locks: a leftover database is a leak, a drop
/// that waits for a lock held by the blocked test thread is a hung test run.
fn drop_database(quoted_name: &str) {
    let _ = std::process::Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", "-e"])
        .arg(format!(
            "SET SESSION lock_wait_timeout = 60; DROP DATABASE IF EXISTS {quoted_name}"
        ))
        .status();
}

/// Request builders the tests share (the request types have no test-only constructors).
pub fn new_user(name: &str, password: Option<&str>) -> types::model::CreateUser {
    types::model::CreateUser {
        name: name.to_owned(),
        password: password.map(str::to_owned),
    }
}

pub fn privileges(names: &[&str]) -> types::model::SetPrivileges {
    types::model::SetPrivileges {
        privileges: names.iter().map(|p| (*p).to_owned()).collect(),
    }
}

pub fn whitelist_entry(host: &str, note: Option<&str>) -> types::model::NewWhitelistEntry {
    types::model::NewWhitelistEntry {
        host: host.to_owned(),
        note: note.map(str::to_owned),
    }
}
