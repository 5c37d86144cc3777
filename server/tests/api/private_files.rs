//! Issue 22, finding 4: the data dir was 0755 and the store, backups and uploads 0644, so `nobody`
//! read another tenant's backup and the store. Everything is private to the panel's user now,
//! also what an earlier version left open.
use crate::backups::{account_with_database, backup_now};
use crate::helpers::spawn_app_with;
use crate::helpers::test_settings;
use futures_util::StreamExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Whether the OS user `nobody` can read `path` (only testable as root, which can switch users).
fn nobody_reads(path: &Path) -> Option<bool> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let status = std::process::Command::new("setpriv")
        .args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "--",
            "cat",
        ])
        .arg(path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("setpriv runs");
    Some(status.success())
}

#[tokio::test]
async fn the_store_backups_and_uploads_are_private_to_the_panels_user() {
    let settings = test_settings();
    // What an earlier version left: an open data dir and backups dir.
    let backups = settings.data_dir.join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    for dir in [&settings.data_dir, &backups] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let app = spawn_app_with(settings).await;
    let (account, key, db) = account_with_database(&app, "files").await;
    app.query_ok(&key, &db, "CREATE TABLE t (secret TEXT)")
        .await;
    app.query_ok(&key, &db, "INSERT INTO t VALUES ('treasure')")
        .await;
    let backup = backup_now(&app, &key, &db).await;
    let account_dir = backups.join(account.id.to_string());

    // An upload being received, held open.
    let held = {
        let url = app.url(&format!("/api/databases/{db}/imports"));
        let key = key.clone();
        let body = futures_util::stream::once(async {
            Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"SELECT 1;\n"))
        })
        .chain(futures_util::stream::pending());
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(key)
                .body(reqwest::Body::wrap_stream(body))
                .send()
                .await
        })
    };
    let upload = wait_for_upload(&account_dir).await;

    let dirs = [app.data_dir.clone(), backups.clone(), account_dir.clone()];
    let mut files = vec![
        app.data_dir.join("secret.key"),
        account_dir.join(format!("{}.sql.gz", backup.id)),
        upload,
    ];
    if app.store_database.is_none() {
        files.push(app.data_dir.join("panel.db"));
    }
    for dir in &dirs {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
    }
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
        assert_ne!(
            nobody_reads(file),
            Some(true),
            "nobody read {}",
            file.display()
        );
    }
    let wal = app.data_dir.join("panel.db-wal");
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600);
    }
    held.abort();
}

async fn wait_for_upload(dir: &Path) -> PathBuf {
    for _ in 0..100 {
        let found = std::fs::read_dir(dir).ok().and_then(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path())
                .find(|path| path.extension().is_some_and(|e| e == "upload"))
        });
        if let Some(path) = found {
            return path;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no upload file appeared in {}", dir.display());
}
