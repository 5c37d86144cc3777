//! A MariaDB server of a test's (or bench's) own: `mariadb-install-db` into a temporary
//! directory, then `mariadbd` on a free port of 127.0.0.1, never the shared server. Shared by the
//! integration tests and the benches (`#[path]`).
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PrivateMariaDb {
    pub dir: PathBuf,
    pub port: u16,
    process: Option<Child>,
}

impl PrivateMariaDb {
    pub fn install() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "nobregas-mariadb-{}",
            server::domain::secret::random_base62(8)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        // Its socket is in here: backups connect through it as `nobody` when the tests run as root
        // (the panel's process makes its files private, so the directory says so itself).
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        // Seen once under a full parallel run: install-db failed for no reason it said. Once more,
        // then fail with what it printed.
        let install = || {
            Command::new("mariadb-install-db")
                .args([
                    "--no-defaults",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                    "--user=root",
                ])
                .arg(format!("--datadir={}", dir.join("data").display()))
                .output()
                .expect("mariadb-install-db runs")
        };
        let mut output = install();
        if !output.status.success() {
            let _ = std::fs::remove_dir_all(dir.join("data"));
            output = install();
        }
        assert!(
            output.status.success(),
            "mariadb-install-db failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self {
            dir,
            port,
            process: None,
        }
    }

    /// The server process's id, while it runs.
    #[allow(dead_code)] // the scale bench reads its CPU time
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(Child::id)
    }

    pub fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }

    pub async fn start(&mut self) {
        self.start_with(&[]).await
    }

    /// `start`, with more options for `mariadbd` (TLS, for one).
    pub async fn start_with(&mut self, options: &[String]) {
        let child = Command::new("mariadbd")
            .args([
                "--no-defaults",
                "--user=root",
                "--bind-address=127.0.0.1",
                "--skip-log-bin",
            ])
            .args(options)
            .arg(format!("--port={}", self.port))
            .arg(format!("--datadir={}", self.dir.join("data").display()))
            .arg(format!(
                "--socket={}",
                self.dir.join("mysqld.sock").display()
            ))
            .arg(format!(
                "--pid-file={}",
                self.dir.join("mysqld.pid").display()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mariadbd starts");
        self.process = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "the private mariadbd did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A statement as its root over TCP; what it printed, `None` when it failed.
    pub fn sql(&self, statement: &str) -> Option<String> {
        self.sql_with(&[], statement)
    }

    fn sql_with(&self, options: &[&str], statement: &str) -> Option<String> {
        let output = Command::new("mariadb")
            .args(options)
            .args([
                "-uroot",
                "-h127.0.0.1",
                "-N",
                "-B",
                &format!("-P{}", self.port),
                "-e",
                statement,
            ])
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Runs a file of statements as its root (bulk set-up: the scale bench).
    #[allow(dead_code)]
    pub fn sql_file(&self, path: &std::path::Path) {
        let file = std::fs::File::open(path).unwrap();
        let status = Command::new("mariadb")
            .args(["-uroot", "-h127.0.0.1", &format!("-P{}", self.port)])
            .stdin(file)
            .status()
            .unwrap();
        assert!(status.success(), "mariadb < {}", path.display());
    }

    #[allow(dead_code)] // the scale bench never stops its server before the end
    pub fn stop(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }
}

/// A certificate authority of a test's own, and a server certificate it signed.
#[allow(dead_code)] // the scale bench includes this file without TLS
pub struct TestCertificates {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

#[allow(dead_code)]
impl TestCertificates {
    /// A new CA, and a certificate from it for `names` (host names or IP addresses).
    pub fn for_names(names: &[&str]) -> Self {
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "nobregas test CA");
        let ca =
            rcgen::CertifiedIssuer::self_signed(ca, rcgen::KeyPair::generate().unwrap()).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(
            names
                .iter()
                .map(|name| (*name).to_owned())
                .collect::<Vec<_>>(),
        )
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
        Self {
            ca_pem: ca.pem(),
            cert_pem: leaf.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

impl PrivateMariaDb {
    /// Starts the server speaking TLS only (`require_secure_transport`) with `certificates`,
    /// `skip_name_resolve` on,
    /// then removes its Unix socket, so that nothing on this machine can log in but over TCP.
    /// Returns the CA's PEM file.
    #[allow(dead_code)] // not every test binary that includes this file uses TLS
    pub async fn start_tls_only(&mut self, certificates: &TestCertificates) -> PathBuf {
        let (cert, key, ca) = (
            self.dir.join("cert.pem"),
            self.dir.join("key.pem"),
            self.dir.join("ca.pem"),
        );
        std::fs::write(&cert, &certificates.cert_pem).unwrap();
        std::fs::write(&key, &certificates.key_pem).unwrap();
        std::fs::write(&ca, &certificates.ca_pem).unwrap();
        self.start_with(&[
            format!("--ssl-cert={}", cert.display()),
            format!("--ssl-key={}", key.display()),
            format!("--ssl-ca={}", ca.display()),
            "--require-secure-transport=ON".to_owned(),
            // As production servers run: clients are known by their address, not a name.
            "--skip-name-resolve".to_owned(),
        ])
        .await;
        std::fs::remove_file(self.dir.join("mysqld.sock")).unwrap();
        ca
    }

    /// The hosts `user` exists at, one per line.
    #[allow(dead_code)]
    pub fn hosts_of(&self, user: &str) -> String {
        self.sql_tls(&format!(
            "SELECT Host FROM mysql.user WHERE User = '{user}' ORDER BY Host"
        ))
        .unwrap()
    }

    /// A statement as its root over TLS (the server may refuse anything else).
    #[allow(dead_code)]
    pub fn sql_tls(&self, statement: &str) -> Option<String> {
        self.sql_with(&["--ssl"], statement)
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
