//! MariaDB going away and coming back, on a private `mariadbd` (own port, own data directory)
//! that this test starts and stops: the shared server is never touched.
use crate::helpers::{TestApp, error_code, spawn_app_with_mysql};
use reqwest::StatusCode;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A throw-away MariaDB server; killed and deleted on drop.
struct PrivateMariaDb {
    dir: PathBuf,
    port: u16,
    process: Option<Child>,
}

impl PrivateMariaDb {
    fn install() -> Self {
        let dir = std::env::temp_dir().join(format!("nobregas-mariadb-{}", server::domain::secret::random_base62(8)));
        std::fs::create_dir_all(&dir).unwrap();
        let status = Command::new("mariadb-install-db")
            .args(["--no-defaults", "--auth-root-authentication-method=normal", "--skip-test-db", "--user=root"])
            .arg(format!("--datadir={}", dir.join("data").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("mariadb-install-db runs");
        assert!(status.success(), "mariadb-install-db failed");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self { dir, port, process: None }
    }

    fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }

    async fn start(&mut self) {
        let child = Command::new("mariadbd")
            .args(["--no-defaults", "--user=root", "--bind-address=127.0.0.1", "--skip-log-bin"])
            .arg(format!("--port={}", self.port))
            .arg(format!("--datadir={}", self.dir.join("data").display()))
            .arg(format!("--socket={}", self.dir.join("mysqld.sock").display()))
            .arg(format!("--pid-file={}", self.dir.join("mysqld.pid").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mariadbd starts");
        self.process = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_err() {
            assert!(Instant::now() < deadline, "the private mariadbd did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateMariaDb {
    fn drop(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn databases_status(app: &TestApp, key: &str) -> (StatusCode, Duration, reqwest::Response) {
    let started = Instant::now();
    let response = app.get_bearer("/api/databases", key).await;
    (response.status(), started.elapsed(), response)
}

#[tokio::test]
async fn mysql_down_is_503_quickly_the_rest_works_and_it_recovers_by_itself() {
    let mut mariadb = PrivateMariaDb::install();
    mariadb.start().await;
    let app = spawn_app_with_mysql(&mariadb.url()).await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    assert_eq!(databases_status(&app, &key).await.0, StatusCode::OK);

    mariadb.stop();
    let (status, took, response) = databases_status(&app, &key).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(took < Duration::from_secs(2), "answered in {took:?}");
    assert_eq!(error_code(response).await, "mysql_unavailable");
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);

    // What lives in the panel's own store keeps working: sign-in, the account, the Profile page.
    assert_eq!(app.get_bearer("/api/account", &key).await.status(), StatusCode::OK);
    let cookie = app.sign_in(&account).await;
    let profile = app.client.get(app.url("/profile")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(profile.status(), StatusCode::OK);
    let html = profile.text().await.unwrap();
    assert!(html.contains(&account.email), "the profile renders");
    assert!(html.contains("The MySQL server is not answering right now"), "with the banner");

    mariadb.start().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _, _) = databases_status(&app, &key).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "still {status} after MariaDB came back");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let profile = app.client.get(app.url("/profile")).header("cookie", &cookie).send().await.unwrap();
    let html = profile.text().await.unwrap();
    assert!(!html.contains("The MySQL server is not answering"), "the banner is gone: {html}");
}
