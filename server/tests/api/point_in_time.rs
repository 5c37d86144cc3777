//! Issue 27, item 2: a database restored to a second, from its last full backup and the binary
//! log the panel archived. A `mariadbd` of the test's own with the binary log on; two tenants on it.
use crate::backups::{backup_now, wait_restore};
use crate::binlog_archive::{added_server, archive_catches_up, with_binary_log};
use crate::fleet::account_on;
use crate::helpers::{refusal, spawn_app_with, test_settings};
use crate::private_mariadb::PrivateMariaDb;
use reqwest::StatusCode;
use server::domain::time;
use std::time::Duration;
use types::backups::{JobStatus, PointInTimeRestore};
use types::model::CreateDatabase;

const TABLE: &str = "CREATE TABLE t1 (id INT PRIMARY KEY, name VARCHAR(50), price DECIMAL(10,2), at DATETIME(6),
     ts TIMESTAMP NULL, kind ENUM('a','b'), tags SET('x','y','z'), data BLOB, f DOUBLE, d DATE, span TIME(3),
     big BIGINT UNSIGNED, small TINYINT UNSIGNED, mid INT UNSIGNED);
     CREATE TABLE t2 (k INT, note VARCHAR(20), u INT UNSIGNED DEFAULT 4294967295);
     CREATE TABLE t1_log (n INT AUTO_INCREMENT PRIMARY KEY, id INT)";

/// A round of changes to `db`'s tables, ids from `base`: inserts, an update, a delete.
fn changes(server: &PrivateMariaDb, db: &str, base: u32, round: u32) {
    let id = base + round;
    server
        .sql(&format!(
            "USE {db};
             INSERT INTO t1 VALUES ({id}, 'n{round} ''quoted'' ü', {round}.25, '2026-12-04 10:15:{:02}.123456', FROM_UNIXTIME(1700000000 + {round}),
               IF({round} % 2 = 0, 'a', 'b'), 'x,z', UNHEX('00FF{round:02}'), {round} / 3, '2026-01-{:02}', '-26:03:04.5',
               18446744073709551615 - {round}, 200 + {round}, 4000000000 + {round});
             INSERT INTO t2 (k, note) VALUES ({round}, IF({round} % 3 = 0, NULL, 'note {round}')), ({round}, 'same');
             UPDATE t1 SET name = CONCAT(name, ' updated'), ts = NULL WHERE id = {id} - 1;
             DELETE FROM t2 WHERE k = {round} - 2 AND note = 'same' LIMIT 1",
            round % 60,
            round % 28 + 1
        ))
        .unwrap_or_else(|| panic!("round {round} on {db}"));
}

fn checksums(server: &PrivateMariaDb, db: &str) -> String {
    server
        .sql(&format!(
            "CHECKSUM TABLE {db}.t1, {db}.t2, {db}.t1_log; SELECT COUNT(*) FROM {db}.t1; SELECT COUNT(*) FROM {db}.t2"
        ))
        .unwrap()
        .replace(db, "DB")
}

#[tokio::test]
async fn a_database_restored_to_a_second_equals_it_at_that_second_without_other_tenants_rows() {
    let mut logged = PrivateMariaDb::install();
    logged.start_with(&with_binary_log()).await;
    let app = spawn_app_with(test_settings()).await;
    added_server(&app, "logged", &logged);
    let (ann, bob) = (
        account_on(&app, Some("logged")).await.unwrap(),
        account_on(&app, Some("logged")).await.unwrap(),
    );
    let (ann_key, bob_key) = (app.issue_key(&ann).await, app.issue_key(&bob).await);
    let (shop, bobs) = (
        format!("{}_shop", ann.prefix),
        format!("{}_shop", bob.prefix),
    );
    for (key, db) in [(&ann_key, &shop), (&bob_key, &bobs)] {
        app.api(key)
            .create_database(&CreateDatabase::named(db.clone()))
            .await
            .unwrap();
        logged.sql(&format!("USE {db}; {TABLE}")).unwrap();
    }
    // A trigger (the account's own, made through the API): the log holds the rows it wrote, so
    // the replay must not fire it again.
    app.query_ok(
        &ann_key,
        &shop,
        "CREATE TRIGGER logged_insert AFTER INSERT ON t1 FOR EACH ROW INSERT INTO t1_log (id) VALUES (NEW.id)",
    )
    .await;
    changes(&logged, &shop, 1, 0);
    backup_now(&app, &ann_key, &shop).await;

    // Changes over a minute, the other tenant's interleaved (same table names, other ids).
    let mut noted = None;
    for round in 1..=30 {
        changes(&logged, &shop, 1, round);
        changes(&logged, &bobs, 100_000, round);
        if round == 20 {
            // The point in time: every change so far happened in this second or before.
            let at = time::now();
            noted = Some((at, checksums(&logged, &shop)));
            while time::now() <= at {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        } else {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
    logged.sql(&format!("DROP TABLE {shop}.t2")).unwrap();
    let (at, expected) = noted.unwrap();
    archive_catches_up(&app, "logged", &logged).await;

    let api = app.api(&ann_key);
    let window = api.get_restore_window(&shop).await.unwrap().value;
    let (from, to) = (
        time::parse_rfc3339(window.from.as_deref().unwrap()).unwrap(),
        time::parse_rfc3339(window.to.as_deref().unwrap()).unwrap(),
    );
    assert!(from <= at && at <= to, "{window:?} holds {at}");
    let request = |at: i64, database: Option<&str>, confirm: Option<&str>| PointInTimeRestore {
        at: time::rfc3339(at),
        database: database.map(str::to_owned),
        confirm: confirm.map(str::to_owned),
    };

    // Refused, changing nothing: the future, over the database without typing its name, a
    // point before the backup, another tenant's database.
    for (refused, status, code) in [
        (
            api.restore_to_point_in_time(&shop, &request(time::now() + 3600, None, None))
                .await,
            StatusCode::CONFLICT,
            "point_in_time_unavailable",
        ),
        (
            api.restore_to_point_in_time(&shop, &request(at, Some(&shop), None))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            api.restore_to_point_in_time(&shop, &request(from - 60, None, None))
                .await,
            StatusCode::CONFLICT,
            "point_in_time_unavailable",
        ),
        (
            app.api(&bob_key)
                .restore_to_point_in_time(&shop, &request(at, None, None))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ] {
        assert_eq!(refusal(refused), (status, code.to_owned()));
    }
    assert_eq!(
        refusal(app.api(&bob_key).get_restore_window(&shop).await),
        (StatusCode::NOT_FOUND, "not_found".to_owned()),
        "another tenant's window"
    );

    let restored_db = format!("{}_shop_then", ann.prefix);
    let started = api
        .restore_to_point_in_time(&shop, &request(at, Some(&restored_db), None))
        .await
        .unwrap();
    assert_eq!(started.status, StatusCode::ACCEPTED);
    assert_eq!(
        started.value.at.as_deref(),
        Some(time::rfc3339(at).as_str())
    );
    let done = wait_restore(&app, &ann_key, &started.value.id).await;
    assert_eq!(done.value.status, JobStatus::Completed, "{}", done.raw);
    assert_eq!(
        checksums(&logged, &restored_db),
        expected,
        "every table as it was at {at}"
    );
    let foreign = logged
        .sql(&format!(
            "SELECT COUNT(*) FROM {restored_db}.t1 WHERE id >= 100000"
        ))
        .unwrap();
    assert_eq!(foreign.trim(), "0", "the other tenant's rows");

    // The default: a new database named after the second; the original untouched meanwhile.
    let started = api
        .restore_to_point_in_time(&shop, &request(at, None, None))
        .await
        .unwrap();
    let done = wait_restore(&app, &ann_key, &started.value.id).await;
    assert_eq!(done.value.status, JobStatus::Completed, "{}", done.raw);
    let stamp: String = time::rfc3339(at)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert_eq!(done.value.database, format!("{shop}_{stamp}"));
    assert_eq!(checksums(&logged, &done.value.database), expected);
    assert!(
        logged.sql(&format!("SELECT 1 FROM {shop}.t2")).is_none(),
        "the original keeps its drop"
    );

    // A server without the binary log: no point in time, said plainly.
    let plain = app.create_account().await;
    let plain_key = app.issue_key(&plain).await;
    let plain_db = format!("{}_app", plain.prefix);
    app.api(&plain_key)
        .create_database(&CreateDatabase::named(plain_db.clone()))
        .await
        .unwrap();
    assert_eq!(
        refusal(
            app.api(&plain_key)
                .restore_to_point_in_time(&plain_db, &request(time::now() - 5, None, None))
                .await
        ),
        (StatusCode::CONFLICT, "point_in_time_unavailable".to_owned())
    );
}

/// A database that is gone and was never backed up has no window and no point-in-time restore
/// (404, like every other endpoint of a database that does not exist); one dropped after a backup
/// keeps its window, so it can be brought back. On the test's shared server, binary log or not.
#[tokio::test]
async fn a_dropped_database_keeps_its_window_only_while_a_backup_of_it_is_kept() {
    let app = crate::helpers::spawn_app().await;
    let account = app.create_account().await;
    let key = app.issue_key(&account).await;
    let api = app.api(&key);
    let not_found = (StatusCode::NOT_FOUND, "not_found".to_owned());
    let five_seconds_ago = || PointInTimeRestore {
        at: time::rfc3339(time::now() - 5),
        database: None,
        confirm: None,
    };

    let gone = format!("{}_gone", account.prefix);
    let kept = format!("{}_kept", account.prefix);
    for db in [&gone, &kept] {
        api.create_database(&CreateDatabase::named(db.clone()))
            .await
            .unwrap();
        let window = api.get_restore_window(db).await.unwrap();
        assert_eq!(window.status, StatusCode::OK, "{}", window.raw);
    }
    backup_now(&app, &key, &kept).await;
    for db in [&gone, &kept] {
        assert_eq!(
            api.delete_database(db).await.unwrap(),
            StatusCode::NO_CONTENT
        );
    }

    let never = format!("{}_never", account.prefix);
    for db in [&gone, &never] {
        assert_eq!(refusal(api.get_restore_window(db).await), not_found, "{db}");
        assert_eq!(
            refusal(api.restore_to_point_in_time(db, &five_seconds_ago()).await),
            not_found,
            "{db}"
        );
    }
    assert_eq!(
        app.footprint(&account.prefix).await.0,
        Vec::<String>::new(),
        "the refused restores created no database"
    );
    let window = api.get_restore_window(&kept).await.unwrap();
    assert_eq!(window.status, StatusCode::OK, "{}", window.raw);
    assert_eq!(window.value.database, kept);
}
