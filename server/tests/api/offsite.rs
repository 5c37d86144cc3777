//! Issue 27, items 3 and 4: encrypted off-site copies in a real S3-compatible server (`s3s-fs`,
//! installed by `scripts/setup.sh test`), started per test on its own port and directory.
use crate::backups::{account_with_database, backup_now, checksum, restore, wait_restore};
use crate::binlog_archive::{
    account_with_shop_on, added_server, archive_catches_up, with_binary_log,
};

use crate::helpers::{TestApp, spawn_app_with, test_settings};
use crate::private_mariadb::PrivateMariaDb;
use reqwest::StatusCode;
use server::config::offsite::OffsiteSettings;
use server::domain::secret::random_base62;
use server::domain::time;
use server::services::backups::offsite::{Offsite, copies};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use types::backups::{JobStatus, PointInTimeRestore};

const BUCKET: &str = "panel-backups";
const PREFIX: &str = "panel-1/";

/// An `s3s-fs` process serving one bucket from a temporary directory.
pub struct S3Server {
    child: Child,
    pub root: PathBuf,
    pub port: u16,
    pub access_key: String,
    pub secret_key: String,
}

impl S3Server {
    pub async fn start() -> Self {
        let root = std::env::temp_dir().join(format!("nobregas-s3-{}", random_base62(10)));
        std::fs::create_dir_all(root.join(BUCKET)).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let (access_key, secret_key) = (random_base62(16), random_base62(32));
        let child = Command::new("s3s-fs")
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", &access_key, "--secret-key", &secret_key])
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs is installed (scripts/setup.sh test)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "s3s-fs did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self {
            child,
            root,
            port,
            access_key,
            secret_key,
        }
    }

    /// The panel's settings for this bucket, with its key in `key_file`.
    pub fn settings(&self, key_file: &Path) -> OffsiteSettings {
        OffsiteSettings {
            endpoint: format!("http://127.0.0.1:{}/", self.port).parse().unwrap(),
            bucket: BUCKET.into(),
            prefix: PREFIX.into(),
            region: "us-east-1".into(),
            virtual_host: false,
            access_key_id: self.access_key.clone(),
            secret_access_key: self.secret_key.clone(),
            key_file: key_file.to_owned(),
            // The smallest part S3 takes: a backup of a few MiB goes up in more than one.
            part_size: OffsiteSettings::MIN_PART_SIZE,
            every: Duration::from_millis(200),
        }
    }

    /// The stored object `name` (s3s-fs keeps each object as a file under the bucket's folder).
    pub fn object(&self, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.root.join(BUCKET).join(name)).ok()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A panel copying off-site to `s3`, its key outside the data dir.
pub async fn app_with_offsite(s3: &S3Server) -> (TestApp, PathBuf) {
    let mut settings = test_settings();
    let key_file = std::env::temp_dir().join(format!("nobregas-backup-key-{}", random_base62(10)));
    settings.offsite = Some(s3.settings(&key_file));
    (spawn_app_with(settings).await, key_file)
}

/// `GET /api/backups/{id}` until it says its copy is off-site.
async fn wait_copied(app: &TestApp, key: &str, id: &str) -> types::backups::Backup {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let backup = app.api(key).get_backup(id).await.unwrap().value;
        if backup.offsite_at.is_some() {
            return backup;
        }
        assert!(
            Instant::now() < deadline,
            "backup {id} was never copied off-site"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn download(app: &TestApp, key: &str, id: &str) -> Vec<u8> {
    let response = app
        .get_bearer(&format!("/api/backups/{id}/download"), key)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn a_backup_whose_file_is_gone_comes_back_from_its_encrypted_off_site_copy() {
    let s3 = S3Server::start().await;
    let (app, key_file) = app_with_offsite(&s3).await;
    let (account, key, db) = account_with_database(&app, "shop").await;
    // About 13 MB of hex that gzip halves: the encrypted copy goes up in two parts.
    for statement in [
        format!(
            "CREATE TABLE `{db}`.orders (id INT PRIMARY KEY, note CHAR(128), total DECIMAL(10,2))"
        ),
        format!(
            "INSERT INTO `{db}`.orders SELECT seq, CONCAT(SHA2(CONCAT(seq, RAND()), 256), SHA2(RAND(), 256)), seq / 7 FROM `{db}`.seq_1_to_100000"
        ),
    ] {
        sqlx::query(&statement)
            .execute(&app.state.mysql)
            .await
            .unwrap();
    }
    let before = checksum(&app, &db, "orders").await;
    let backup = backup_now(&app, &key, &db).await;
    let backup = wait_copied(&app, &key, &backup.id).await;
    let original = download(&app, &key, &backup.id).await;
    assert_eq!(Some(sha256_hex(&original)), backup.sha256);

    // In the bucket: under its file's name, and not readable as SQL or gzip.
    let name = format!("{PREFIX}backups/{}/{}.sql.gz.enc", account.id, backup.id);
    let object = s3
        .object(&name)
        .unwrap_or_else(|| panic!("no object {name}"));
    assert!(
        object.len() > original.len() && object.len() > OffsiteSettings::MIN_PART_SIZE,
        "{} bytes",
        object.len()
    );
    assert!(!object.starts_with(&[0x1f, 0x8b]), "not a gzip file");
    let text = String::from_utf8_lossy(&object);
    assert!(!text.contains("CREATE TABLE") && !text.contains("INSERT INTO"));
    let mut unzipped = Vec::new();
    assert!(
        flate2::read::GzDecoder::new(&object[..])
            .read_to_end(&mut unzipped)
            .is_err()
    );

    // The local file is lost: the download and a restore fetch and decrypt the copy.
    let local = app
        .data_dir
        .join("backups")
        .join(account.id.to_string())
        .join(format!("{}.sql.gz", backup.id));
    std::fs::remove_file(&local).unwrap();
    assert_eq!(
        download(&app, &key, &backup.id).await,
        original,
        "decrypted download"
    );
    std::fs::remove_file(&local).unwrap();
    let copy = format!("{}_copy", account.prefix);
    let job = restore(&app, &key, &backup.id, &copy).await;
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    assert!(
        job.verification.as_ref().is_some_and(|v| v.verified),
        "{job:?}"
    );
    assert_eq!(checksum(&app, &copy, "orders").await, before);

    // Another panel's key cannot open the copy.
    let mut other =
        s3.settings(&std::env::temp_dir().join(format!("nobregas-other-key-{}", random_base62(8))));
    other.prefix = PREFIX.into();
    let other_dir = std::env::temp_dir().join(format!("nobregas-other-{}", random_base62(8)));
    let foreign = Offsite::open(&other, &other_dir).unwrap();
    let target = other_dir
        .join("backups")
        .join(account.id.to_string())
        .join(format!("{}.sql.gz", backup.id));
    let refused = foreign.fetch(&target).await.unwrap_err();
    assert!(refused.contains("backup key"), "{refused}");
    assert!(!target.exists());
    let _ = std::fs::remove_file(&other.key_file);
    let _ = std::fs::remove_dir_all(&other_dir);

    // A deleted backup's copy goes at the next sweep.
    assert_eq!(
        app.api(&key).delete_backup(&backup.id).await.unwrap(),
        StatusCode::NO_CONTENT
    );
    let offsite = app.state.offsite.clone().expect("off-site copies are on");
    let removed = copies::sweep(&offsite, &app.state.store, &app.state.backups)
        .await
        .unwrap();
    assert!(removed >= 1, "{removed}");
    assert!(
        s3.object(&name).is_none(),
        "the deleted backup's copy is gone"
    );
    let _ = std::fs::remove_file(&key_file);
}

#[tokio::test]
async fn the_backup_key_is_never_kept_among_the_backups() {
    let s3 = S3Server::start().await;
    let data_dir = std::env::temp_dir().join(format!("nobregas-test-{}", random_base62(10)));
    for inside in ["backups/backup.key", "binlog/x/backup.key"] {
        let settings = s3.settings(&data_dir.join(inside));
        let refused = Offsite::open(&settings, &data_dir)
            .err()
            .expect("refused")
            .to_string();
        assert!(refused.contains("among the backups"), "{refused}");
    }
    let settings = s3.settings(&data_dir.join("backup.key"));
    Offsite::open(&settings, &data_dir).expect("beside the data, not among the backups");
    assert!(data_dir.join("backup.key").exists(), "made on first start");
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test]
async fn archived_binary_log_files_are_copied_off_site_and_a_point_in_time_restore_fetches_them() {
    let mut logged = PrivateMariaDb::install();
    logged.start_with(&with_binary_log()).await;
    let s3 = S3Server::start().await;
    let (app, key_file) = app_with_offsite(&s3).await;
    added_server(&app, "logged", &logged);
    let (account, key, db) = account_with_shop_on(&app, "logged").await;
    logged
        .sql(&format!(
            "CREATE TABLE {db}.t (id INT PRIMARY KEY, v VARCHAR(40)); INSERT INTO {db}.t SELECT seq, MD5(seq) FROM {db}.seq_1_to_100"
        ))
        .unwrap();
    let backup = backup_now(&app, &key, &db).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Changes in the file the backup starts from, then in the next one.
    logged
        .sql(&format!(
            "INSERT INTO {db}.t SELECT seq, MD5(seq) FROM {db}.seq_101_to_200; UPDATE {db}.t SET v = 'changed' WHERE id % 7 = 0; \
             FLUSH BINARY LOGS; DELETE FROM {db}.t WHERE id % 11 = 0; INSERT INTO {db}.t VALUES (1000, 'last')"
        ))
        .unwrap();
    let at = time::now() + 1;
    let expected = logged.sql(&format!("CHECKSUM TABLE {db}.t")).unwrap();
    archive_catches_up(&app, "logged", &logged).await;

    // Every file the server has moved on from is copied whole; the backup too.
    let deadline = Instant::now() + Duration::from_secs(60);
    let closed = loop {
        let files: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT file, bytes, offsite_bytes FROM binlog_segments WHERE server = 'logged' ORDER BY file",
        )
        .fetch_all(&app.state.store)
        .await
        .unwrap();
        let closed = &files[..files.len() - 1];
        if !closed.is_empty()
            && closed
                .iter()
                .all(|(_, bytes, copied)| *copied == Some(*bytes))
        {
            break closed
                .iter()
                .map(|(file, ..)| file.clone())
                .collect::<Vec<_>>();
        }
        assert!(
            Instant::now() < deadline,
            "binary log files not copied: {files:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    wait_copied(&app, &key, &backup.id).await;
    let binlog_dir = app.data_dir.join("binlog").join("logged");
    for file in &closed {
        let object = s3
            .object(&format!("{PREFIX}binlog/logged/{file}.enc"))
            .unwrap_or_else(|| panic!("no copy of {file}"));
        let local = std::fs::read(binlog_dir.join(file)).unwrap();
        assert!(object.starts_with(b"NBGENC1"), "{file}'s copy is encrypted");
        assert!(
            !object.windows(4).any(|w| w == &local[..4]),
            "{file}'s copy shows no binary log"
        );
    }

    // The panel's disk loses the backup and the closed files: the restore fetches them.
    std::fs::remove_file(
        app.data_dir
            .join("backups")
            .join(account.id.to_string())
            .join(format!("{}.sql.gz", backup.id)),
    )
    .unwrap();
    for file in &closed {
        std::fs::remove_file(binlog_dir.join(file)).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while app
        .api(&key)
        .get_restore_window(&db)
        .await
        .unwrap()
        .value
        .to
        .and_then(|to| time::parse_rfc3339(&to))
        .is_none_or(|to| to < at)
    {
        assert!(Instant::now() < deadline, "the window never reached {at}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let target = format!("{}_back", account.prefix);
    let started = app
        .api(&key)
        .restore_to_point_in_time(
            &db,
            &PointInTimeRestore {
                at: time::rfc3339(at),
                database: Some(target.clone()),
                confirm: None,
            },
        )
        .await
        .unwrap();
    let done = wait_restore(&app, &key, &started.value.id).await.value;
    assert_eq!(done.status, JobStatus::Completed, "{done:?}");
    assert_eq!(
        logged
            .sql(&format!("CHECKSUM TABLE {target}.t"))
            .unwrap()
            .replace(&target, &db),
        expected
    );
    for file in &closed {
        assert!(binlog_dir.join(file).exists(), "{file} fetched back");
    }
    let _ = std::fs::remove_file(&key_file);
}
