//! Issue 27, item 1: every managed server's binary log, archived by the panel as the server writes
//! it. A `mariadbd` of the test's own with the binary log on (never the shared one), another
//! without.
use crate::backups::backup_now;
use crate::fleet::{account_on, panel_cli};
use crate::helpers::{TestAccount, TestApp, spawn_app_with, test_settings};
use crate::private_mariadb::PrivateMariaDb;
use server::services::backups::catalog;
use server::services::binlog::status;
use std::time::{Duration, Instant};
use types::model::CreateDatabase;

pub fn with_binary_log() -> Vec<String> {
    [
        "--log-bin=mariadb-bin",
        "--binlog-format=ROW",
        "--server-id=7",
        // Else only SUPER may create triggers and routines while the log is on.
        "--log-bin-trust-function-creators=1",
    ]
    .map(String::from)
    .to_vec()
}

/// `nobregas-panel server add --name <name>` for `server`; answers what it said on stderr.
pub fn add_server(app: &TestApp, name: &str, server: &PrivateMariaDb) -> std::process::Output {
    panel_cli(
        app,
        &[
            "server",
            "add",
            "--name",
            name,
            "--url",
            &server.url(),
            "--password-stdin",
        ],
        "\n",
    )
}

/// `add_server`, which must succeed.
pub fn added_server(app: &TestApp, name: &str, server: &PrivateMariaDb) {
    let added = add_server(app, name, server);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
}

/// A new account placed on the managed server `server`, its key, and its database `<prefix>_shop`.
pub async fn account_with_shop_on(app: &TestApp, server: &str) -> (TestAccount, String, String) {
    let account = account_on(app, Some(server)).await.unwrap();
    let key = app.issue_key(&account).await;
    let db = format!("{}_shop", account.prefix);
    app.api(&key)
        .create_database(&CreateDatabase::named(db.clone()))
        .await
        .unwrap();
    (account, key, db)
}

/// The file the server writes now and the position after its last event.
fn master_status(server: &PrivateMariaDb) -> (String, u64) {
    let status = server
        .sql("SHOW MASTER STATUS")
        .expect("SHOW MASTER STATUS");
    let row = status.lines().next().expect("a row");
    let mut fields = row.split('\t');
    (
        fields.next().unwrap().to_owned(),
        fields.next().unwrap().parse().unwrap(),
    )
}

/// Until the archive holds everything the server has written.
pub async fn archive_catches_up(app: &TestApp, name: &str, server: &PrivateMariaDb) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let expected = master_status(server);
        let archive = status::of(&app.state.store, name).await.unwrap();
        if archive
            .as_ref()
            .is_some_and(|a| a.state == status::ARCHIVING && a.position.as_ref() == Some(&expected))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the archive did not catch up with {expected:?}: {archive:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Each of the server's binary log files: the archive's copy holds the same events at the same
/// positions, byte for byte — but for the text of statement annotations, which the server leaves
/// out of the stream (the archive has a placeholder of the same length there).
fn archive_equals_the_servers_files(app: &TestApp, name: &str, server: &PrivateMariaDb) {
    const ANNOTATE_ROWS_EVENT: u8 = 160;
    let logs = server.sql("SHOW BINARY LOGS").unwrap();
    let files: Vec<&str> = logs.lines().filter_map(|l| l.split('\t').next()).collect();
    assert!(files.len() >= 3, "{logs}");
    let mut annotations = 0;
    for file in files {
        let original = std::fs::read(server.dir.join("data").join(file)).unwrap();
        let archived = std::fs::read(app.data_dir.join("binlog").join(name).join(file))
            .unwrap_or_else(|err| panic!("{file} is not archived: {err}"));
        assert_eq!(original.len(), archived.len(), "{file}'s length");
        assert_eq!(original[..4], archived[..4], "{file}'s magic bytes");
        let mut at = 4;
        while at < original.len() {
            let size = u32::from_le_bytes(original[at + 9..at + 13].try_into().unwrap()) as usize;
            let (ours, theirs) = (&archived[at..at + size], &original[at..at + size]);
            if theirs[4] == ANNOTATE_ROWS_EVENT {
                annotations += 1;
                assert_eq!(
                    ours[4..17],
                    theirs[4..17],
                    "{file}: the annotation's header at {at}"
                );
            } else if at == 4 {
                // The format description: the server marks the file it writes "in use" in its
                // flags (and so in its checksum); the copy it sends a replica is not marked.
                assert_eq!(
                    ours[..17],
                    theirs[..17],
                    "{file}: the format description's header"
                );
                assert_eq!(ours[17] | 1, theirs[17] | 1, "{file}: its flags");
                assert_eq!(
                    ours[19..size - 4],
                    theirs[19..size - 4],
                    "{file}: the format description"
                );
            } else {
                assert!(ours == theirs, "{file}: the event at {at} differs");
            }
            at += size;
        }
    }
    assert!(
        annotations > 0,
        "the server annotates row events by default"
    );
}

#[tokio::test]
async fn a_servers_binary_log_is_archived_byte_for_byte_across_rotations_and_restarts() {
    let mut logged = PrivateMariaDb::install();
    logged.start_with(&with_binary_log()).await;
    let mut unlogged = PrivateMariaDb::install();
    unlogged.start().await;
    let mut settings = test_settings();
    settings.metrics_token = Some("scrape".into());
    let app = spawn_app_with(settings).await;

    // `server add` says what a server lacks, and registers it all the same.
    let add = |name: &str, server: &PrivateMariaDb| add_server(&app, name, server);
    let added = add("plain", &unlogged);
    let said = String::from_utf8_lossy(&added.stderr);
    assert!(added.status.success(), "{said}");
    assert!(
        said.contains("point-in-time recovery is off on plain: the binary log is off")
            && said.contains("binlog_format is MIXED, it must be ROW"),
        "{said}"
    );
    let added = add("logged", &logged);
    let said = String::from_utf8_lossy(&added.stderr);
    assert!(added.status.success(), "{said}");
    assert!(said.contains("point-in-time recovery works"), "{said}");

    // Customers' changes reach the archive; so do a rotation and a restart of the server.
    let (_, key, db) = account_with_shop_on(&app, "logged").await;
    logged
        .sql(&format!(
            "CREATE TABLE {db}.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO {db}.t VALUES (1, 'one'), (2, 'two')"
        ))
        .unwrap();
    archive_catches_up(&app, "logged", &logged).await;
    logged
        .sql(&format!(
            "FLUSH BINARY LOGS; INSERT INTO {db}.t VALUES (3, 'three')"
        ))
        .unwrap();
    logged.stop();
    logged.start_with(&with_binary_log()).await;
    logged
        .sql(&format!("UPDATE {db}.t SET v = 'uno' WHERE id = 1"))
        .unwrap();
    archive_catches_up(&app, "logged", &logged).await;
    archive_equals_the_servers_files(&app, "logged", &logged);

    // A full backup notes where its snapshot stands in the log.
    let written = master_status(&logged);
    let backup = backup_now(&app, &key, &db).await;
    let after = master_status(&logged);
    let (file, pos) = catalog::binlog_position(&app.state.store, &backup.id)
        .await
        .unwrap()
        .expect("the backup's place in the binary log");
    assert_eq!(file, written.0);
    assert!(
        (written.1..=after.1).contains(&pos),
        "{pos} between {written:?} and {after:?}"
    );

    // `server list` and /metrics show the lag, and what the others lack.
    let listed = panel_cli(&app, &["server", "list"], "");
    let list = String::from_utf8(listed.stdout).unwrap();
    let said = String::from_utf8(listed.stderr).unwrap();
    let line = |name: &str| {
        list.lines()
            .find(|line| line.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} in {list}"))
            .to_owned()
    };
    assert!(line("logged").contains(" s behind"), "{list}");
    assert!(line("plain").ends_with(" off"), "{list}");
    assert!(
        said.contains("plain: point-in-time recovery is off on plain: the binary log is off"),
        "{said}"
    );
    let metrics = app.scrape("scrape").await;
    assert!(
        metrics.contains("nobregas_binlog_archive_lag_seconds{server=\"logged\"}"),
        "{metrics}"
    );
}

#[tokio::test]
async fn archived_files_older_than_the_retention_go_except_the_one_being_written() {
    let app = spawn_app_with(test_settings()).await;
    let store = &app.state.store;
    let dir = app.state.backups.binlog_dir("old");
    std::fs::create_dir_all(&dir).unwrap();
    let day = 86_400;
    let now = server::domain::time::now();
    for (file, last_event_at) in [
        ("mariadb-bin.000001", now - 10 * day),
        ("mariadb-bin.000002", now - 8 * day),
        ("mariadb-bin.000003", now - 2 * day),
    ] {
        std::fs::write(dir.join(file), b"\xfebin").unwrap();
        server::services::binlog::segments::note(store, "old", file, last_event_at, 4)
            .await
            .unwrap();
    }
    // The file being written is kept whatever its age.
    std::fs::write(dir.join("mariadb-bin.000004"), b"\xfebin").unwrap();
    server::services::binlog::segments::note(store, "old", "mariadb-bin.000004", now - 30 * day, 4)
        .await
        .unwrap();
    let removed = server::services::binlog::segments::expire(
        store,
        &dir,
        "old",
        Duration::from_secs(7 * day as u64),
        "mariadb-bin.000004",
    )
    .await
    .unwrap();
    assert_eq!(removed, 2);
    let left: Vec<String> = server::services::binlog::segments::list(store, "old")
        .await
        .unwrap()
        .into_iter()
        .map(|segment| segment.file)
        .collect();
    assert_eq!(left, ["mariadb-bin.000003", "mariadb-bin.000004"]);
    for (file, kept) in [
        ("mariadb-bin.000001", false),
        ("mariadb-bin.000002", false),
        ("mariadb-bin.000003", true),
        ("mariadb-bin.000004", true),
    ] {
        assert_eq!(dir.join(file).exists(), kept, "{file}");
    }
}
